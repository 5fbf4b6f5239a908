package summary

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

type spanSpec struct {
	caller, deployment, region, source, errorType, diag string
	start                                               time.Duration
	duration                                            time.Duration
	firstChunk                                          float64
	in, out, cached                                     int64
	noUsage, notModel                                   bool
	units                                               float64 // azure.openai.provisioned.units
	model                                               string  // gen_ai.response.model
	cost                                                float64 // azure.openai.cost.amount, in USD
	basis                                               string  // azure.openai.cost.basis
}

func tracesOf(specs ...spanSpec) ptrace.Traces {
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for _, s := range specs {
		span := spans.AppendEmpty()
		span.SetStartTimestamp(pcommon.NewTimestampFromTime(t0.Add(s.start)))
		span.SetEndTimestamp(pcommon.NewTimestampFromTime(t0.Add(s.start + s.duration)))
		a := span.Attributes()
		if s.notModel {
			a.PutStr("http.request.method", "GET")
			continue
		}
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr("gen_ai.request.model", s.deployment)
		if s.caller != "" {
			a.PutStr("ai_gateway.caller.subscription_id", s.caller)
		}
		if s.region != "" {
			a.PutStr("azure.openai.region", s.region)
		}
		if s.errorType != "" {
			a.PutStr("error.type", s.errorType)
			span.Status().SetCode(ptrace.StatusCodeError)
		}
		if s.diag != "" {
			a.PutStr("azure.openai.diagnostics.status", s.diag)
		}
		if s.firstChunk > 0 {
			a.PutDouble("gen_ai.response.time_to_first_chunk", s.firstChunk)
		}
		if s.units > 0 {
			a.PutDouble("azure.openai.provisioned.units", s.units)
		}
		if s.model != "" {
			a.PutStr("gen_ai.response.model", s.model)
		}
		if s.cost > 0 {
			a.PutDouble("azure.openai.cost.amount", s.cost)
			a.PutStr("azure.openai.cost.currency", "USD")
			a.PutStr("azure.openai.cost.basis", s.basis)
		}
		if !s.noUsage {
			a.PutInt("gen_ai.usage.input_tokens", s.in)
			a.PutInt("gen_ai.usage.output_tokens", s.out)
			a.PutStr("azure.openai.usage.source", s.source)
			if s.cached > 0 {
				a.PutInt("gen_ai.usage.cache_read.input_tokens", s.cached)
			}
		}
	}
	return td
}

func TestSummarize(t *testing.T) {
	td := tracesOf(
		spanSpec{caller: "sub-a", deployment: "gpt-4o", region: "Sweden Central", source: "response", in: 100, out: 10, cached: 64, duration: time.Second, diag: "joined"},
		spanSpec{caller: "sub-a", deployment: "gpt-4o", region: "Sweden Central", source: "stream", in: 50, out: 5, duration: 3 * time.Second, firstChunk: 0.4, start: time.Minute},
		spanSpec{caller: "sub-b", deployment: "gpt-4o", region: "East US 2", source: "estimate", in: 7, out: 3, duration: 2 * time.Second, diag: "not_found"},
		spanSpec{caller: "sub-b", deployment: "o4-mini", region: "East US 2", noUsage: true, errorType: "429", duration: 20 * time.Millisecond},
		spanSpec{deployment: "gpt-4o", noUsage: true, errorType: "timeout", duration: 120 * time.Second},
		spanSpec{notModel: true, duration: time.Millisecond},
	)
	s := Summarize([]ptrace.Traces{td})

	assert.Equal(t, 6, s.Spans)
	assert.Equal(t, 5, s.Calls)
	assert.Equal(t, t0, s.From)
	assert.Equal(t, t0.Add(120*time.Second), s.To)
	assert.Equal(t, []TokenRow{
		{Caller: "sub-a", Deployment: "gpt-4o", Calls: 2, InputTokens: 150, OutputTokens: 15, CachedTokens: 64},
		{Caller: "sub-b", Deployment: "gpt-4o", Calls: 1, InputTokens: 7, OutputTokens: 3},
		{Caller: "sub-b", Deployment: "o4-mini", Calls: 1},
		{Caller: Unknown, Deployment: "gpt-4o", Calls: 1},
	}, s.Tokens)

	require.Len(t, s.Regions, 3)
	// Busiest first, unknown last; nearest-rank percentiles.
	assert.Equal(t, RegionRow{Region: "East US 2", Calls: 2, Failed: 1, P50: 20 * time.Millisecond, P95: 2 * time.Second, Max: 2 * time.Second}, s.Regions[0])
	assert.Equal(t, RegionRow{Region: "Sweden Central", Calls: 2, P50: time.Second, P95: 3 * time.Second, Max: 3 * time.Second,
		Streams: 1, TimeToFirstP50: 400 * time.Millisecond}, s.Regions[1])
	assert.Equal(t, Unknown, s.Regions[2].Region)
	assert.Equal(t, 1, s.Regions[2].Failed)

	assert.Equal(t, []SourceRow{
		{Source: "response", Calls: 1, InputTokens: 100, OutputTokens: 10},
		{Source: "stream", Calls: 1, InputTokens: 50, OutputTokens: 5},
		{Source: "estimate", Calls: 1, InputTokens: 7, OutputTokens: 3},
		{Source: "none", Calls: 2},
	}, s.Sources)
	assert.Equal(t, map[string]int{"joined": 1, "not_found": 1}, s.Diagnostics)

	var out strings.Builder
	require.NoError(t, s.Write(&out))
	text := out.String()
	for _, want := range []string{
		"5 model calls (6 spans), 2026-11-20 09:00:00 to 2026-11-20 09:02:00 UTC",
		"  sub-a      gpt-4o          2    150      15    165      64",
		"  (unknown)  gpt-4o          1      0       0      0       0\n  total                      5    157      18    175      64",
		"  Sweden Central      2       0    1.000 s    3.000 s    3.000 s  0.400 s (1 stream)",
		"  none          2      0       0  no token count",
		"Diagnostics join: joined 1 not_found 1",
	} {
		assert.Contains(t, text, want)
	}
}

func TestSummarizeEmpty(t *testing.T) {
	s := Summarize(nil)
	var out strings.Builder
	require.NoError(t, s.Write(&out))
	assert.Equal(t, "0 model calls (0 spans)\n", out.String())
}

func TestNum(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1 000", 1234567: "1 234 567", -45210: "-45 210"} {
		assert.Equal(t, want, num(in))
	}
}

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	values := ms(50, 10, 40, 20, 30)
	assert.Equal(t, 30*time.Millisecond, percentile(values, 50))
	assert.Equal(t, 50*time.Millisecond, percentile(values, 95))
	assert.Equal(t, 10*time.Millisecond, percentile(values, 1))
	assert.Equal(t, time.Duration(0), percentile(nil, 50))
	assert.Equal(t, ms(50, 10, 40, 20, 30), values, "the input is not reordered")
}

func TestReadTracesLineByLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "traces.jsonl")
	var m ptrace.JSONMarshaler
	a, err := m.MarshalTraces(tracesOf(spanSpec{caller: "a", deployment: "d", in: 1, out: 2, source: "response"}))
	require.NoError(t, err)
	b, err := m.MarshalTraces(tracesOf(spanSpec{caller: "b", deployment: "d", in: 3, out: 4, source: "response"}))
	require.NoError(t, err)

	// The exporter's second line is still being written: no newline yet.
	require.NoError(t, os.WriteFile(path, append(append(append(a, '\n'), '\n'), b...), 0o600))
	traces, err := ReadTraces(path)
	require.NoError(t, err)
	assert.Equal(t, 1, SpanCount(traces), "a line without its newline is not read yet")

	require.NoError(t, os.WriteFile(path, append(append(append(a, '\n'), b...), '\n'), 0o600))
	traces, err = ReadTraces(path)
	require.NoError(t, err)
	assert.Equal(t, 2, SpanCount(traces))

	missing, err := ReadTraces(filepath.Join(dir, "not-yet.jsonl"))
	require.NoError(t, err, "a file the exporter has not created yet reads as empty")
	assert.Empty(t, missing)

	require.NoError(t, os.WriteFile(path, []byte("{not json}\n"), 0o600))
	_, err = ReadTraces(path)
	assert.ErrorContains(t, err, "line 1")
}

func TestSumTokenMetric(t *testing.T) {
	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	m := ms.AppendEmpty()
	m.SetName(TokenMetric)
	h := m.SetEmptyHistogram()
	h.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	for _, p := range []struct {
		typ   string
		sum   float64
		count uint64
	}{{"input", 100, 2}, {"output", 30, 2}, {"input", 5, 1}} {
		dp := h.DataPoints().AppendEmpty()
		dp.Attributes().PutStr("gen_ai.token.type", p.typ)
		dp.SetSum(p.sum)
		dp.SetCount(p.count)
	}
	other := ms.AppendEmpty()
	other.SetName("gen_ai.client.operation.duration")
	other.SetEmptyHistogram().DataPoints().AppendEmpty().SetSum(99)

	totals, ok := SumTokenMetric([]pmetric.Metrics{md})
	assert.True(t, ok)
	assert.Equal(t, TokenTotals{Input: 105, Output: 30, Calls: 3, Points: 3}, totals)

	h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	_, ok = SumTokenMetric([]pmetric.Metrics{md})
	assert.False(t, ok, "cumulative points would be counted at every export")
}
