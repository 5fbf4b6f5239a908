package join

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadatatest"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

// holdSynthetic puts n spans that will never find a row into h's buffer
// directly, keys from first on: admitting 300 000 lifted spans would cost
// gigabytes, and what is measured is the lookups, not the intake. The spans
// share one empty span and the origin of a span admitted first.
func holdSynthetic(h *harness, first, n int) {
	h.t.Helper()
	h.admit(context.Background(), spansFor(t0, key(first)))
	h.joiner.mu.Lock()
	defer h.joiner.mu.Unlock()
	origin := h.joiner.buffer.peek(key(first)).origin()
	shared := ptrace.NewSpan()
	enteredAt := h.clock.Now().UnixNano()
	for i := 1; i < n; i++ {
		id, _ := parseJoinID(key(first + i))
		ps := newHeldSpan(shared, origin)
		ps.key, ps.enteredAt, ps.bytes = id, enteredAt, pendingEntryBytes
		h.joiner.buffer.add(ps, 0)
	}
}

// dropHeld empties h's buffer without releasing, so that shutdown does not
// build batches of the synthetic spans.
func dropHeld(h *harness) {
	h.joiner.mu.Lock()
	defer h.joiner.mu.Unlock()
	for _, ps := range h.joiner.buffer.takeAll() {
		h.joiner.buffer.leave(-1, -int64(ps.bytes))
	}
}

func TestQueriesPerPollDoNotGrowWithPendingSpans(t *testing.T) {
	h := newHarness(t, withConfig(func(c *harnessConfig) {
		c.MaxWait = 15 * time.Minute
		c.MaxPending = 400_000
		c.MaxPendingBytes = 1 << 30
	}))
	const pending = 300_000
	const withRows = 100
	keys := make([]string, withRows)
	for i := range keys {
		keys[i] = key(i)
		h.server.AddRows(fakeloganalytics.CallRows(keys[i], t0, t0.Add(10*time.Second))...)
	}
	h.admit(context.Background(), spansFor(t0, keys...))
	holdSynthetic(h, 1_000_000, pending-withRows)
	require.Equal(t, pending, h.pendingKeys())

	began := time.Now()
	h.poll()
	took := time.Since(began)
	queries := h.server.Queries()
	assert.LessOrEqual(t, len(queries), 2, "queries in one poll at %d pending keys (one per %d keys would be %d)",
		pending, h.cfg.MaxKeysPerQuery, pending/h.cfg.MaxKeysPerQuery)
	for _, q := range queries {
		assert.Zero(t, len(q.Keys), "no key list")
		assert.Empty(t, q.ParseError)
	}
	assert.Len(t, h.sink.spans(t), withRows, "the calls with rows joined")
	assert.Equal(t, pending-withRows, h.pendingKeys())
	t.Logf("poll at %d pending keys: %d queries, %d rows, %v", pending, len(queries), queries[0].Rows, took)

	h.poll()
	assert.LessOrEqual(t, len(h.server.Queries())-len(queries), 2, "and the next poll the same")
	dropHeld(h)
}

func TestCappedAnswerPagesOnAndReadsTheOverlapOnce(t *testing.T) {
	h := newHarness(t, withConfig(func(c *harnessConfig) {
		c.MaxRowsPerQuery = 4
		c.EarlyRowsGrace = 2 * time.Minute
	}))
	// Five calls, three rows each, ingested one second apart: 15 rows, four
	// a page, and rows of one call (one ingestion time) across pages.
	keys := make([]string, 5)
	for i := range keys {
		keys[i] = key(300 + i)
		h.server.AddRows(fakeloganalytics.CallRows(keys[i], t0, t0.Add(time.Duration(i+1)*time.Second))...)
	}
	h.admit(context.Background(), spansFor(t0, keys...))
	h.poll()

	spans := h.sink.spans(t)
	require.Len(t, spans, len(keys))
	for _, k := range keys {
		assert.Equal(t, requestResponseFacts["azure.openai.diagnostics.model_version"], spans[k].Attributes().AsRaw()[attrModelVersion], k)
		assert.Equal(t, int64(87), spans[k].Attributes().AsRaw()[spanUsage.output], "%s: the usage row, across a page boundary", k)
	}
	pages := h.server.Queries()
	require.Greater(t, len(pages), 2, "a capped answer pages on in the same poll")
	for i := 1; i < len(pages); i++ {
		prev := pages[i-1]
		require.Equal(t, 4, prev.Rows, "only a full page pages on")
		assert.Equal(t, pages[0].IngestedTo, pages[i].IngestedTo, "one poll, one upper bound")
		assert.True(t, pages[i].IngestedFrom.After(prev.IngestedFrom), "page %d moves on", i)
		assert.True(t, pages[i].IngestedFrom.Before(t0.Add(6*time.Second)))
	}
	assert.Less(t, pages[len(pages)-1].Rows, 4, "the last page is not full")

	// The next polls read the overlap again: the rows come back, and are
	// neither kept nor counted as calls that bypassed the gateway.
	before := len(pages)
	h.pollUntil(3 * time.Minute)
	again := h.server.Queries()[before]
	assert.True(t, again.IngestedFrom.Before(t0.Add(time.Second)), "the overlap reaches back over the rows")
	assert.Positive(t, again.Rows)
	h.joiner.mu.Lock()
	assert.Empty(t, h.joiner.cursor.early.calls, "rows read twice are not kept as early rows")
	h.joiner.mu.Unlock()
	assertNoMetric(t, h, "otelcol_processor_azure_openai_diagnostics_unmatched_calls")
}

func assertNoMetric(t *testing.T, h *harness, name string) {
	t.Helper()
	_, err := h.tel.GetMetric(name)
	assert.Error(t, err, "%s was recorded", name)
}

func TestOverlapRowsAreReadOnce(t *testing.T) {
	c := newIngestionCursor(&Config{EarlyRowsMaxCalls: 10, EarlyRowsGrace: time.Minute})
	at := t0.Add(time.Second)
	rr := &source.Record{HasRequestResponse: true, Operation: "ChatCompletions_Create"}
	usage := &source.Record{HasRequestUsage: true}
	firstCalls := newFreshCalls()
	c.fresh(firstCalls, []source.Row{{Key: key(1), IngestedAt: at, ID: 1, Record: rr}})
	c.fresh(firstCalls, []source.Row{{Key: key(1), IngestedAt: at, ID: 2, Record: usage}})
	first := firstCalls.order
	require.Len(t, first, 1, "the rows of one call merge across pages")
	assert.Equal(t, 2, first[0].rows)
	assert.True(t, first[0].rec.HasRequestResponse && first[0].rec.HasRequestUsage)

	againCalls := newFreshCalls()
	c.fresh(againCalls, []source.Row{
		{Key: key(1), IngestedAt: at, ID: 1}, // read before: the source left it undecoded
		{Key: key(2), IngestedAt: at.Add(time.Second), ID: 3, Record: rr},
	})
	again := againCalls.order
	require.Len(t, again, 1, "the row read before is dropped")
	assert.Equal(t, key(2), again[0].key)

	c.forget(at.Add(time.Nanosecond))
	assert.Len(t, c.seen, 1, "ids older than the next read are forgotten")
}

func TestRowBeforeItsSpanJoinsWhenTheSpanComes(t *testing.T) {
	h := newHarness(t)
	k := key(400)
	// The rows are ingested 5 s after the call; the span comes 3 minutes
	// later (a lagging consumer), after the overlap has passed over them.
	h.server.AddRows(fakeloganalytics.CallRows(k, t0, t0.Add(5*time.Second))...)
	h.pollUntil(3 * time.Minute)
	h.admit(context.Background(), spansFor(t0, k))
	before := len(h.server.Queries())
	h.poll()
	q := h.server.Queries()[before]
	require.True(t, q.IngestedFrom.After(t0.Add(5*time.Second)), "this poll does not read the rows again")

	spans := h.sink.spans(t)
	require.Len(t, spans, 1)
	assert.Equal(t, with(requestResponseFacts, map[string]any{
		"gen_ai.usage.input_tokens":            int64(1200),
		"gen_ai.usage.output_tokens":           int64(87),
		"gen_ai.usage.cache_read.input_tokens": int64(1024),
		"azure.openai.usage.source":            "diagnostics",
	}), joinedFacts(spans[k]), "joined from the early rows")
	h.joiner.mu.Lock()
	assert.Empty(t, h.joiner.cursor.early.calls)
	h.joiner.mu.Unlock()
}

// bypassRows are the rows of a call that did not pass the gateway, made by
// deployment for caller.
func bypassRows(requestID, deployment, caller string, available time.Time) []fakeloganalytics.Row {
	rows := fakeloganalytics.CallRows(requestID, t0, available)
	rows[0].Properties = strings.NewReplacer(`"gpt-4o","modelName"`, `"`+deployment+`","modelName"`,
		"0c3f9a1e-7a44-4b51-a1a0-5c2b1f0e9d88", caller).Replace(rows[0].Properties)
	return rows
}

func unmatchedPoint(deployment, caller string, v int64) metricdata.DataPoint[int64] {
	return metricdata.DataPoint[int64]{Attributes: attribute.NewSet(
		attribute.String("deployment", deployment), attribute.String("caller_object_id", caller)), Value: v}
}

func TestRowsThatNeverMeetASpanAreCountedByDeploymentAndCaller(t *testing.T) {
	h := newHarness(t, withConfig(func(c *harnessConfig) { c.EarlyRowsGrace = 2 * time.Minute }))
	const alice, bob = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
	h.server.AddRows(bypassRows(key(500), "gpt-4o-batch", alice, t0.Add(5*time.Second))...)
	h.server.AddRows(bypassRows(key(501), "gpt-4o-batch", alice, t0.Add(6*time.Second))...)
	h.server.AddRows(bypassRows(key(502), "embeddings", bob, t0.Add(7*time.Second))...)
	// A gateway call whose span needs no usage row: it joins on the
	// RequestResponse rows, and its usage row, a minute later, is a late row
	// of a call that left, not a call that bypassed the gateway.
	joined := key(503)
	h.server.AddRows(fakeloganalytics.CallRowsArriving(joined, t0, t0.Add(5*time.Second), t0.Add(65*time.Second))...)
	h.admit(context.Background(), withUsage(spansFor(t0, joined), 1100, 80, "response"))

	h.pollUntil(2 * time.Minute)
	assert.Equal(t, "joined", statusOf(t, h.sink.spans(t)[joined]))
	assertNoMetric(t, h, "otelcol_processor_azure_openai_diagnostics_unmatched_calls")
	h.pollUntil(time.Minute)
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsUnmatchedCalls(t, h.tel, []metricdata.DataPoint[int64]{
		unmatchedPoint("gpt-4o-batch", alice, 2), unmatchedPoint("embeddings", bob, 1),
	}, metricdatatest.IgnoreTimestamp())
	assertNoMetric(t, h, "otelcol_processor_azure_openai_diagnostics_early_rows_dropped")
}

func TestFullEarlyRowsTableCountsWhatItCannotKeep(t *testing.T) {
	h := newHarness(t, withConfig(func(c *harnessConfig) { c.EarlyRowsMaxCalls = 1 }))
	h.server.AddRows(fakeloganalytics.CallRows(key(600), t0, t0.Add(5*time.Second))...)
	h.server.AddRows(fakeloganalytics.CallRows(key(601), t0, t0.Add(6*time.Second))...)
	h.poll()
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsEarlyRowsDropped(t, h.tel,
		[]metricdata.DataPoint[int64]{{Value: 3}}, metricdatatest.IgnoreTimestamp())
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("early-rows table full").Len())
	h.admit(context.Background(), spansFor(t0, key(600)))
	h.poll()
	assert.Equal(t, "joined", statusOf(t, h.sink.spans(t)[key(600)]), "the call the table kept joins")
}

func TestUnmatchedLabelsAreBounded(t *testing.T) {
	u := newUnmatchedLabels()
	for i := range maxUnmatchedLabelSets {
		assert.NotSame(t, u.other, u.of(&source.Record{Deployment: "d", CallerObjectID: key(i)}))
	}
	assert.Equal(t, u.other, u.of(&source.Record{Deployment: "d", CallerObjectID: key(maxUnmatchedLabelSets)}), "past the bound")
	assert.NotEqual(t, u.other, u.of(&source.Record{Deployment: "d", CallerObjectID: key(0)}), "a pair seen before keeps its own")
	assert.Equal(t, unknownLabel, labelValue(""))
	assert.Equal(t, otherLabel, labelValue(strings.Repeat("x", maxLabelLength+1)))
}

// BenchmarkCursorJoin measures the client-side join of the cursor: a poll's
// rows (three per call: the RequestResponse row, its twin, the usage row)
// de-duplicated, merged per call and matched against 1 000 pending spans, the
// spans enriched and grouped for release. Reported per row read.
func BenchmarkCursorJoin(b *testing.B) {
	const calls = 1000
	cfg := testConfig("https://api.loganalytics.io")
	// A source that is never asked: the rows are handed to the join directly.
	src, err := loganalytics.NewClient(cfg.sourceConfig, componenttest.NewNopTelemetrySettings())
	require.NoError(b, err)
	j := newBenchJoiner(b, cfg, src)
	rows := make([]source.Row, 0, 3*calls)
	for i := range calls {
		at := t0.Add(time.Duration(i) * time.Millisecond)
		rr := &source.Record{HasRequestResponse: true, HasDuration: true, DurationMs: 1021, Operation: "ChatCompletions_Create",
			ModelName: "gpt-4o", ModelVersion: "2024-08-06", Deployment: "gpt-4o"}
		rows = append(rows,
			source.Row{Key: key(i), IngestedAt: at, ID: uint64(3 * i), Record: rr},
			source.Row{Key: key(i), IngestedAt: at, ID: uint64(3*i + 1), Record: &source.Record{HasRequestResponse: true, HasDuration: true}},
			source.Row{Key: key(i), IngestedAt: at, ID: uint64(3*i + 2), Record: &source.Record{HasRequestUsage: true,
				Usage: source.TokenUsage{Input: 1200, Output: 87, HasInput: true, HasOutput: true}}})
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i := range calls {
			admitPassing(b, j, context.Background(), spansFor(t0, key(i)))
		}
		j.cursor.seen = map[uint64]int64{}
		batch := make([]source.Row, len(rows))
		for i := range rows {
			batch[i] = rows[i]
			rec := *rows[i].Record
			batch[i].Record = &rec
		}
		res := &scanResult{calls: newFreshCalls(), readTo: t0}
		b.StartTimer()
		j.foldPage(res, batch)
		out := j.settleWith(false, func(now time.Time, out *releaseSet) pollVerdict { return j.applyScan(res, now, out) })
		b.StopTimer()
		require.Equal(b, calls, out.spans)
		j.mu.Lock()
		j.buffer.left(out.spans, out.bytes)
		j.mu.Unlock()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(rows)), "ns/row")
}

func TestPagingStopsAtTheRateBudgetAndGoesOnNextPoll(t *testing.T) {
	h := newHarness(t, withConfig(func(c *harnessConfig) { c.MaxRowsPerQuery = 2 }))
	h.joiner.mu.Lock()
	h.joiner.budget.limit = 2 // two queries per 30 s
	h.joiner.mu.Unlock()
	keys := make([]string, 5)
	for i := range keys {
		keys[i] = key(700 + i)
		h.server.AddRows(fakeloganalytics.RequestResponseRow(keys[i], t0, t0.Add(time.Duration(i+1)*time.Second)))
	}
	// Spans with token counts leave with the RequestResponse row alone.
	h.admit(context.Background(), withUsage(spansFor(t0, keys...), 1100, 80, "response"))
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	fromOf := func(queries []fakeloganalytics.Query) []time.Time {
		out := make([]time.Time, len(queries))
		for i, q := range queries {
			out[i] = q.IngestedFrom
		}
		return out
	}

	h.poll() // rows 1-2, then 2-3; the budget is spent
	assert.Equal(t, []time.Time{at(30).Add(-h.cfg.MaxWait - h.cfg.PollInterval - h.cfg.IngestionOverlap), at(2)}, fromOf(h.server.Queries()))
	assert.Len(t, h.sink.spans(t), 3)

	h.server.FailNext(fakeloganalytics.InternalError())
	h.poll() // goes on from row 3 exactly, and fails
	require.Len(t, h.server.Queries(), 3)
	assert.Equal(t, at(3), h.server.Queries()[2].IngestedFrom, "not the overlap: the pages must catch up")
	assert.Len(t, h.sink.spans(t), 3)

	h.poll() // the retry: rows 3-4, 4-5; the budget is spent again
	h.poll() // row 5: the range is read to its end
	h.poll() // a new range, with the overlap
	queries := h.server.Queries()
	assert.Equal(t, []time.Time{at(3), at(4), at(5), at(120).Add(-h.cfg.IngestionOverlap)}, fromOf(queries[3:]))
	spans := h.sink.spans(t)
	require.Len(t, spans, len(keys))
	for _, k := range keys {
		assert.Equal(t, "joined", statusOf(t, spans[k]), k)
	}
}
