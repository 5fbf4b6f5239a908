package collector

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat. It
// is 100 on every Linux architecture Go supports (sysconf(_SC_CLK_TCK)).
const clockTicks = 100

// ProcStats is what /proc says about a process at one moment.
type ProcStats struct {
	At time.Time
	// CPU is user plus system time of every thread so far.
	CPU time.Duration
	// RSS is the resident set now (VmRSS); PeakRSS the highest so far (VmHWM).
	RSS, PeakRSS int64
	// RSSAnon, RSSFile and RSSShmem split RSS: anonymous memory (the Go
	// heap, stacks), file-backed pages (a memory-mapped store such as
	// file_storage's bbolt file, which the kernel can drop and reread) and
	// shared memory.
	RSSAnon, RSSFile, RSSShmem int64
}

// ReadProcStats reads /proc/<pid>/stat and /proc/<pid>/status.
func ReadProcStats(pid int) (ProcStats, error) {
	s := ProcStats{At: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// The command name (field 2) may hold spaces and parentheses: fields are
	// counted after its closing parenthesis, where field 3 (state) starts.
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return s, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	fields := strings.Fields(string(stat[end+1:]))
	if len(fields) < 13 {
		return s, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(fields[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return s, fmt.Errorf("/proc/%d/stat: utime %q stime %q", pid, fields[11], fields[12])
	}
	s.CPU = time.Duration(utime+stime) * time.Second / clockTicks

	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	byName := map[string]*int64{
		"VmRSS": &s.RSS, "VmHWM": &s.PeakRSS, "RssAnon": &s.RSSAnon, "RssFile": &s.RSSFile, "RssShmem": &s.RSSShmem,
	}
	for line := range strings.Lines(string(status)) {
		name, value, ok := strings.Cut(line, ":")
		if field := byName[name]; ok && field != nil {
			*field = parseKB(value)
		}
	}
	return s, nil
}

// parseKB reads "   123456 kB" as bytes.
func parseKB(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
	return n << 10
}
