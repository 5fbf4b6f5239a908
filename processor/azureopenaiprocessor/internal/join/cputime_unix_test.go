//go:build unix

package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"syscall"
	"time"
)

// processCPUTime is the user and system time this process has used, so a
// benchmark can report CPU cost beside wall time (the fake server runs in the
// same process and counts too).
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
