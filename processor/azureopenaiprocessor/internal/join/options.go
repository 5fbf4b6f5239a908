package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Option changes how a Joiner is built: a clock and a poll hook for tests, a
// hook for spans whose usage the join replaced, the id of the processor.
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

// WithUsageChanged calls f on every span whose gen_ai.usage.* counts the
// join replaced, after they were written: the processor prices it again.
func WithUsageChanged(f func(ptrace.Span)) Option {
	return func(j *Joiner) { j.usageChanged = f }
}

// WithComponentID is the id of the processor the join belongs to: with
// storage, its storage client is this component's.
func WithComponentID(id component.ID) Option {
	return func(j *Joiner) { j.owner = id }
}
