package diagnostics // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/diagnostics"

import (
	"sync"
	"time"

	"go.uber.org/zap"
)

// warnInterval is the least time between two warnings of one kind: the
// metrics count every event, the log only says that something is wrong.
const warnInterval = time.Minute

// rateLimitedWarner logs at most one warning per kind per warnInterval, with
// the number of events it did not log since the last one.
type rateLimitedWarner struct {
	logger *zap.Logger
	clock  Clock

	mu         sync.Mutex
	last       map[string]time.Time
	suppressed map[string]int
}

func newRateLimitedWarner(logger *zap.Logger, clock Clock) *rateLimitedWarner {
	return &rateLimitedWarner{logger: logger, clock: clock, last: map[string]time.Time{}, suppressed: map[string]int{}}
}

// warn logs msg unless a warning of this kind was logged within warnInterval;
// events counts what the call reports (spans, queries).
func (w *rateLimitedWarner) warn(kind, msg string, events int, fields ...zap.Field) {
	now := w.clock.Now()
	w.mu.Lock()
	last, seen := w.last[kind]
	if seen && now.Sub(last) < warnInterval {
		w.suppressed[kind] += events
		w.mu.Unlock()
		return
	}
	suppressed := w.suppressed[kind]
	w.last[kind] = now
	w.suppressed[kind] = 0
	w.mu.Unlock()
	w.logger.Warn(msg, append(fields, zap.Int("count", events), zap.Int("not_logged_since_last_warning", suppressed))...)
}
