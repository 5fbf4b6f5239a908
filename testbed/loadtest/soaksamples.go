package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/testbed/collector"
)

// Sample is one look at the collector during a long run.
type Sample struct {
	At float64 `json:"t_s"`
	// RSSMiB is VmRSS; AnonMiB, FileMiB and ShmemMiB its parts: the Go heap
	// is anonymous, a memory-mapped store's pages are file-backed (the
	// kernel drops and rereads them under pressure).
	RSSMiB       float64 `json:"rss_mib"`
	AnonMiB      float64 `json:"rss_anon_mib"`
	FileMiB      float64 `json:"rss_file_mib"`
	ShmemMiB     float64 `json:"rss_shmem_mib"`
	CPUSeconds   float64 `json:"cpu_s"`
	PendingSpans float64 `json:"pending_spans"`
	PendingMiB   float64 `json:"pending_mib"`
	// DiskMiB is what the join's storage folder takes on disk (allocated
	// blocks), 0 without storage.
	DiskMiB  float64 `json:"disk_mib"`
	Accepted int64   `json:"accepted"`
	Exported int64   `json:"exported"`
}

// soakSampler looks at the collector every 5 s, logging a line a minute.
type soakSampler struct {
	r     *rig
	start time.Time
	cpu0  time.Duration
	stop  func()

	mu      sync.Mutex
	samples []Sample
	lastLog float64
}

func newSoakSampler(r *rig, start time.Time, cpu0 collector.ProcStats) *soakSampler {
	s := &soakSampler{r: r, start: start, cpu0: cpu0.CPU}
	s.stop = every(5*time.Second, func() bool {
		s.take()
		return true
	})
	return s
}

// take samples the collector now, keeps the sample and returns it.
func (s *soakSampler) take() Sample {
	st, _ := s.r.col.Stats()
	metrics := scrapeMetrics(s.r.params.MetricsPort)
	sample := Sample{
		At: time.Since(s.start).Seconds(), RSSMiB: MiB(st.RSS), AnonMiB: MiB(st.RSSAnon), FileMiB: MiB(st.RSSFile), ShmemMiB: MiB(st.RSSShmem),
		CPUSeconds:   (st.CPU - s.cpu0).Seconds(),
		PendingSpans: metrics["otelcol_processor_azure_openai_diagnostics_pending_spans"],
		PendingMiB:   metrics["otelcol_processor_azure_openai_diagnostics_pending_bytes"] / (1 << 20),
		Accepted:     int64(len(s.r.ledger.Acked())), Exported: s.r.sink.Spans(),
	}
	if j := s.r.params.Join; j != nil && j.StorageDir != "" {
		sample.DiskMiB = MiB(diskUsage(j.StorageDir))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples = append(s.samples, sample)
	if sample.At-s.lastLog >= 60 {
		s.lastLog = sample.At
		s.r.logf("%4.0fs RssAnon %.0f MiB, RssFile %.0f MiB, pending %.0f spans (%.0f MiB by its estimate), disk %.0f MiB, accepted %d, exported %d, load %s",
			sample.At, sample.AnonMiB, sample.FileMiB, sample.PendingSpans, sample.PendingMiB, sample.DiskMiB, sample.Accepted, sample.Exported, LoadAverage())
	}
	return sample
}

// cpuNow is the collector's CPU time so far.
func (s *soakSampler) cpuNow() time.Duration {
	st, _ := s.r.col.Stats()
	return st.CPU
}

// all returns the samples taken so far.
func (s *soakSampler) all() []Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sample(nil), s.samples...)
}

// samplesBetween is the samples taken in (from, to], seconds since the
// sampler's start.
func samplesBetween(samples []Sample, from, to float64) []Sample {
	var out []Sample
	for _, s := range samples {
		if s.At > from && s.At <= to {
			out = append(out, s)
		}
	}
	return out
}

// diskUsage is the blocks the files under dir take on disk, in bytes: what
// a store costs the disk, not the length a sparse file claims.
func diskUsage(dir string) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			total += st.Blocks * 512
		} else {
			total += info.Size()
		}
		return nil
	})
	return total
}

func writeSamples(path string, samples []Sample) error {
	var b strings.Builder
	b.WriteString("t_s,rss_mib,rss_anon_mib,rss_file_mib,rss_shmem_mib,cpu_s,pending_spans,pending_mib,disk_mib,accepted,exported\n")
	for _, s := range samples {
		fmt.Fprintf(&b, "%.0f,%.1f,%.1f,%.1f,%.1f,%.2f,%.0f,%.1f,%.1f,%d,%d\n",
			s.At, s.RSSMiB, s.AnonMiB, s.FileMiB, s.ShmemMiB, s.CPUSeconds, s.PendingSpans, s.PendingMiB, s.DiskMiB, s.Accepted, s.Exported)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
