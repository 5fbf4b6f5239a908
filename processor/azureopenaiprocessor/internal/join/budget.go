package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import "time"

// The Log Analytics query API, the source the processor plugs in, allows a
// caller 200 queries per 30 seconds and 5 at once (the processor README's
// "rate budget"). The join never plans more lookups than that.
const (
	queryBudgetLimit     = 200
	queryBudgetWindow    = 30 * time.Second
	maxConcurrentQueries = 5
)

// queryBudget is a sliding-window count of the queries started recently.
type queryBudget struct {
	limit  int
	window time.Duration
	starts []time.Time // oldest first
}

func newQueryBudget() *queryBudget {
	return &queryBudget{limit: queryBudgetLimit, window: queryBudgetWindow}
}

// available is how many queries may start now.
func (b *queryBudget) available(now time.Time) int {
	cutoff := now.Add(-b.window)
	drop := 0
	for drop < len(b.starts) && !b.starts[drop].After(cutoff) {
		drop++
	}
	b.starts = append(b.starts[:0], b.starts[drop:]...)
	return b.limit - len(b.starts)
}

// spend records a query started now.
func (b *queryBudget) spend(now time.Time) {
	b.starts = append(b.starts, now)
}
