package join

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

// countingSource counts what one collector asks its source and reads.
type countingSource struct {
	source.Source
	mu            sync.Mutex
	queries, rows int
}

func (c *countingSource) Lookup(ctx context.Context, keys []string, w source.Window) (source.Answer, error) {
	a, err := c.Source.Lookup(ctx, keys, w)
	c.count(a.Rows)
	return a, err
}

func (c *countingSource) Scan(ctx context.Context, req source.ScanRequest) (source.ScanAnswer, error) {
	a, err := c.Source.Scan(ctx, req)
	c.count(len(a.Rows))
	return a, err
}

func (c *countingSource) count(rows int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queries++
	c.rows += rows
}

// groupRun is what n collectors sharing one consumer group did.
type groupRun struct {
	mode            LookupMode
	collectors      int
	polls           int
	queries, rows   []int // per collector
	maxPollQueries  int   // the most queries one collector sent in one poll
	joined, spans   int
	unmatchedCalls  int64 // summed over the collectors
	diagnosticCalls int
}

// runConsumerGroup drives n Joiners against one fake workspace: calls arrive
// at a steady rate for simulated, each collector gets every n-th call's span
// (the consumer group splits the partitions) and every call's rows reach the
// workspace 3 to 10 minutes later. It polls until every span left.
func runConsumerGroup(t *testing.T, mode LookupMode, n, calls int, simulated time.Duration) groupRun {
	t.Helper()
	clock := newFakeClock(t0)
	server := fakeloganalytics.New(fakeloganalytics.Options{WorkspaceID: testWorkspace, Token: testToken, Now: clock.Now})
	t.Cleanup(server.Close)
	cfg := testConfig(server.URL())
	cfg.Lookup = mode
	cfg.MaxWait = 15 * time.Minute

	run := groupRun{mode: mode, collectors: n, queries: make([]int, n), rows: make([]int, n), diagnosticCalls: calls}
	polled := make(chan struct{}, 64)
	joiners := make([]*Joiner, n)
	sources := make([]*countingSource, n)
	sinks := make([]*releaseSink, n)
	tels := make([]*componenttest.Telemetry, n)
	for i := range joiners {
		tels[i] = componenttest.NewTelemetry()
		t.Cleanup(func() { require.NoError(t, tels[i].Shutdown(context.Background())) })
		set := tels[i].NewTelemetrySettings()
		tb, err := metadata.NewTelemetryBuilder(set)
		require.NoError(t, err)
		t.Cleanup(tb.Shutdown)
		client, err := loganalytics.NewClient(cfg.sourceConfig, set, loganalytics.WithHTTPClient(server.Client()))
		require.NoError(t, err)
		sources[i] = &countingSource{Source: client}
		sinks[i] = &releaseSink{}
		joiners[i], err = NewJoiner(cfg.Config, sources[i], set, tb, sinks[i].release,
			WithClock(clock), withPollHook(func() { polled <- struct{}{} }))
		require.NoError(t, err)
		require.NoError(t, joiners[i].Start(context.Background(), componenttest.NewNopHost()))
		t.Cleanup(func() { _ = joiners[i].Shutdown(context.Background()) })
	}
	pending := func() int {
		total := 0
		for _, j := range joiners {
			j.mu.Lock()
			total += j.buffer.spans
			j.mu.Unlock()
		}
		return total
	}
	poll := func() {
		before := make([]int, n)
		for i, s := range sources {
			s.mu.Lock()
			before[i] = s.queries
			s.mu.Unlock()
		}
		require.True(t, clock.Advance(time.Second))
		for range joiners {
			select {
			case <-polled:
			case <-time.After(20 * time.Second):
				t.Fatal("a collector did not poll")
			}
		}
		for i, s := range sources {
			s.mu.Lock()
			run.maxPollQueries = max(run.maxPollQueries, s.queries-before[i])
			s.mu.Unlock()
		}
		run.polls++
	}

	admitted := 0
	for second := time.Duration(0); second < simulated || pending() > 0; second += time.Second {
		now := t0.Add(second)
		want := min(calls, int(int64(calls)*int64(second+time.Second)/int64(simulated)))
		for ; admitted < want; admitted++ {
			k := key(admitted)
			delay := 3*time.Minute + time.Duration(admitted*7919%420)*time.Second
			server.AddRows(fakeloganalytics.CallRows(k, now, now.Add(delay))...)
			admitPassing(t, joiners[admitted%n], context.Background(), spansFor(now, k))
		}
		if (second+time.Second)%cfg.PollInterval == 0 {
			poll()
		} else {
			clock.Advance(time.Second)
		}
	}
	// The rows of other collectors' calls wait early_rows_grace in each
	// collector's early-rows table before they are counted.
	for end := clock.Now().Add(cfg.EarlyRowsGrace + cfg.PollInterval); clock.Now().Before(end); {
		clock.Advance(cfg.PollInterval - time.Second)
		poll()
	}
	for i := range joiners {
		run.queries[i], run.rows[i] = sources[i].queries, sources[i].rows
		spans := sinks[i].spans(t)
		run.spans += len(spans)
		for _, s := range spans {
			if statusOf(t, s) == "joined" {
				run.joined++
			}
		}
		run.unmatchedCalls += unmatchedTotal(t, tels[i])
	}
	return run
}

// unmatchedTotal sums the unmatched-calls counter of one collector.
func unmatchedTotal(t *testing.T, tel *componenttest.Telemetry) int64 {
	t.Helper()
	m, err := tel.GetMetric("otelcol_processor_azure_openai_diagnostics_unmatched_calls")
	if err != nil {
		return 0
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok)
	var total int64
	for _, p := range sum.DataPoints {
		total += p.Value
	}
	return total
}

func (r groupRun) String() string {
	totalQ, totalR := 0, 0
	for i := range r.queries {
		totalQ += r.queries[i]
		totalR += r.rows[i]
	}
	perPoll := func(v int) float64 { return float64(v) / float64(r.polls) }
	var b strings.Builder
	fmt.Fprintf(&b, "lookup=%s N=%d polls=%d: queries/poll total %.2f, per collector %.2f (max %d in one poll); rows/poll total %.1f, per collector %.1f; rows read per diagnostic row %.2f; joined %d/%d; unmatched calls counted %d",
		r.mode, r.collectors, r.polls, perPoll(totalQ), perPoll(totalQ)/float64(r.collectors), r.maxPollQueries,
		perPoll(totalR), perPoll(totalR)/float64(r.collectors), float64(totalR)/float64(3*r.diagnosticCalls), r.joined, r.spans, r.unmatchedCalls)
	return b.String()
}

// TestCollectorsSharingAConsumerGroup measures queries and rows per poll for
// one and four collectors that share a Kafka consumer group (each holds a
// quarter of the spans), with both lookups: the README's figures.
func TestCollectorsSharingAConsumerGroup(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 25 minutes for ten collectors")
	}
	const calls = 2400
	const simulated = 10 * time.Minute
	runs := map[string]groupRun{}
	for _, mode := range []LookupMode{LookupCursor, LookupKeys} {
		for _, n := range []int{1, 4} {
			r := runConsumerGroup(t, mode, n, calls, simulated)
			t.Log(r.String())
			runs[fmt.Sprint(mode, n)] = r
			assert.Equal(t, calls, r.spans, "spans out == spans in")
			assert.Equal(t, calls, r.joined, "every call joined")
		}
	}
	one, four := runs["cursor1"], runs["cursor4"]
	for i := range four.rows {
		assert.GreaterOrEqual(t, four.rows[i], 3*calls, "every collector reads every row")
		assert.InDelta(t, one.rows[0], four.rows[i], float64(one.rows[0])/10, "as many as one collector alone")
	}
	assert.Equal(t, 1, four.maxPollQueries, "one query a poll per collector")
	assert.Zero(t, one.unmatchedCalls)
	assert.Equal(t, int64(3*calls), four.unmatchedCalls, "each collector counts the other collectors' calls")
	keysOne, keysFour := runs["keys1"], runs["keys4"]
	total := func(v []int) int {
		s := 0
		for _, x := range v {
			s += x
		}
		return s
	}
	assert.InDelta(t, total(keysOne.rows), total(keysFour.rows), float64(total(keysOne.rows))/10, "with keys, the collectors share the rows")
}
