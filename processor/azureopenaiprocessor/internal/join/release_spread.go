package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"context"
	"time"
)

// A poll that releases thousands of stored spans would hand them downstream
// in one burst, and the batch processor and the exporter's queue would hold
// them all at once (at 500 records/s, some 15 000 enriched spans every poll,
// over 100 MB of pdata) while the exporter drains them. The poll loop
// spreads the steps of its delivery instead over half a poll interval, so
// that downstream sends one step before the next comes. Shutdown's delivery
// is not spread.

// stepSpread spreads the steps of one delivery over a time.
type stepSpread struct {
	over time.Duration
	// stop ends the spreading early: the loop stopped (shutdown began).
	stop <-chan struct{}
}

// newStepSpread spreads over the given time until stop closes; nil when over
// is not positive.
func newStepSpread(over time.Duration, stop <-chan struct{}) *stepSpread {
	if over <= 0 {
		return nil
	}
	return &stepSpread{over: over, stop: stop}
}

// wait waits the gap before the next of steps steps and reports whether the
// delivery goes on; false when ctx ended or the spreading was stopped, the
// rest of the steps then wait for a later delivery. On a nil spread it does
// not wait.
func (s *stepSpread) wait(ctx context.Context, steps int) bool {
	if s == nil {
		return true
	}
	gap := time.NewTimer(s.over / time.Duration(steps))
	defer gap.Stop()
	select {
	case <-gap.C:
		return true
	case <-ctx.Done():
	case <-s.stop:
	}
	return false
}
