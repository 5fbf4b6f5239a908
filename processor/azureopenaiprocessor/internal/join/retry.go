package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import "time"

// maxBackoff caps the exponential back-off, so a long outage still gets a
// lookup every few minutes and spans can join once it ends.
const maxBackoff = 5 * time.Minute

// retryState spaces queries out after failures: a failed poll is retried at
// the next poll, then after 2, 4, 8 ... poll intervals (at most maxBackoff),
// and never before the time a 429's Retry-After named. Failures are usually the
// workspace's or the credential's, not one batch's, so the state is shared.
type retryState struct {
	pollInterval time.Duration
	maxDelay     time.Duration

	failures     int
	backoffUntil time.Time
	// retryAfterUntil is what the API asked for; it is honoured to the second,
	// while backoffUntil tolerates a tick that comes a little early.
	retryAfterUntil time.Time
}

func newRetryState(pollInterval, maxWait time.Duration) *retryState {
	return &retryState{
		pollInterval: pollInterval,
		maxDelay:     min(maxBackoff, max(pollInterval, maxWait/3)),
	}
}

// ready reports whether queries may be sent at now; honourBackoff false is the
// last query at shutdown, which still honours Retry-After.
func (r *retryState) ready(now time.Time, honourBackoff bool) bool {
	if now.Before(r.retryAfterUntil) {
		return false
	}
	return !honourBackoff || !now.Before(r.backoffUntil.Add(-r.pollInterval/2))
}

func (r *retryState) succeeded() {
	r.failures = 0
	r.backoffUntil = time.Time{}
}

// failed records a failed poll at now; retryAfter is the longest Retry-After
// the API answered (0 if none).
func (r *retryState) failed(now time.Time, retryAfter time.Duration) {
	r.failures++
	delay := r.maxDelay
	if shift := r.failures - 1; shift < 20 {
		delay = min(r.pollInterval<<shift, r.maxDelay)
	}
	r.backoffUntil = now.Add(delay)
	if retryAfter > 0 {
		if until := now.Add(retryAfter); until.After(r.retryAfterUntil) {
			r.retryAfterUntil = until
		}
	}
}
