package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

// Option changes how a Joiner is built; the options exist for tests.
type Option func(*Joiner)

// WithClock runs the join on c instead of the wall clock.
func WithClock(c Clock) Option {
	return func(j *Joiner) { j.clock = c }
}

// withPollHook is called after every poll of the loop, so tests can wait for
// one instead of sleeping.
func withPollHook(f func()) Option {
	return func(j *Joiner) { j.afterPoll = f }
}
