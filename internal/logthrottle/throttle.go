// Package logthrottle keeps a warning that repeats from flooding the log. A
// component's metrics count every event; its log only has to say that
// something is wrong, and how much went unsaid since it last did.
package logthrottle // import "github.com/otelcol-aoai/otelcol-aoai/internal/logthrottle"

import (
	"sync"
	"time"
)

// Throttle lets one line of each kind through per interval and counts what
// it held back. It is safe for concurrent use.
type Throttle struct {
	interval time.Duration
	now      func() time.Time

	mu   sync.Mutex
	last map[string]time.Time
	held map[string]int
}

// New returns a throttle; now is the clock (nil: the wall clock), injectable
// so that tests need not sleep.
func New(interval time.Duration, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{interval: interval, now: now, last: map[string]time.Time{}, held: map[string]int{}}
}

// Allow reports whether a line of this kind may be written now. If it may,
// heldBack is what was held back for the kind since its last line, and the
// count starts again; if not, n (the events this line would have reported:
// one warning, or the spans or queries it is about) is added to it.
func (t *Throttle) Allow(kind string, n int) (heldBack int, ok bool) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, seen := t.last[kind]; seen && now.Sub(last) < t.interval {
		t.held[kind] += n
		return 0, false
	}
	heldBack = t.held[kind]
	t.last[kind] = now
	t.held[kind] = 0
	return heldBack, true
}
