package aigatewayencodingextension // import "github.com/otelcol-aoai/otelcol-aoai/extension/aigatewayencodingextension"

import (
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-aoai/otelcol-aoai/internal/logthrottle"
)

// warningInterval is the least time between two warnings: a topic full of
// bad records must not flood the log, the counters carry the volume.
const warningInterval = 10 * time.Second

// rateLimitedWarnings writes at most one warning per interval and says how
// many were held back since the last one.
type rateLimitedWarnings struct {
	logger   *zap.Logger
	throttle *logthrottle.Throttle
}

// newRateLimitedWarnings returns a limiter; now is the clock (nil: the
// wall clock), injectable so that tests need not sleep.
func newRateLimitedWarnings(logger *zap.Logger, now func() time.Time) *rateLimitedWarnings {
	return &rateLimitedWarnings{logger: logger, throttle: logthrottle.New(warningInterval, now)}
}

// warn logs msg with the record counts of one message and its first record
// error, unless a warning went out less than an interval ago. The fields are
// built only when the line is written.
func (w *rateLimitedWarnings) warn(msg string, kept, leftOut int, firstError error) {
	suppressed, ok := w.throttle.Allow("", 1)
	if !ok {
		return
	}
	w.logger.Warn(msg,
		zap.Int("records_kept", kept),
		zap.Int("records_left_out", leftOut),
		zap.String("first_error", firstError.Error()),
		zap.Int("similar_warnings_suppressed", suppressed))
}
