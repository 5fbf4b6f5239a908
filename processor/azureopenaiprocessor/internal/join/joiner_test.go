package join

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-aoai/otelcol-aoai/internal/conventions"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadatatest"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

func statusPoint(status Status, v int64) metricdata.DataPoint[int64] {
	return metricdata.DataPoint[int64]{Attributes: attribute.NewSet(attribute.String("status", string(status))), Value: v}
}

func outcomePoint(o queryOutcome, v int64) metricdata.DataPoint[int64] {
	return metricdata.DataPoint[int64]{Attributes: attribute.NewSet(attribute.String("query_outcome", string(o))), Value: v}
}

func TestJoinedSpanCarriesTheRowsFields(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode))
		k := key(1)
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)

		rest := h.admit(context.Background(), spansFor(t0, k))
		assert.Equal(t, 0, rest.SpanCount(), "a keyed span waits")
		assert.Equal(t, 0, rest.ResourceSpans().Len(), "the emptied resource is removed")
		assert.Equal(t, 0, h.sink.batchCount())

		h.poll()
		spans := h.sink.spans(t)
		require.Len(t, spans, 1)
		span := spans[k]
		attrs := span.Attributes().AsRaw()
		assert.Equal(t, "joined", attrs[attrStatus])
		assert.InDelta(t, 1.021, attrs[attrDuration], 1e-9)
		assert.Equal(t, "ChatCompletions_Create", attrs[attrOperation], "the usage row's operation does not win")
		assert.Equal(t, "200", attrs[attrResultSignature])
		assert.Equal(t, "Non-Streaming", attrs[attrStreamType])
		assert.Equal(t, "gpt-4o", attrs[attrModelName])
		assert.Equal(t, "2024-08-06", attrs[attrModelVersion])
		assert.Equal(t, "gpt-4o", attrs[attrDeployment])
		assert.Equal(t, "0c3f9a1e-7a44-4b51-a1a0-5c2b1f0e9d88", attrs[attrCallerObjectID])
		assert.Equal(t, "81.2.69.***", attrs[attrCallerIP])
		// The span had no usage: the usage category's counts fill gen_ai.usage.*.
		assert.Equal(t, int64(1200), attrs[spanUsage.input])
		assert.Equal(t, int64(87), attrs[spanUsage.output])
		assert.Equal(t, int64(1024), attrs[spanUsage.cacheRead])
		assert.Equal(t, "diagnostics", attrs[conventions.AzureOpenAIUsageSource])
		assert.NotContains(t, attrs, diagnosticsUsage.input)
		assert.Equal(t, "East US 2", attrs["azure.openai.region"], "the lifted attributes stay")
		assert.Equal(t, "chat gpt-4o", span.Name())

		b := h.sink.batches[0].td.ResourceSpans().At(0)
		assert.Equal(t, map[string]any{"service.name": "ai-gateway"}, b.Resource().Attributes().AsRaw())
		assert.Equal(t, "https://opentelemetry.io/schemas/1.41.0", b.SchemaUrl())
		assert.Equal(t, "github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver", b.ScopeSpans().At(0).Scope().Name())
		assert.Equal(t, "0.1.0", b.ScopeSpans().At(0).Scope().Version())

		q := h.server.Queries()
		require.Len(t, q, 1)
		assert.Equal(t, []string{"RequestResponse", "AzureOpenAIRequestUsage"}, q[0].Categories)
		assert.Equal(t, t0.Add(30*time.Second+source.WindowMargin), q[0].To)
		if mode == LookupKeys {
			assert.Equal(t, []string{k}, q[0].Keys)
			assert.Equal(t, "CorrelationId", q[0].KeyColumn)
			assert.Equal(t, t0.Add(-source.WindowMargin), q[0].From, "the window starts at the oldest span's start, less the margin")
		} else {
			assert.Empty(t, q[0].Keys, "the cursor names no key")
			firstRead := t0.Add(30*time.Second - h.cfg.MaxWait - h.cfg.PollInterval)
			assert.Equal(t, firstRead.Add(-h.cfg.IngestionOverlap), q[0].IngestedFrom, "the first poll reads max_wait back, and the overlap")
			assert.Equal(t, t0.Add(30*time.Second), q[0].IngestedTo)
			assert.Equal(t, q[0].IngestedFrom.Add(-h.cfg.MaxWait-source.WindowMargin), q[0].From, "TimeGenerated reaches max_wait further back")
			assert.Equal(t, h.cfg.MaxRowsPerQuery, q[0].Take)
		}

		ignoreTime := metricdatatest.IgnoreTimestamp()
		metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsReleasedSpans(t, h.tel, []metricdata.DataPoint[int64]{statusPoint(StatusJoined, 1)}, ignoreTime)
		metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsQueries(t, h.tel, []metricdata.DataPoint[int64]{outcomePoint(outcomeSuccess, 1)}, ignoreTime)
		metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsRows(t, h.tel, []metricdata.DataPoint[int64]{{Value: 3}}, ignoreTime)
		metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingSpans(t, h.tel, []metricdata.DataPoint[int64]{{Value: 0}}, ignoreTime)
		metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingBytes(t, h.tel, []metricdata.DataPoint[int64]{{Value: 0}}, ignoreTime)
		metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsQueryDuration(t, h.tel, []metricdata.HistogramDataPoint[float64]{{
			Count: 1, Bounds: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
			BucketCounts: []uint64{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
			Min:          metricdata.NewExtrema(0.0), Max: metricdata.NewExtrema(0.0), Sum: 0,
		}}, ignoreTime)
	})
}

func TestPendingGaugesFollowTheBuffer(t *testing.T) {
	h := newHarness(t)
	td := spansFor(t0, key(1), key(2))
	var want int64
	forEachSpan(td, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, s ptrace.Span) {
		want += spanBytes(s) + pendingEntryBytes
	})
	want += originBytes(td.ResourceSpans().At(0), td.ResourceSpans().At(0).ScopeSpans().At(0), "")
	h.admit(context.Background(), td)

	ignoreTime := metricdatatest.IgnoreTimestamp()
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingSpans(t, h.tel, []metricdata.DataPoint[int64]{{Value: 2}}, ignoreTime)
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingBytes(t, h.tel, []metricdata.DataPoint[int64]{{Value: want}}, ignoreTime)
	assert.Less(t, want, int64(2*4096), "two lifted spans without bodies cost a few KB")
	h.shutdown()
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingSpans(t, h.tel, []metricdata.DataPoint[int64]{{Value: 0}}, ignoreTime)
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingBytes(t, h.tel, []metricdata.DataPoint[int64]{{Value: 0}}, ignoreTime)
}

func TestLateRowJoinsAfterTwoPolls(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode))
		k := key(2)
		// Ingested 75 s after the call: the polls at 30 s and 60 s miss it.
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, t0.Add(75*time.Second))...)
		h.admit(context.Background(), spansFor(t0, k))

		h.poll()
		h.poll()
		assert.Equal(t, 0, h.sink.batchCount(), "nothing leaves before the row or max_wait")
		assert.Len(t, h.server.Queries(), 2)
		h.poll()
		spans := h.sink.spans(t)
		require.Len(t, spans, 1)
		assert.Equal(t, "joined", statusOf(t, spans[k]))
		assert.Len(t, h.server.Queries(), 3)
	})
}

func TestRowThatNeverArrivesIsNotFoundAtMaxWait(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode))
		k := key(3)
		h.admit(context.Background(), spansFor(t0, k))
		h.pollUntil(h.cfg.MaxWait - h.cfg.PollInterval)
		assert.Equal(t, 0, h.sink.batchCount(), "still waiting before max_wait")
		h.poll()
		spans := h.sink.spans(t)
		require.Len(t, spans, 1)
		assert.Equal(t, "not_found", statusOf(t, spans[k]))
		assert.NotContains(t, spans[k].Attributes().AsRaw(), attrOperation)
		assert.Len(t, h.server.Queries(), 10, "one lookup per poll until max_wait")
		metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsReleasedSpans(t, h.tel,
			[]metricdata.DataPoint[int64]{statusPoint(StatusNotFound, 1)}, metricdatatest.IgnoreTimestamp())

		h.poll()
		if mode == LookupKeys {
			assert.Len(t, h.server.Queries(), 10, "an empty buffer sends no query")
		} else {
			assert.Len(t, h.server.Queries(), 11, "the cursor reads on: rows may come before their spans")
		}
	})
}

func TestMaxWaitCountsFromEntryNotFromSpanStart(t *testing.T) {
	h := newHarness(t, withLookup(LookupKeys))
	k := key(4)
	// A replayed record two hours old waits like a live one.
	old := t0.Add(-2 * time.Hour)
	h.server.AddRows(fakeloganalytics.CallRows(k, old, t0.Add(2*time.Minute))...)
	h.admit(context.Background(), spansFor(old, k))
	h.pollUntil(2 * time.Minute)
	spans := h.sink.spans(t)
	require.Len(t, spans, 1)
	assert.Equal(t, "joined", statusOf(t, spans[k]))
	assert.Equal(t, old.Add(-source.WindowMargin), h.server.Queries()[0].From, "the window reaches back to the span's start")
}

func TestOverflowByCount(t *testing.T) {
	h := newHarness(t, withConfig(func(c *harnessConfig) { c.MaxPending = 3 }))
	keys := []string{key(1), key(2), key(3), key(4), key(5)}
	for _, k := range keys {
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	}
	rest := h.admit(context.Background(), spansFor(t0, keys...))
	require.Equal(t, 2, rest.SpanCount(), "two spans find the buffer full")
	forEachSpan(rest, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, s ptrace.Span) {
		assert.Equal(t, "overflow", statusOf(t, s))
	})
	h.poll()
	joined := h.sink.spans(t)
	assert.Len(t, joined, 3)
	for _, s := range joined {
		assert.Equal(t, "joined", statusOf(t, s))
	}
	assert.Equal(t, 5, len(joined)+rest.SpanCount(), "spans out == spans in")
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsReleasedSpans(t, h.tel, []metricdata.DataPoint[int64]{
		statusPoint(StatusOverflow, 2), statusPoint(StatusJoined, 3),
	}, metricdatatest.IgnoreTimestamp())
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("buffer is full").Len())
}

func TestOverflowByBytes(t *testing.T) {
	probe := spansFor(t0, key(1))
	rs := probe.ResourceSpans().At(0)
	perSpan := spanBytes(rs.ScopeSpans().At(0).Spans().At(0)) + pendingEntryBytes
	origin := originBytes(rs, rs.ScopeSpans().At(0), "")
	// Room for the origin and two spans, not three.
	h := newHarness(t, withConfig(func(c *harnessConfig) { c.MaxPendingBytes = origin + 2*perSpan + perSpan/2 }))
	rest := h.admit(context.Background(), spansFor(t0, key(1), key(2), key(3), key(4)))
	assert.Equal(t, 2, rest.SpanCount())
	h.joiner.mu.Lock()
	assert.Equal(t, 2, h.joiner.buffer.spans)
	assert.Equal(t, origin+2*perSpan, h.joiner.buffer.bytes)
	h.joiner.mu.Unlock()
	h.shutdown()
	released := h.sink.spans(t)
	assert.Len(t, released, 2)
	for _, s := range released {
		assert.Equal(t, "not_found", statusOf(t, s), "the last query at shutdown found no row")
	}
}

func TestServerErrorsBackOffThenMarkError(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode))
		h.server.FailAlways(fakeloganalytics.InternalError())
		k := key(5)
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
		h.admit(context.Background(), spansFor(t0, k))

		h.pollUntil(h.cfg.MaxWait)
		spans := h.sink.spans(t)
		require.Len(t, spans, 1)
		assert.Equal(t, "error", statusOf(t, spans[k]), "lookups failed until max_wait")
		var at []time.Duration
		for _, q := range h.server.Queries() {
			at = append(at, q.At.Sub(t0))
		}
		// Retried at the next poll, then after two intervals, then at the cap of
		// max_wait/3 = 100 s (the first poll at or after it); the last lookup
		// happens at the poll where the span expires.
		assert.Equal(t, []time.Duration{30 * time.Second, 60 * time.Second, 120 * time.Second, 210 * time.Second, 300 * time.Second}, at)
		metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsQueries(t, h.tel,
			[]metricdata.DataPoint[int64]{outcomePoint(outcomeError, 5)}, metricdatatest.IgnoreTimestamp())
		warnings := h.logs.FilterMessageSnippet("query failed").All()
		assert.Len(t, warnings, 4, "at most one warning a minute: the failure at 60 s is only counted")
		assert.Equal(t, "HTTP 500 InternalServerError", warnings[0].ContextMap()["error"])

		// The service recovers: a new span joins once the back-off (100 s from
		// the failure at 300 s) ends.
		h.server.ClearFaults()
		k2 := key(6)
		h.server.AddRows(fakeloganalytics.CallRows(k2, h.clock.Now(), time.Time{})...)
		h.admit(context.Background(), spansFor(h.clock.Now(), k2))
		h.pollUntil(60 * time.Second)
		assert.Len(t, h.server.Queries(), 5, "still backing off")
		h.poll()
		assert.Len(t, h.server.Queries(), 6)
		assert.Equal(t, "joined", statusOf(t, h.sink.spans(t)[k2]))
	})
}

func TestThrottledHonoursRetryAfter(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode))
		h.server.FailNext(fakeloganalytics.Throttled(2 * time.Minute))
		k := key(7)
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
		h.admit(context.Background(), spansFor(t0, k))

		h.pollUntil(2 * time.Minute) // 30 s: 429; 60, 90, 120 s: waiting
		require.Len(t, h.server.Queries(), 1)
		assert.Equal(t, http.StatusTooManyRequests, h.server.Queries()[0].Status)
		assert.Equal(t, 0, h.sink.batchCount())
		h.poll() // 150 s = 30 s + Retry-After
		require.Len(t, h.server.Queries(), 2)
		assert.Equal(t, 150*time.Second, h.server.Queries()[1].At.Sub(t0))
		assert.Equal(t, "joined", statusOf(t, h.sink.spans(t)[k]))
		metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsQueries(t, h.tel, []metricdata.DataPoint[int64]{
			outcomePoint(outcomeThrottled, 1), outcomePoint(outcomeSuccess, 1),
		}, metricdatatest.IgnoreTimestamp())
	})
}

func TestTimeoutIsRetried(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		// The one test that waits in real time: 100 ms for the client to give up.
		h := newHarness(t, withLookup(mode), withConfig(func(c *harnessConfig) { c.ClientConfig.Timeout = 100 * time.Millisecond }))
		h.server.FailNext(fakeloganalytics.Hang())
		k := key(8)
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
		h.admit(context.Background(), spansFor(t0, k))

		h.poll()
		assert.Equal(t, 0, h.sink.batchCount())
		assert.Equal(t, 1, h.logs.FilterMessageSnippet("query failed").Len())
		assert.Contains(t, h.logs.FilterMessageSnippet("query failed").All()[0].ContextMap()["error"], "timeout")
		h.poll()
		assert.Equal(t, "joined", statusOf(t, h.sink.spans(t)[k]))
	})
}

func TestTimeoutsUntilMaxWaitMarkError(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode), withConfig(func(c *harnessConfig) {
			c.ClientConfig.Timeout = 20 * time.Millisecond
			c.MaxWait = time.Minute
		}))
		h.server.FailAlways(fakeloganalytics.Hang())
		h.admit(context.Background(), spansFor(t0, key(9)))
		h.pollUntil(time.Minute)
		assert.Equal(t, "error", statusOf(t, h.sink.spans(t)[key(9)]))
		h.server.ClearFaults()
	})
}

func TestPartialErrorJoinsWhatCameAndRetriesTheRest(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode))
		k1, k2 := key(10), key(11)
		h.server.AddRows(fakeloganalytics.CallRows(k1, t0, time.Time{})...)
		h.server.AddRows(fakeloganalytics.CallRows(k2, t0, time.Time{})...)
		// The partial answer holds k1's three rows only.
		h.server.FailNext(fakeloganalytics.PartialError(3))
		h.admit(context.Background(), spansFor(t0, k1, k2))

		h.poll()
		spans := h.sink.spans(t)
		require.Len(t, spans, 1)
		assert.Equal(t, "joined", statusOf(t, spans[k1]))
		h.poll()
		spans = h.sink.spans(t)
		require.Len(t, spans, 2)
		assert.Equal(t, "joined", statusOf(t, spans[k2]))
		if mode == LookupKeys {
			assert.Equal(t, []string{k2}, h.server.Queries()[1].Keys)
		} else {
			assert.Equal(t, h.server.Queries()[0].IngestedFrom, h.server.Queries()[1].IngestedFrom, "a partial answer reads its range again")
		}
		metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsQueries(t, h.tel, []metricdata.DataPoint[int64]{
			outcomePoint(outcomePartial, 1), outcomePoint(outcomeSuccess, 1),
		}, metricdatatest.IgnoreTimestamp())
	})
}

func TestPartialErrorsUntilMaxWaitMarkError(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode), withConfig(func(c *harnessConfig) { c.MaxWait = time.Minute }))
		h.server.FailAlways(fakeloganalytics.PartialError(0))
		h.admit(context.Background(), spansFor(t0, key(12)))
		h.pollUntil(time.Minute)
		assert.Equal(t, "error", statusOf(t, h.sink.spans(t)[key(12)]), "a partial answer is no proof the row is missing")
	})
}

func TestMalformedAnswer(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode), withConfig(func(c *harnessConfig) { c.MaxWait = 2 * time.Minute }))
		h.server.FailNext(fakeloganalytics.MalformedJSON())
		k1, k2 := key(13), key(14)
		h.server.AddRows(fakeloganalytics.CallRows(k1, t0, time.Time{})...)
		h.admit(context.Background(), spansFor(t0, k1))
		h.poll()
		assert.Equal(t, 0, h.sink.batchCount())
		assert.Contains(t, h.logs.FilterMessageSnippet("query failed").All()[0].ContextMap()["error"], "malformed answer")
		h.poll()
		assert.Equal(t, "joined", statusOf(t, h.sink.spans(t)[k1]))

		h.server.FailAlways(fakeloganalytics.MalformedJSON())
		h.admit(context.Background(), spansFor(h.clock.Now(), k2))
		h.pollUntil(2 * time.Minute)
		assert.Equal(t, "error", statusOf(t, h.sink.spans(t)[k2]))
		h.server.ClearFaults()
	})
}

func TestNoContentMeansNoRows(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode), withConfig(func(c *harnessConfig) { c.MaxWait = time.Minute }))
		h.server.FailAlways(fakeloganalytics.Fault{NoContent: true})
		h.admit(context.Background(), spansFor(t0, key(15)))
		h.pollUntil(time.Minute)
		assert.Equal(t, "not_found", statusOf(t, h.sink.spans(t)[key(15)]), "204 is the API's answer for a workspace without data")
	})
}

func TestShutdownRunsALastQueryThenReleasesEverything(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode))
		early, late, never, newest := key(20), key(21), key(22), key(23)
		h.server.AddRows(fakeloganalytics.CallRows(early, t0, time.Time{})...)
		h.server.AddRows(fakeloganalytics.CallRows(late, t0, t0.Add(40*time.Second))...)
		h.admit(context.Background(), spansFor(t0, early, late, never))
		h.poll() // 30 s: early joins
		assert.Len(t, h.sink.spans(t), 1)
		h.clock.Advance(15 * time.Second) // 45 s, between polls
		h.admit(context.Background(), spansFor(h.clock.Now(), newest))

		h.shutdown()
		spans := h.sink.spans(t)
		require.Len(t, spans, 4, "spans out == spans in")
		assert.Equal(t, "joined", statusOf(t, spans[early]))
		assert.Equal(t, "joined", statusOf(t, spans[late]), "the last query finds the row that came after the last poll")
		assert.Equal(t, "not_found", statusOf(t, spans[never]))
		assert.Equal(t, "not_found", statusOf(t, spans[newest]), "the last query covers spans never polled")
		last := h.server.Queries()[len(h.server.Queries())-1]
		if mode == LookupKeys {
			assert.ElementsMatch(t, []string{late, never, newest}, last.Keys)
		} else {
			assert.Equal(t, h.clock.Now(), last.IngestedTo, "the last read reaches the shutdown")
		}

		rest := h.admit(context.Background(), spansFor(h.clock.Now(), key(24)))
		assert.Equal(t, 1, rest.SpanCount(), "intake is closed after shutdown")
		assert.NoError(t, h.joiner.Shutdown(context.Background()), "a second shutdown is harmless")
	})
}

func TestShutdownWhileTheServiceFails(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode))
		h.server.FailAlways(fakeloganalytics.InternalError())
		h.admit(context.Background(), spansFor(t0, key(25), key(26)))
		h.shutdown()
		spans := h.sink.spans(t)
		require.Len(t, spans, 2)
		for _, s := range spans {
			assert.Equal(t, "error", statusOf(t, s))
		}
	})
}

func TestShutdownHonoursItsDeadline(t *testing.T) {
	h := newHarness(t)
	h.server.FailAlways(fakeloganalytics.Hang())
	h.admit(context.Background(), spansFor(t0, key(27)))
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	began := time.Now()
	require.NoError(t, h.joiner.Shutdown(ctx))
	assert.Less(t, time.Since(began), 2*time.Second)
	assert.Equal(t, "error", statusOf(t, h.sink.spans(t)[key(27)]), "released although the last query never answered")
	h.server.ClearFaults()
}

func TestShutdownWithoutStart(t *testing.T) {
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
	tb, err := metadata.NewTelemetryBuilder(tel.NewTelemetrySettings())
	require.NoError(t, err)
	sink := &releaseSink{}
	j, err := newJoinerFor(testConfig("https://api.loganalytics.io"), tel.NewTelemetrySettings(), tb, sink.release)
	require.NoError(t, err)
	rest := admitPassing(t, j, context.Background(), spansFor(t0, key(30), key(31)))
	assert.Equal(t, 0, rest.SpanCount())
	require.NoError(t, j.Shutdown(context.Background()))
	spans := sink.spans(t)
	require.Len(t, spans, 2)
	assert.Equal(t, "error", statusOf(t, spans[key(30)]))

	j2, err := newJoinerFor(testConfig("https://api.loganalytics.io"), tel.NewTelemetrySettings(), tb, sink.release)
	require.NoError(t, err)
	require.NoError(t, j2.Shutdown(context.Background()), "nothing held, nothing started")
}

func TestReleasedSpansKeepTheirClientResourceAndScope(t *testing.T) {
	h := newHarness(t)
	keys := []string{key(40), key(41), key(42), key(43)}
	for _, k := range keys {
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	}
	tenantA := client.NewContext(context.Background(), client.Info{Metadata: client.NewMetadata(map[string][]string{"x-tenant": {"a"}})})
	tenantB := client.NewContext(context.Background(), client.Info{Metadata: client.NewMetadata(map[string][]string{"x-tenant": {"b"}})})
	// Two requests of tenant a (one record each, as the receiver sends them)
	// and one of tenant b with a different resource.
	h.admit(tenantA, spansFor(t0, keys[0]))
	h.admit(tenantA, spansFor(t0, keys[1]))
	other := spansFor(t0, keys[2], keys[3])
	other.ResourceSpans().At(0).Resource().Attributes().PutStr("service.name", "other-gateway")
	h.admit(tenantB, other)

	h.poll()
	require.Equal(t, 2, h.sink.batchCount(), "one release per client per poll")
	for _, b := range h.sink.batches {
		tenant := b.info.Metadata.Get("x-tenant")
		require.Len(t, tenant, 1)
		require.Equal(t, 1, b.td.ResourceSpans().Len(), "equal resources share one ResourceSpans")
		rs := b.td.ResourceSpans().At(0)
		require.Equal(t, 1, rs.ScopeSpans().Len())
		assert.Equal(t, 2, rs.ScopeSpans().At(0).Spans().Len())
		service, _ := rs.Resource().Attributes().Get("service.name")
		switch tenant[0] {
		case "a":
			assert.Equal(t, "ai-gateway", service.Str())
		case "b":
			assert.Equal(t, "other-gateway", service.Str())
		}
	}
	assert.Len(t, h.sink.spans(t), 4)
}

func TestSpansWithoutAJoinKeyPassAtOnce(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode))
		td := spansFor(t0, key(50))
		spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		noKey := spans.AppendEmpty()
		noKey.SetName("GET /health")
		hostile := spans.AppendEmpty()
		addLiftedSpan(hostile, t0, `x") | union (AzureActivity) | project Caller, ("`)
		numeric := spans.AppendEmpty()
		numeric.SetName("numeric id")
		numeric.Attributes().PutInt(attrRequestID, 42)

		rest := h.admit(context.Background(), td)
		require.Equal(t, 3, rest.SpanCount())
		require.Equal(t, 1, rest.ResourceSpans().Len(), "the resource stays with the spans that pass")
		forEachSpan(rest, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, s ptrace.Span) {
			assert.NotContains(t, s.Attributes().AsRaw(), attrStatus, "spans that never entered carry no status")
		})
		h.poll()
		q := h.server.Queries()
		require.Len(t, q, 1)
		if mode == LookupKeys {
			assert.Equal(t, []string{key(50)}, q[0].Keys)
		}
		assert.NotContains(t, q[0].Text, "union")
		assert.Equal(t, 1, h.logs.FilterMessageSnippet("not a GUID").Len())
	})
}

func TestQueriesStayWithinTheRateBudget(t *testing.T) {
	h := newHarness(t, withLookup(LookupKeys), withConfig(func(c *harnessConfig) { c.MaxKeysPerQuery = 1 }))
	keys := make([]string, 250)
	for i := range keys {
		keys[i] = key(1000 + i)
	}
	h.admit(context.Background(), spansFor(t0, keys...))
	h.poll()
	first := h.server.Queries()
	assert.Equal(t, queryBudgetLimit, len(first), "250 one-key batches, 200 allowed per 30 s")
	assert.LessOrEqual(t, h.server.MaxConcurrentQueries(), maxConcurrentQueries)
	h.poll()
	second := h.server.Queries()[len(first):]
	assert.Equal(t, queryBudgetLimit, len(second), "the next window has a new budget")
	looked := map[string]int{}
	for _, q := range append(first, second...) {
		for _, k := range q.Keys {
			looked[k]++
		}
	}
	assert.Equal(t, 250, len(looked), "the 50 keys the first poll left out are in the next")
	h.shutdown()
}

func TestBudgetOf10000SpansOver10Minutes(t *testing.T) {
	if testing.Short() {
		t.Skip("sends a few hundred queries")
	}
	h := newHarness(t, withLookup(LookupKeys), withConfig(func(c *harnessConfig) { c.MaxWait = 15 * time.Minute }))
	const total = 10_000
	const simulated = 10 * time.Minute
	admitted := 0
	withRow := map[string]bool{}
	ctx := context.Background()
	maxKeys := h.cfg.MaxKeysPerQuery
	for second := time.Duration(0); second < simulated; second += time.Second {
		now := t0.Add(second)
		want := int(int64(total) * int64(second+time.Second) / int64(simulated))
		var keys []string
		for ; admitted < want; admitted++ {
			k := key(admitted)
			keys = append(keys, k)
			if admitted%50 != 0 { // one in fifty never gets a row
				// Ingested 3 to 10 minutes later, spread deterministically.
				delay := 3*time.Minute + time.Duration(admitted*7919%420)*time.Second
				// Both rows: a span without token counts waits for the usage row.
				h.server.AddRows(fakeloganalytics.RequestResponseRow(k, now, now.Add(delay)), fakeloganalytics.UsageRow(k, now, now.Add(delay)))
				withRow[k] = true
			}
		}
		h.admit(ctx, spansFor(now, keys...))
		if (second+time.Second)%h.cfg.PollInterval == 0 {
			pending := h.pendingKeys()
			before := len(h.server.Queries())
			h.advance(time.Second)
			sent := len(h.server.Queries()) - before
			assert.Equal(t, (pending+maxKeys-1)/maxKeys, sent, "queries in the poll at %v with %d keys", second+time.Second, pending)
		} else {
			h.clock.Advance(time.Second)
		}
	}
	require.Equal(t, total, admitted)
	for h.pendingKeys() > 0 {
		pending := h.pendingKeys()
		before := len(h.server.Queries())
		h.poll()
		assert.LessOrEqual(t, len(h.server.Queries())-before, (pending+maxKeys-1)/maxKeys)
	}
	assert.LessOrEqual(t, h.server.MaxConcurrentQueries(), maxConcurrentQueries)
	spans := h.sink.spans(t)
	require.Len(t, spans, total, "spans out == spans in")
	for k, s := range spans {
		want := "not_found"
		if withRow[k] {
			want = "joined"
		}
		require.Equal(t, want, statusOf(t, s), k)
	}
}

func TestStartsThroughConfighttpWithACAFile(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode), withCAFile())
		k := key(60)
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
		h.admit(context.Background(), spansFor(t0, k))
		h.poll()
		assert.Equal(t, "joined", statusOf(t, h.sink.spans(t)[k]))
	})
}

func TestWrongTokenIsAnErrorAndNeverLogged(t *testing.T) {
	h := newHarness(t, withServer(fakeloganalytics.Options{Token: "the-token-the-server-wants"}),
		withConfig(func(c *harnessConfig) { c.MaxWait = time.Minute }))
	h.admit(context.Background(), spansFor(t0, key(61)))
	h.pollUntil(time.Minute)
	h.shutdown()
	assert.Equal(t, "error", statusOf(t, h.sink.spans(t)[key(61)]))
	warnings := h.logs.FilterMessageSnippet("query failed").All()
	require.NotEmpty(t, warnings)
	assert.Equal(t, "HTTP 401 AuthenticationFailed", warnings[0].ContextMap()["error"])
	for _, entry := range h.logs.All() {
		text := entry.Message
		for k, v := range entry.ContextMap() {
			text += fmt.Sprintf(" %s=%v", k, v)
		}
		assert.NotContains(t, text, testToken)
	}
}

func TestDisabledJoinPassesEverything(t *testing.T) {
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
	tb, err := metadata.NewTelemetryBuilder(tel.NewTelemetrySettings())
	require.NoError(t, err)
	sink := &releaseSink{}
	j, err := NewJoiner(NewDefaultConfig(), nil, tel.NewTelemetrySettings(), tb, sink.release)
	require.NoError(t, err)
	require.NoError(t, j.Start(context.Background(), componenttest.NewNopHost()))
	td := spansFor(t0, key(80))
	rest := admitPassing(t, j, context.Background(), td)
	assert.Equal(t, 1, rest.SpanCount())
	assert.NotContains(t, rest.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().AsRaw(), attrStatus)
	require.NoError(t, j.Shutdown(context.Background()))
	assert.Equal(t, 0, sink.batchCount())
}

func TestNewJoinerRefusesABadConfig(t *testing.T) {
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	cfg := testConfig("http://insecure.example")
	_, err = newJoinerFor(cfg, componenttest.NewNopTelemetrySettings(), tb, (&releaseSink{}).release)
	assert.ErrorContains(t, err, "https")
	_, err = newJoinerFor(testConfig("https://x.example"), componenttest.NewNopTelemetrySettings(), nil, (&releaseSink{}).release)
	assert.Error(t, err)
}

func TestJoinsOnAWorkspaceWhoseSchemaOverflowed(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		// At 500 columns the workspace moved properties_s into AdditionalFields.
		h := newHarness(t, withLookup(mode), withServer(fakeloganalytics.Options{OverflowColumns: []string{"properties_s"}}))
		k := key(90)
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
		h.admit(context.Background(), spansFor(t0, k))
		h.poll()
		require.Empty(t, h.server.Queries()[0].ParseError)
		attrs := h.sink.spans(t)[k].Attributes().AsRaw()
		assert.Equal(t, "joined", attrs[attrStatus])
		assert.Equal(t, "gpt-4o", attrs[attrModelName])
		assert.Equal(t, int64(87), attrs[spanUsage.output], "the usage row's properties came from the bag too")
	})
}
