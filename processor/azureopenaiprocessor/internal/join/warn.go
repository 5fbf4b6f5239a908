package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-aoai/otelcol-aoai/internal/logthrottle"
)

// warnInterval is the least time between two warnings of one kind: the
// metrics count every event, the log only says that something is wrong.
const warnInterval = time.Minute

// rateLimitedWarner logs at most one warning per kind per warnInterval, with
// the number of events it did not log since the last one.
type rateLimitedWarner struct {
	logger   *zap.Logger
	throttle *logthrottle.Throttle
}

func newRateLimitedWarner(logger *zap.Logger, clock Clock) *rateLimitedWarner {
	return &rateLimitedWarner{logger: logger, throttle: logthrottle.New(warnInterval, clock.Now)}
}

// warn logs msg unless a warning of this kind was logged within warnInterval;
// events counts what the call reports (spans, queries).
func (w *rateLimitedWarner) warn(kind, msg string, events int, fields ...zap.Field) {
	suppressed, ok := w.throttle.Allow(kind, events)
	if !ok {
		return
	}
	w.logger.Warn(msg, append(fields, zap.Int("count", events), zap.Int("not_logged_since_last_warning", suppressed))...)
}
