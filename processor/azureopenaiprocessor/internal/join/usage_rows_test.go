package join

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

// The rows of one call reach Log Analytics independently: the usage row may
// be visible a poll before or after the RequestResponse rows, or never (its
// category off). These tests give each its own arrival time.

// withUsage gives td's spans token counts from source.
func withUsage(td ptrace.Traces, input, output int64, source string) ptrace.Traces {
	forEachSpan(td, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, s ptrace.Span) {
		s.Attributes().PutInt("gen_ai.usage.input_tokens", input)
		s.Attributes().PutInt("gen_ai.usage.output_tokens", output)
		s.Attributes().PutStr("azure.openai.usage.source", source)
	})
	return td
}

// joinedFacts are the attributes a join writes or decides: the
// azure.openai.diagnostics.* ones, gen_ai.usage.* and azure.openai.usage.source.
func joinedFacts(span ptrace.Span) map[string]any {
	out := map[string]any{}
	for k, v := range span.Attributes().AsRaw() {
		if strings.HasPrefix(k, "azure.openai.diagnostics.") || strings.HasPrefix(k, "gen_ai.usage.") || k == "azure.openai.usage.source" {
			out[k] = v
		}
	}
	return out
}

// requestResponseFacts are what fakeloganalytics.RequestResponseRow says, as
// a joined span carries them.
var requestResponseFacts = map[string]any{
	"azure.openai.diagnostics.status":           "joined",
	"azure.openai.diagnostics.duration":         1.021,
	"azure.openai.diagnostics.operation":        "ChatCompletions_Create",
	"azure.openai.diagnostics.result_signature": "200",
	"azure.openai.diagnostics.stream_type":      "Non-Streaming",
	"azure.openai.diagnostics.model_name":       "gpt-4o",
	"azure.openai.diagnostics.model_version":    "2024-08-06",
	"azure.openai.diagnostics.deployment":       "gpt-4o",
	"azure.openai.diagnostics.caller.object_id": "0c3f9a1e-7a44-4b51-a1a0-5c2b1f0e9d88",
	"azure.openai.diagnostics.caller.ip":        "81.2.69.***",
}

// with returns base with more attributes.
func with(base map[string]any, more map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

func TestUsageRowAfterRequestResponse(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode))
		none, estimated, counted := key(200), key(201), key(202)
		for _, k := range []string{none, estimated, counted} {
			h.server.AddRows(fakeloganalytics.CallRowsArriving(k, t0, t0.Add(20*time.Second), t0.Add(50*time.Second))...)
		}
		ctx := context.Background()
		h.admit(ctx, spansFor(t0, none))
		h.admit(ctx, withUsage(spansFor(t0, estimated), 1180, 90, "estimate"))
		h.admit(ctx, withUsage(spansFor(t0, counted), 1200, 87, "response"))

		h.poll() // 30 s: the RequestResponse rows only
		spans := h.sink.spans(t)
		require.Len(t, spans, 1, "only the span that has its counts leaves")
		assert.Equal(t, with(requestResponseFacts, map[string]any{
			"gen_ai.usage.input_tokens":  int64(1200),
			"gen_ai.usage.output_tokens": int64(87),
			"azure.openai.usage.source":  "response",
		}), joinedFacts(spans[counted]))

		h.poll() // 60 s: the usage row too
		spans = h.sink.spans(t)
		require.Len(t, spans, 3)
		fromTheLog := with(requestResponseFacts, map[string]any{
			"gen_ai.usage.input_tokens":            int64(1200),
			"gen_ai.usage.output_tokens":           int64(87),
			"gen_ai.usage.cache_read.input_tokens": int64(1024),
			"azure.openai.usage.source":            "diagnostics",
		})
		assert.Equal(t, fromTheLog, joinedFacts(spans[none]))
		assert.Equal(t, fromTheLog, joinedFacts(spans[estimated]), "the billed counts replace the estimate")
		assert.Len(t, h.server.Queries(), 2)
		assert.Equal(t, 0, h.pendingKeys())
	})
}

func TestUsageRowBeforeRequestResponse(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode))
		none, counted := key(210), key(211)
		for _, k := range []string{none, counted} {
			h.server.AddRows(fakeloganalytics.CallRowsArriving(k, t0, t0.Add(50*time.Second), t0.Add(20*time.Second))...)
		}
		ctx := context.Background()
		h.admit(ctx, spansFor(t0, none))
		h.admit(ctx, withUsage(spansFor(t0, counted), 1190, 80, "stream"))

		h.poll() // 30 s: the usage row only
		assert.Equal(t, 0, h.sink.batchCount(), "every span waits for the call's facts")
		h.poll() // 60 s: the RequestResponse rows too
		spans := h.sink.spans(t)
		require.Len(t, spans, 2)
		assert.Equal(t, with(requestResponseFacts, map[string]any{
			"gen_ai.usage.input_tokens":            int64(1200),
			"gen_ai.usage.output_tokens":           int64(87),
			"gen_ai.usage.cache_read.input_tokens": int64(1024),
			"azure.openai.usage.source":            "diagnostics",
		}), joinedFacts(spans[none]))
		assert.Equal(t, with(requestResponseFacts, map[string]any{
			"gen_ai.usage.input_tokens":                              int64(1190),
			"gen_ai.usage.output_tokens":                             int64(80),
			"azure.openai.usage.source":                              "stream",
			"azure.openai.diagnostics.usage.input_tokens":            int64(1200),
			"azure.openai.diagnostics.usage.output_tokens":           int64(87),
			"azure.openai.diagnostics.usage.cache_read.input_tokens": int64(1024),
		}), joinedFacts(spans[counted]), "the stream's counts stay; the log's go beside them")
	})
}

func TestUsageRowThatNeverComes(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode))
		none, estimated := key(220), key(221)
		for _, k := range []string{none, estimated} {
			h.server.AddRows(fakeloganalytics.RequestResponseRows(k, t0, t0.Add(20*time.Second))...)
		}
		ctx := context.Background()
		h.admit(ctx, spansFor(t0, none))
		h.admit(ctx, withUsage(spansFor(t0, estimated), 1180, 90, "estimate"))

		h.pollUntil(h.cfg.MaxWait - h.cfg.PollInterval)
		assert.Equal(t, 0, h.sink.batchCount(), "the spans wait for the usage row until max_wait")
		h.poll()
		spans := h.sink.spans(t)
		require.Len(t, spans, 2)
		// Joined with the call's facts; no counts from the log: a span without
		// counts has none, an estimated one keeps its estimate.
		assert.Equal(t, requestResponseFacts, joinedFacts(spans[none]))
		assert.Equal(t, with(requestResponseFacts, map[string]any{
			"gen_ai.usage.input_tokens":  int64(1180),
			"gen_ai.usage.output_tokens": int64(90),
			"azure.openai.usage.source":  "estimate",
		}), joinedFacts(spans[estimated]))
		assert.Len(t, h.server.Queries(), 10, "looked up at every poll until max_wait")
	})
}

func TestShutdownReleasesAWaitingSpanWithWhatWasFound(t *testing.T) {
	eachLookup(t, func(t *testing.T, mode LookupMode) {
		h := newHarness(t, withLookup(mode))
		k := key(230)
		h.server.AddRows(fakeloganalytics.UsageRow(k, t0, time.Time{}))
		h.admit(context.Background(), spansFor(t0, k))
		h.poll()
		assert.Equal(t, 0, h.sink.batchCount())
		h.shutdown()
		assert.Equal(t, map[string]any{
			"azure.openai.diagnostics.status":      "joined",
			"gen_ai.usage.input_tokens":            int64(1200),
			"gen_ai.usage.output_tokens":           int64(87),
			"gen_ai.usage.cache_read.input_tokens": int64(1024),
			"azure.openai.usage.source":            "diagnostics",
		}, joinedFacts(h.sink.spans(t)[k]), "the usage row without the call's facts")
	})
}
