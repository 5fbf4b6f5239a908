package main

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

// writeFiles writes one model call with 40 input and 2 output tokens, and a
// delta token metric holding inputSum / outputSum.
func writeFiles(t *testing.T, inputSum, outputSum float64) (tracesPath, metricsPath string) {
	t.Helper()
	dir := t.TempDir()
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(1500 * time.Millisecond)))
	a := span.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("azure.openai.deployment", "gpt-4o")
	a.PutStr("azure.openai.region", "Sweden Central")
	a.PutStr("ai_gateway.caller.subscription_id", "sub-team-search")
	a.PutStr("azure.openai.usage.source", "response")
	a.PutInt("gen_ai.usage.input_tokens", 40)
	a.PutInt("gen_ai.usage.output_tokens", 2)
	var tm ptrace.JSONMarshaler
	line, err := tm.MarshalTraces(td)
	require.NoError(t, err)
	tracesPath = filepath.Join(dir, "traces.jsonl")
	require.NoError(t, os.WriteFile(tracesPath, append(line, '\n'), 0o600))

	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("gen_ai.client.token.usage")
	h := m.SetEmptyHistogram()
	h.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	for typ, sum := range map[string]float64{"input": inputSum, "output": outputSum} {
		dp := h.DataPoints().AppendEmpty()
		dp.Attributes().PutStr("gen_ai.token.type", typ)
		dp.SetSum(sum)
		dp.SetCount(1)
	}
	var mm pmetric.JSONMarshaler
	line, err = mm.MarshalMetrics(md)
	require.NoError(t, err)
	metricsPath = filepath.Join(dir, "metrics.jsonl")
	require.NoError(t, os.WriteFile(metricsPath, append(line, '\n'), 0o600))
	return tracesPath, metricsPath
}

func TestRun(t *testing.T) {
	traces, metrics := writeFiles(t, 40, 2)
	var stdout, stderr strings.Builder
	code := run([]string{"-expect", "1", "-metrics", metrics, traces}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	out := stdout.String()
	assert.Contains(t, out, "1 model calls (1 spans)")
	assert.Contains(t, out, "  sub-team-search  gpt-4o          1     40       2     42       0")
	assert.Contains(t, out, "  Sweden Central      1       0  1.500 s  1.500 s  1.500 s                -")
	assert.Contains(t, out, "input 40, output 2 - equal to the spans' usage")
}

func TestRunFails(t *testing.T) {
	traces, metrics := writeFiles(t, 41, 2)
	var stdout, stderr strings.Builder
	assert.Equal(t, 1, run([]string{"-metrics", metrics, traces}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), "DIFFERS from the spans (input 40, output 2)")

	stdout.Reset()
	start := time.Now()
	assert.Equal(t, 1, run([]string{"-expect", "2", "-wait", "300ms", traces}, &stdout, &stderr))
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "waited for the missing span")
	assert.Contains(t, stderr.String(), "1 spans in")

	stderr.Reset()
	assert.Equal(t, 2, run(nil, &stdout, &stderr), "no file")
	assert.Contains(t, stderr.String(), "usage: aoai-summary")
}

func TestRunPTU(t *testing.T) {
	dir := t.TempDir()
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	start := time.Date(2026, 11, 20, 9, 15, 0, 0, time.UTC)
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Second)))
	a := span.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("azure.openai.deployment", "gpt-41-ptu")
	a.PutStr("ai_gateway.caller.subscription_id", "sub-team-search")
	a.PutDouble("azure.openai.provisioned.units", 2.5)
	var tm ptrace.JSONMarshaler
	line, err := tm.MarshalTraces(td)
	require.NoError(t, err)
	traces := filepath.Join(dir, "traces.jsonl")
	require.NoError(t, os.WriteFile(traces, append(line, '\n'), 0o600))

	var stdout, stderr strings.Builder
	require.Equal(t, 0, run([]string{"-ptu", "gpt-41-ptu=15:2", traces}, &stdout, &stderr), stderr.String())
	// The only caller of the hour takes all of 15 PTUs × 2.0 = 30.00;
	// 2.5 of 15 × 60 = 900 PTU-minutes is 0.3 %.
	assert.Contains(t, stdout.String(), "  2026-11-20 09:00  gpt-41-ptu  sub-team-search      1     2.50  100.0%  30.00         0.3%")

	// The same deployment read from the collector's configuration: 30 PTUs
	// × 0.5 = 15.00 an hour; 2.5 of 30 × 60 = 1 800 PTU-minutes is 0.1 %.
	config := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(config, []byte(`processors:
  azure_openai:
    pricing:
      deployments:
        gpt-41-ptu: {type: provisioned, ptu: 30, hourly_price_per_ptu: 0.5}
`), 0o600))
	stdout.Reset()
	require.Equal(t, 0, run([]string{"-config", config, traces}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), "  2026-11-20 09:00  gpt-41-ptu  sub-team-search      1     2.50  100.0%  15.00         0.1%")

	// -ptu overrides the configuration's figures.
	stdout.Reset()
	require.Equal(t, 0, run([]string{"-config", config, "-ptu", "gpt-41-ptu=15:2", traces}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), "  2026-11-20 09:00  gpt-41-ptu  sub-team-search      1     2.50  100.0%  30.00         0.3%")

	stderr.Reset()
	assert.Equal(t, 2, run([]string{"-config", filepath.Join(dir, "missing.yaml"), traces}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "missing.yaml")

	stderr.Reset()
	assert.Equal(t, 2, run([]string{"-ptu", "gpt-41-ptu=15", traces}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "want deployment=PTUS:HOURLY_PRICE_PER_PTU")
}
