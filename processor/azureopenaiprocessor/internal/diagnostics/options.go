package diagnostics // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/diagnostics"

import "net/http"

// Option changes how a Joiner is built; the options exist for tests.
type Option func(*Joiner)

// WithClock runs the join on c instead of the wall clock.
func WithClock(c Clock) Option {
	return func(j *Joiner) { j.clock = c }
}

// WithHTTPClient sends queries through c instead of a client built from the
// HTTP settings (for a test server's client, which trusts its certificate).
func WithHTTPClient(c *http.Client) Option {
	return func(j *Joiner) { j.httpClient = c }
}

// withQuerier replaces the Log Analytics client.
func withQuerier(q logsQuerier) Option {
	return func(j *Joiner) { j.querier = q }
}

// withPollHook is called after every poll of the loop, so tests can wait for
// one instead of sleeping.
func withPollHook(f func()) Option {
	return func(j *Joiner) { j.afterPoll = f }
}
