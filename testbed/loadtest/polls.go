package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

// pollStats is how many queries the join sent per poll, as the fake
// workspace counted them.
type pollStats struct {
	Polls   int     `json:"polls"`
	Queries int     `json:"queries"`
	Mean    float64 `json:"mean"`
	Max     int     `json:"max"`
}

// queriesPerPoll groups the queries that arrived between from and to into
// polls: a query that comes less than half a poll interval after the one
// before belongs to the same poll (a poll sends its queries at once; polls
// are a whole interval apart).
func queriesPerPoll(queries []fakeloganalytics.Query, from, to time.Time, poll time.Duration) pollStats {
	var st pollStats
	var last time.Time
	size := 0
	for _, q := range queries {
		if q.At.Before(from) || q.At.After(to) {
			continue
		}
		if st.Queries == 0 || q.At.Sub(last) >= poll/2 {
			st.Polls++
			size = 0
		}
		size++
		st.Queries++
		st.Max = max(st.Max, size)
		last = q.At
	}
	if st.Polls > 0 {
		st.Mean = float64(st.Queries) / float64(st.Polls)
	}
	return st
}
