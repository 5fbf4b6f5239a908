//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.yaml.in/yaml/v3"

	"github.com/otelcol-aoai/otelcol-aoai/internal/replay"
	"github.com/otelcol-aoai/otelcol-aoai/internal/summary"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/recordings"
)

const (
	workspaceID = "5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"

	// Records of examples/records the test checks by hand (their ids).
	recordNotFound   = "099950d8-36f6-45cc-81e7-4ef5e8e25d94" // 01: a non-streaming chat; no diagnostic row ever arrives
	recordJoined     = "95e60af5-93bd-44cf-8fd6-30f1f29d0da9" // 02: body usage; its diagnostic rows arrive late
	recordEstimated  = "ec66a787-95e7-41d1-b731-af10506bf2ef" // 04: stream without usage; the log's counts replace the estimate
	recordFiltered   = "3b618676-26bb-4dbd-ad1c-9af0153e7c2a" // 09: prompt refused by the content filter
	recordTimeout    = "74e69a5d-0dd2-4a65-bd62-8881ad1b72db" // 11: the gateway got no answer
	recordEntraToken = "3571810a-fc13-4d0d-913d-b17d30cbc97d" // 12: caller known only from its bearer token
	recordPTUCaller  = "c2e8f4a1-7b3d-4e9f-a5c6-1d2e3f4a5b6c" // 13: a second caller of the provisioned gpt-4.1-mini
	recordAPIMStream = "7a41c0de-5b2f-4e8a-9d13-6c0f2b8e4a17" // examples/apim: a stream as the APIM policy sends it, without body

	// The request ids (apim-request-id) of the joined records.
	requestJoined     = "6cad4a26-8d11-4ece-9738-f7d93d9c1724"
	requestEstimated  = "1012f037-b64c-4422-8c38-fb2918f135d2"
	requestAPIMStream = "f3b0a8d2-6c1e-4b7a-9e25-0d4c8a6b2f19"
)

// e2eRecord is one record the test sends.
type e2eRecord struct {
	ID     string // the record's id: ai_gateway.record.id of its span
	Source string // file (and exchange) it came from
	JSON   []byte
}

// TestPipelineEndToEnd runs the built collector the way a deployment would:
// ai_gateway -> azure_openai (with the diagnostics join against a TLS fake of
// Log Analytics) -> file exporter for spans, and the Grafana example's
// signal_to_metrics block -> file exporter (delta) and delta_to_cumulative ->
// prometheus_remote_write to a local endpoint. It replays every recorded
// exchange of testdata/recordings and the sample records, then checks spans,
// hand-picked attribute values, token sums, credentials, the Grafana
// dashboard's queries and the shutdown.
func TestPipelineEndToEnd(t *testing.T) {
	started := time.Now()
	records, secrets := loadE2ERecords(t)
	t.Logf("%d records, %d credential values to look for", len(records), len(secrets))

	laToken := "e2e-la-token-" + randomHex(t, 12)
	secrets = append(secrets, laToken)
	fake := fakeloganalytics.New(fakeloganalytics.Options{WorkspaceID: workspaceID, Token: laToken})
	t.Cleanup(fake.Close)
	// The rows of two calls become visible a little after the spans arrive, as
	// Log Analytics ingests minutes after the call: the first polls miss them.
	visible := time.Now().Add(1500 * time.Millisecond)
	fake.AddRows(diagnosticRows(visible)...)

	dir := t.TempDir()
	caFile := filepath.Join(dir, "la-ca.pem")
	require.NoError(t, fake.WriteCACertFile(caFile))
	prw := newRemoteWriteServer(t)
	receiverPort, healthPort := freePort(t), freePort(t)
	config := pipelineConfig(t, pipelineSettings{
		receiver: fmt.Sprintf("localhost:%d", receiverPort), health: fmt.Sprintf("localhost:%d", healthPort),
		laEndpoint: fake.URL(), laCAFile: caFile, laToken: laToken, remoteWrite: prw.URL(),
	})

	c := startCollector(t, config, healthPort)
	tracesFile, metricsFile := filepath.Join(c.Dir, "traces.jsonl"), filepath.Join(c.Dir, "metrics.jsonl")

	payloads := make([][]byte, len(records))
	for i, r := range records {
		payloads[i] = r.JSON
	}
	sent, err := replay.Run(context.Background(), replay.Options{
		URL: fmt.Sprintf("http://localhost:%d/v1/exchanges", receiverPort), Records: payloads,
		Concurrency: 4, Batch: 3, MaxRetries: 5,
	})
	require.NoError(t, err)
	require.EqualValues(t, len(records), sent.Accepted, "records accepted: %v (last error %q)", sent, sent.LastError)
	require.Zero(t, sent.Rejected+sent.Failed, "%v", sent)

	// Spans wait in the join until their row is found or max_wait passes.
	require.Eventually(t, func() bool {
		traces, err := summary.ReadTraces(tracesFile)
		return err == nil && summary.SpanCount(traces) >= len(records)
	}, 60*time.Second, 200*time.Millisecond, "every span written to %s", tracesFile)

	c.Stop(t) // SIGINT: a clean exit flushes the batch, the exporters and the remote-write queue
	log := c.Output()

	traces, err := summary.ReadTraces(tracesFile)
	require.NoError(t, err)
	metrics, err := summary.ReadMetrics(metricsFile)
	require.NoError(t, err)
	spans := spansByRecord(t, traces)
	samples, rwErrors := prw.Samples()
	require.Empty(t, rwErrors, "remote-write requests the test server could not decode")

	t.Run("spans out equal records in", func(t *testing.T) {
		assert.Equal(t, len(records), summary.SpanCount(traces), "span count")
		for _, r := range records {
			assert.Contains(t, spans, r.ID, "no span of record %s (%s)", r.ID, r.Source)
		}
		assert.Len(t, spans, len(records), "one span per record id")
	})

	t.Run("hand-checked spans", func(t *testing.T) {
		checkHandPickedSpans(t, spans)
	})

	t.Run("diagnostics join", func(t *testing.T) {
		queries := fake.Queries()
		require.NotEmpty(t, queries, "the processor queried the fake workspace")
		for _, q := range queries {
			assert.Equal(t, 200, q.Status, "query answered 200: %s", q.ParseError)
		}
		statuses := map[string]int{}
		for _, s := range spans {
			if v, ok := s.Attributes().Get("azure.openai.diagnostics.status"); ok {
				statuses[v.Str()]++
			}
		}
		t.Logf("%d queries; diagnostics status of the spans: %v", len(queries), statuses)
		assert.Equal(t, 3, statuses["joined"], "joined spans")
		assert.Positive(t, statuses["not_found"], "spans whose row never came")
		assert.Zero(t, statuses["error"]+statuses["overflow"], "no failed lookup, no overflow")
	})

	t.Run("token metric sums equal span usage", func(t *testing.T) {
		var in, out, withInput int64
		for id, s := range spans {
			attrs := s.Attributes()
			i, hasIn := attrs.Get("gen_ai.usage.input_tokens")
			o, hasOut := attrs.Get("gen_ai.usage.output_tokens")
			if hasIn || hasOut {
				// The metric needs these two attributes: a span with usage but
				// without them would silently be missing from the metric.
				for _, k := range []string{"gen_ai.operation.name", "gen_ai.provider.name"} {
					_, ok := attrs.Get(k)
					assert.True(t, ok, "span of %s has usage but no %s", id, k)
				}
			}
			if hasIn {
				in += i.Int()
				withInput++
			}
			if hasOut {
				out += o.Int()
			}
		}
		require.Positive(t, in, "the replayed records carry usage")

		totals, delta := summary.SumTokenMetric(metrics)
		require.True(t, delta, "the file exporter got the connector's delta points")
		assert.InDelta(t, float64(in), totals.Input, 0.5, "input tokens: metric vs spans")
		assert.InDelta(t, float64(out), totals.Output, 0.5, "output tokens: metric vs spans")
		assert.EqualValues(t, withInput, totals.Calls, "histogram count vs spans with input usage")
		checkHistogramBuckets(t, metrics)

		// Prometheus remote write (delta_to_cumulative in front): the last
		// cumulative value of every series adds up to the same totals.
		series := indexSeries(samples)
		rwIn, n := series.sumLast("gen_ai_client_token_usage_sum", map[string]string{"gen_ai_token_type": "input"})
		require.Positive(t, n, "remote-write series of the input tokens")
		rwOut, _ := series.sumLast("gen_ai_client_token_usage_sum", map[string]string{"gen_ai_token_type": "output"})
		assert.InDelta(t, float64(in), rwIn, 0.5, "input tokens: remote write vs spans")
		assert.InDelta(t, float64(out), rwOut, 0.5, "output tokens: remote write vs spans")
		t.Logf("tokens: input %d, output %d over %d spans; %d metric data points; %d remote-write samples",
			in, out, len(spans), totals.Points, len(samples))
	})

	t.Run("no credential in any output", func(t *testing.T) {
		outputs := map[string]string{"collector log": log}
		for _, f := range []string{tracesFile, metricsFile} {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			outputs[filepath.Base(f)] = string(b)
		}
		var rw strings.Builder
		for _, s := range samples {
			for k, v := range s.Labels {
				rw.WriteString(k + "=" + v + "\n")
			}
		}
		outputs["remote write"] = rw.String()
		for _, secret := range secrets {
			for name, text := range outputs {
				if i := strings.Index(text, secret); i >= 0 {
					t.Errorf("a credential value reached the %s: ...%s...", name, text[max(i-200, 0):min(i+len(secret)+50, len(text))])
				}
			}
		}
	})

	t.Run("grafana dashboard queries what the run produced", func(t *testing.T) {
		attributes := map[string]bool{}
		for _, td := range traces {
			for _, rs := range td.ResourceSpans().All() {
				for k := range rs.Resource().Attributes().All() {
					attributes["resource."+k] = true
				}
				for _, ss := range rs.ScopeSpans().All() {
					for _, s := range ss.Spans().All() {
						for k := range s.Attributes().All() {
							attributes["span."+k] = true
						}
					}
				}
			}
		}
		checkDashboard(t, filepath.Join("..", "examples", "grafana", "dashboard.json"), indexSeries(samples), attributes)
	})

	t.Run("clean shutdown", func(t *testing.T) {
		assert.Contains(t, log, "Shutdown complete.")
		for _, line := range strings.Split(log, "\n") {
			assert.NotRegexp(t, `\t(error|panic|fatal)\t`, line, "an error was logged")
		}
	})
	t.Logf("end-to-end run: %s", time.Since(started).Round(100*time.Millisecond))
}

// loadE2ERecords returns every recorded exchange of testdata/recordings and
// the sample records of examples/records, each with credentials the test
// plants (subscription key, cookie, API key or bearer token, set-cookie, a
// key in the URL), and every credential value the records carry.
func loadE2ERecords(t *testing.T) ([]e2eRecord, []string) {
	t.Helper()
	var records []e2eRecord
	exchanges, err := recordings.LoadAll()
	require.NoError(t, err)
	require.NotEmpty(t, exchanges)
	for _, e := range exchanges {
		records = append(records, e2eRecord{ID: e.Name, Source: e.File, JSON: e.Record})
	}
	samples, err := replay.LoadRecords(filepath.Join("..", "examples", "records"))
	require.NoError(t, err)
	require.Len(t, samples, 13, "examples/records")
	apim, err := replay.LoadRecords(filepath.Join("..", "examples", "apim", "record-example.json"))
	require.NoError(t, err)
	samples = append(samples, apim...)
	for i, raw := range samples {
		var head struct {
			ID string `json:"id"`
		}
		require.NoError(t, json.Unmarshal(raw, &head))
		require.NotEmpty(t, head.ID, "examples/records record %d has no id", i)
		records = append(records, e2eRecord{ID: head.ID, Source: "examples", JSON: raw})
	}

	var secrets []string
	for i := range records {
		var planted []string
		records[i].JSON, planted = plantCredentials(t, records[i].JSON, i)
		secrets = append(secrets, planted...)
		secrets = append(secrets, credentialValues(t, records[i].JSON)...)
	}
	return records, dedupe(secrets)
}

// credentialHeaders are the names whose values must never pass the receiver.
var credentialHeaders = map[string]bool{
	"authorization": true, "proxy-authorization": true, "api-key": true, "x-api-key": true,
	"ocp-apim-subscription-key": true, "cookie": true, "set-cookie": true,
}

// plantCredentials adds credential headers (where the record has none of that
// name) and a signed-URL key, with values unique to the record.
func plantCredentials(t *testing.T, raw []byte, i int) ([]byte, []string) {
	t.Helper()
	var rec map[string]any
	require.NoError(t, json.Unmarshal(raw, &rec))
	req := mapOf(rec, "request")
	reqHeaders := mapOf(req, "headers")
	mark := fmt.Sprintf("%03d%s", i, randomHex(t, 6))
	planted := map[string]string{
		"Ocp-Apim-Subscription-Key": "e2e-subscription-key-" + mark,
		"Cookie":                    "session=e2e-cookie-" + mark,
	}
	if i%2 == 0 {
		planted["api-key"] = "e2e-api-key-" + mark
	} else {
		planted["Authorization"] = "Bearer " + fakeJWT(mark)
	}
	var values []string
	for name, v := range planted {
		if !hasHeader(reqHeaders, name) {
			reqHeaders[name] = v
			values = append(values, v)
		}
	}
	if resp, ok := rec["response"].(map[string]any); ok {
		h := mapOf(resp, "headers")
		if !hasHeader(h, "set-cookie") {
			v := "affinity=e2e-set-cookie-" + mark + "; Path=/; HttpOnly"
			h["Set-Cookie"] = v
			values = append(values, v)
		}
	}
	if u, ok := req["url"].(string); ok {
		key := "e2e-url-key-" + mark
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		req["url"] = u + sep + "subscription-key=" + key
		values = append(values, key)
	}
	out, err := json.Marshal(rec)
	require.NoError(t, err)
	return out, values
}

// credentialValues lists the values of credential headers of a record (as
// recorded or planted), the bearer token apart from its scheme, and each
// cookie's value; placeholders too short or too generic to mean anything
// ("***", "REDACTED") are left out.
func credentialValues(t *testing.T, raw []byte) []string {
	t.Helper()
	var rec map[string]any
	require.NoError(t, json.Unmarshal(raw, &rec))
	var out []string
	add := func(v string) {
		v = strings.TrimSpace(v)
		if len(v) >= 8 && !strings.Contains(v, "***") && !strings.EqualFold(v, "REDACTED") {
			out = append(out, v)
		}
	}
	for _, part := range []string{"request", "response"} {
		m, _ := rec[part].(map[string]any)
		headers, _ := m["headers"].(map[string]any)
		for name, v := range headers {
			if !credentialHeaders[strings.ToLower(name)] {
				continue
			}
			var values []string
			switch v := v.(type) {
			case string:
				values = []string{v}
			case []any:
				for _, x := range v {
					if s, ok := x.(string); ok {
						values = append(values, s)
					}
				}
			}
			for _, value := range values {
				add(value)
				if scheme, token, ok := strings.Cut(value, " "); ok && strings.EqualFold(scheme, "Bearer") {
					add(token)
				}
				for _, c := range strings.Split(value, ";") {
					if _, cv, ok := strings.Cut(c, "="); ok && strings.Contains(strings.ToLower(name), "cookie") {
						add(cv)
					}
				}
			}
		}
	}
	return out
}

func fakeJWT(mark string) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims := enc.EncodeToString([]byte(fmt.Sprintf(
		`{"oid":"0c3f9a1e-7a44-4b51-a1a0-5c2b1f0e9d88","appid":"e2e-app-%s","tid":"72f988bf-86f1-41af-91ab-2d7cd011db47"}`, mark)))
	return header + "." + claims + "." + enc.EncodeToString([]byte("e2e-signature-"+mark))
}

func mapOf(m map[string]any, key string) map[string]any {
	if v, ok := m[key].(map[string]any); ok {
		return v
	}
	v := map[string]any{}
	m[key] = v
	return v
}

func hasHeader(headers map[string]any, name string) bool {
	for k := range headers {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

func dedupe(values []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// diagnosticRows are Azure OpenAI's diagnostic-log rows of three sample calls,
// as Azure writes them (a RequestResponse row and an AzureOpenAIRequestUsage
// row each), visible from the given time on. They are stamped as calls made
// now would be (TimeGenerated a little before they become visible), not with
// the sample records' own dates: the join's default lookup reads rows by
// ingestion time within max_wait + 5 minutes of their TimeGenerated, which a
// row of a weeks-old call ingested now is not.
func diagnosticRows(visible time.Time) []fakeloganalytics.Row {
	called := visible.Add(-2 * time.Second).UTC()
	at := func(offset time.Duration) time.Time { return called.Add(offset) }
	return []fakeloganalytics.Row{
		{
			TimeGenerated: at(0), Category: "RequestResponse", CorrelationID: requestJoined,
			OperationName: "ChatCompletions_Create", DurationMs: 1187, ResultSignature: "200",
			CallerIPAddress: "198.51.100.***", Resource: "CONTOSO-EUS2", Event: "ShoeboxCallResult",
			Properties:  `{"apiName":"Azure OpenAI API version 2024-10-21","objectId":"","callerObjectId":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","streamType":"Non-Streaming","modelDeploymentName":"gpt-4.1-mini","modelName":"gpt-4.1-mini","modelVersion":"2025-04-14"}`,
			AvailableAt: visible,
		},
		{
			TimeGenerated: at(0), Category: "AzureOpenAIRequestUsage", CorrelationID: requestJoined,
			OperationName: "AzureOpenAIRequestUsage", Event: "ShoeboxAzureOpenAIRequestUsage",
			Properties:  `"{\"promptTokens\":[315],\"cachedTokens\":[0],\"generatedTokens\":[38]}"`,
			AvailableAt: visible,
		},
		{
			TimeGenerated: at(100 * time.Millisecond), Category: "RequestResponse", CorrelationID: requestEstimated,
			OperationName: "ChatCompletions_Create", DurationMs: 1862, ResultSignature: "200",
			CallerIPAddress: "198.51.100.***", Resource: "CONTOSO-EUS2", Event: "ShoeboxCallResult",
			Properties:  `{"objectId":"","streamType":"Streaming","modelDeploymentName":"gpt-4.1-mini","modelName":"gpt-4.1-mini","modelVersion":"2025-04-14"}`,
			AvailableAt: visible,
		},
		{
			TimeGenerated: at(100 * time.Millisecond), Category: "AzureOpenAIRequestUsage", CorrelationID: requestEstimated,
			OperationName: "AzureOpenAIRequestUsage", Event: "ShoeboxAzureOpenAIRequestUsage",
			Properties:  `"{\"promptTokens\":[31],\"cachedTokens\":[0],\"generatedTokens\":[27]}"`,
			AvailableAt: visible,
		},
		{
			TimeGenerated: at(200 * time.Millisecond), Category: "RequestResponse", CorrelationID: requestAPIMStream,
			OperationName: "ChatCompletions_Create", DurationMs: 2950, ResultSignature: "200",
			CallerIPAddress: "203.0.113.***", Resource: "CONTOSO-SWE", Event: "ShoeboxCallResult",
			Properties:  `{"objectId":"","streamType":"Streaming","modelDeploymentName":"gpt-4o","modelName":"gpt-4o","modelVersion":"2024-11-20"}`,
			AvailableAt: visible,
		},
		{
			TimeGenerated: at(200 * time.Millisecond), Category: "AzureOpenAIRequestUsage", CorrelationID: requestAPIMStream,
			OperationName: "AzureOpenAIRequestUsage", Event: "ShoeboxAzureOpenAIRequestUsage",
			Properties:  `"{\"promptTokens\":[23],\"cachedTokens\":[0],\"generatedTokens\":[58]}"`,
			AvailableAt: visible,
		},
	}
}

type pipelineSettings struct {
	receiver, health              string
	laEndpoint, laCAFile, laToken string
	remoteWrite                   string
}

// pipelineConfig is the collector configuration of the run. The metric
// definitions, the remote-write exporter and the processors in front of it
// are the Grafana example's, as shipped; only addresses and timings change.
func pipelineConfig(t *testing.T, s pipelineSettings) string {
	t.Helper()
	grafana := exampleConfig(t, "grafana")
	prwExporter := section(t, grafana, "exporters", "prometheus_remote_write").(map[string]any)
	prwExporter["http"] = map[string]any{"endpoint": s.remoteWrite}

	// The example's pricing, with the sample records' gpt-4.1-mini as a
	// provisioned deployment: the dashboard's cost and PTU panels read both.
	pricing := section(t, grafana, "processors", "azure_openai", "pricing").(map[string]any)
	pricing["deployments"] = map[string]any{
		"gpt-4.1-mini": map[string]any{"type": "provisioned", "ptu": 50, "hourly_price_per_ptu": 1.0},
	}

	cfg := map[string]any{
		"extensions": map[string]any{"health_check": map[string]any{"endpoint": s.health}},
		"receivers":  map[string]any{"ai_gateway": map[string]any{"endpoint": s.receiver}},
		"processors": map[string]any{
			"azure_openai": map[string]any{"pricing": pricing, "diagnostics": map[string]any{
				"workspace_id":  workspaceID,
				"endpoint":      s.laEndpoint,
				"tls":           map[string]any{"ca_file": s.laCAFile},
				"credential":    map[string]any{"type": "access_token", "access_token": s.laToken},
				"poll_interval": "250ms",
				"max_wait":      "4s",
			}},
			"batch":                        map[string]any{"timeout": "200ms"},
			"delta_to_cumulative":          section(t, grafana, "processors", "delta_to_cumulative"),
			"transform/collector_instance": section(t, grafana, "processors", "transform/collector_instance"),
			"transform/series_start":       section(t, grafana, "processors", "transform/series_start"),
		},
		"exporters": map[string]any{
			"file/traces":             map[string]any{"path": "traces.jsonl", "flush_interval": "100ms"},
			"file/metrics":            map[string]any{"path": "metrics.jsonl", "flush_interval": "100ms"},
			"prometheus_remote_write": prwExporter,
		},
		"connectors": map[string]any{"signal_to_metrics": section(t, grafana, "connectors", "signal_to_metrics")},
		"service": map[string]any{
			"extensions": []string{"health_check"},
			"telemetry":  map[string]any{"logs": map[string]any{"level": "info"}},
			"pipelines": map[string]any{
				"traces": map[string]any{
					"receivers": []string{"ai_gateway"}, "processors": []string{"azure_openai", "batch"},
					"exporters": []string{"file/traces", "signal_to_metrics"},
				},
				"metrics/delta": map[string]any{
					"receivers": []string{"signal_to_metrics"}, "exporters": []string{"file/metrics"},
				},
				"metrics/remote_write": map[string]any{
					"receivers":  []string{"signal_to_metrics"},
					"processors": section(t, grafana, "service", "pipelines", "metrics", "processors"),
					"exporters":  []string{"prometheus_remote_write"},
				},
			},
		},
	}
	out, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	return string(out)
}

// spansByRecord indexes the spans by ai_gateway.record.id.
func spansByRecord(t *testing.T, traces []ptrace.Traces) map[string]ptrace.Span {
	t.Helper()
	out := map[string]ptrace.Span{}
	for s := range summary.Spans(traces) {
		id, ok := s.Attributes().Get("ai_gateway.record.id")
		require.True(t, ok, "span %q without ai_gateway.record.id", s.Name())
		_, dup := out[id.Str()]
		assert.False(t, dup, "two spans of record %s", id.Str())
		out[id.Str()] = s
	}
	return out
}

// checkHandPickedSpans compares spans of the sample records with values read
// off the records by hand (examples/records/*.json) and the diagnostic rows.
func checkHandPickedSpans(t *testing.T, spans map[string]ptrace.Span) {
	span := func(id string) map[string]any {
		s, ok := spans[id]
		require.True(t, ok, "span of record %s", id)
		return s.Attributes().AsRaw()
	}
	noCredentialAttributes := func(t *testing.T, attrs map[string]any) {
		for k := range attrs {
			for name := range credentialHeaders {
				assert.NotEqual(t, "http.request.header."+name, k)
				assert.NotEqual(t, "http.response.header."+name, k)
			}
		}
	}

	t.Run("01 not found in the diagnostic logs", func(t *testing.T) {
		a := span(recordNotFound)
		assert.Equal(t, "chat gpt-4o", spans[recordNotFound].Name())
		assert.Equal(t, ptrace.SpanKindClient, spans[recordNotFound].Kind())
		want := map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.provider.name": "azure.ai.openai",
			"gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-11-20",
			"gen_ai.usage.input_tokens": int64(1843), "gen_ai.usage.output_tokens": int64(41),
			"gen_ai.usage.cache_read.input_tokens": int64(1536),
			"azure.openai.usage.source":            "response", "azure.openai.deployment": "gpt-4o",
			"azure.openai.region": "Sweden Central", "azure.openai.ratelimit.remaining_tokens": int64(447910),
			"azure.openai.ratelimit.remaining_requests": int64(4488),
			"azure.service.request.id":                  "6513270e-269e-4d37-b2a7-4de452e6b438",
			"ai_gateway.caller.subscription_id":         "sub-team-search",
			"http.response.status_code":                 int64(200), "server.address": "contoso-swe.openai.azure.com",
			"azure.openai.diagnostics.status": "not_found",
		}
		assertAttributes(t, want, a)
		assert.NotContains(t, a, "ai_gateway.response.body", "bodies removed after lifting")
		assert.NotContains(t, a, "azure.openai.diagnostics.duration")
		assert.Contains(t, a["url.full"], "subscription-key=REDACTED", "the key in the URL is redacted")
		noCredentialAttributes(t, a)
	})

	t.Run("02 joined, usage from the response kept", func(t *testing.T) {
		assertAttributes(t, map[string]any{
			"azure.openai.diagnostics.status":              "joined",
			"azure.openai.diagnostics.duration":            1.187,
			"azure.openai.diagnostics.operation":           "ChatCompletions_Create",
			"azure.openai.diagnostics.stream_type":         "Non-Streaming",
			"azure.openai.diagnostics.model_version":       "2025-04-14",
			"azure.openai.diagnostics.caller.object_id":    "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
			"azure.openai.diagnostics.usage.input_tokens":  int64(315),
			"azure.openai.diagnostics.usage.output_tokens": int64(38),
			"azure.openai.usage.source":                    "response",
			"gen_ai.usage.input_tokens":                    int64(312),
			"gen_ai.usage.output_tokens":                   int64(38),
			"azure.openai.region":                          "East US 2",
			"ai_gateway.caller.subscription_id":            "sub-team-support",
		}, span(recordJoined))
	})

	t.Run("04 estimate replaced by the diagnostic counts", func(t *testing.T) {
		assertAttributes(t, map[string]any{
			"azure.openai.diagnostics.status":      "joined",
			"azure.openai.diagnostics.stream_type": "Streaming",
			"azure.openai.usage.source":            "diagnostics",
			"gen_ai.usage.input_tokens":            int64(31),
			"gen_ai.usage.output_tokens":           int64(27),
			"gen_ai.request.stream":                true,
			"gen_ai.response.time_to_first_chunk":  0.3017,
		}, span(recordEstimated))
	})

	t.Run("09 prompt refused by the content filter", func(t *testing.T) {
		a := span(recordFiltered)
		assertAttributes(t, map[string]any{
			"error.type": "content_filter", "http.response.status_code": int64(400),
			"azure.openai.content_filter.filtered":   true,
			"azure.openai.content_filter.categories": []any{"jailbreak", "violence"},
		}, a)
		assert.Equal(t, ptrace.StatusCodeError, spans[recordFiltered].Status().Code())
		assert.NotContains(t, a, "gen_ai.usage.input_tokens")
	})

	// From testdata/recordings, read off the cassette by hand: the completion
	// (not the prompt) was filtered for hate; the call itself succeeded.
	t.Run("recording: completion filtered for hate", func(t *testing.T) {
		const id = "openllmetry/test_chat_content_filtering.yaml#0"
		a := span(id)
		assertAttributes(t, map[string]any{
			"gen_ai.response.model": "gpt-35-turbo", "gen_ai.response.id": "chatcmpl-9HpyGSWv1hoKdGaUaiFhfxzTEVlZo",
			"gen_ai.response.finish_reasons":          []any{"content_filter"},
			"gen_ai.usage.input_tokens":               int64(15),
			"gen_ai.usage.output_tokens":              int64(19),
			"azure.openai.content_filter.filtered":    true,
			"azure.openai.content_filter.categories":  []any{"hate"},
			"azure.openai.region":                     "East US 2",
			"azure.openai.ratelimit.remaining_tokens": int64(119984),
			"azure.service.request.id":                "6624fbc0-526e-4c5f-b98c-fb96daf3c582",
			"azure.openai.diagnostics.status":         "not_found",
		}, a)
		assert.NotContains(t, a, "error.type", "a filtered completion is not an error")
	})

	// A streamed call as the APIM policy records it by default: headers, no
	// body. Only the diagnostic log knows its tokens.
	t.Run("APIM stream without body, tokens from the diagnostic log", func(t *testing.T) {
		a := span(recordAPIMStream)
		assertAttributes(t, map[string]any{
			"azure.openai.diagnostics.status":         "joined",
			"azure.openai.diagnostics.duration":       2.95,
			"azure.openai.diagnostics.stream_type":    "Streaming",
			"azure.openai.usage.source":               "diagnostics",
			"gen_ai.usage.input_tokens":               int64(23),
			"gen_ai.usage.output_tokens":              int64(58),
			"gen_ai.request.stream":                   true,
			"gen_ai.request.max_tokens":               int64(200),
			"azure.openai.region":                     "Sweden Central",
			"azure.openai.ratelimit.remaining_tokens": int64(446800),
			"ai_gateway.caller.subscription_id":       "sub-team-search",
			"server.port":                             int64(443),
		}, a)
		assert.Equal(t, "7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f", spans[recordAPIMStream].TraceID().String(), "the caller's traceparent")
		assert.Equal(t, "2026-11-20T09:31:12.4420173Z", spans[recordAPIMStream].StartTimestamp().AsTime().UTC().Format(time.RFC3339Nano),
			"the policy's DateTime.ToString(\"o\") start time, 7 fraction digits")
	})

	t.Run("11 timeout", func(t *testing.T) {
		a := span(recordTimeout)
		assertAttributes(t, map[string]any{"error.type": "timeout", "gen_ai.operation.name": "chat"}, a)
		assert.NotContains(t, a, "http.response.status_code")
		assert.Equal(t, 120*time.Second, spans[recordTimeout].EndTimestamp().AsTime().Sub(spans[recordTimeout].StartTimestamp().AsTime()))
	})

	t.Run("12 caller from the bearer token, token dropped", func(t *testing.T) {
		a := span(recordEntraToken)
		assertAttributes(t, map[string]any{
			"ai_gateway.caller.object_id": "5b6a7c8d-9e0f-41a2-b3c4-d5e6f7a8b9c0",
			"ai_gateway.caller.app_id":    "8f3c1a52-5d0e-4d1c-9b3e-2a7d6c4e1f90",
			"ai_gateway.caller.tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
			"gen_ai.request.model":        "o4-mini",
		}, a)
		noCredentialAttributes(t, a)
	})

	// gpt-4.1-mini is provisioned in this run (50 PTUs at 1.0 per PTU-hour);
	// its capacity row: 14 900 input tokens a minute per PTU, output weight 4.
	// 1 250 input of which 1 024 cached, 64 output:
	// (1 250 − 1 024) + 64 × 4 = 226 + 256 = 482 / 14 900 PTU-minutes;
	// × 1.0 / 60 = 482 / 894 000.
	t.Run("13 second caller of the provisioned deployment", func(t *testing.T) {
		a := span(recordPTUCaller)
		assertAttributes(t, map[string]any{
			"ai_gateway.caller.subscription_id":    "sub-team-research",
			"ai_gateway.caller.object_id":          "2d4e6f80-1a3b-4c5d-8e9f-0a1b2c3d4e5f",
			"ai_gateway.caller.app_id":             "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
			"azure.openai.deployment":              "gpt-4.1-mini",
			"gen_ai.usage.input_tokens":            int64(1250),
			"gen_ai.usage.cache_read.input_tokens": int64(1024),
			"gen_ai.usage.output_tokens":           int64(64),
			"azure.openai.provisioned.units":       482.0 / 14900,
			"azure.openai.cost.amount":             482.0 / 894000,
			"azure.openai.cost.basis":              "provisioned",
		}, a)
		noCredentialAttributes(t, a)
	})
}

func assertAttributes(t *testing.T, want, got map[string]any) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !assert.True(t, ok, "attribute %s missing", k) {
			continue
		}
		if wf, isFloat := w.(float64); isFloat {
			gf, _ := g.(float64)
			assert.InDelta(t, wf, gf, 1e-9, "attribute %s", k)
			continue
		}
		assert.Equal(t, w, g, "attribute %s", k)
	}
}

// checkHistogramBuckets checks the connector used the semantic-convention
// bucket boundaries and units.
func checkHistogramBuckets(t *testing.T, metrics []pmetric.Metrics) {
	t.Helper()
	tokenBounds := []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
	durationBounds := []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
	want := map[string]struct {
		unit   string
		bounds []float64
	}{
		"gen_ai.client.token.usage":                   {"{token}", tokenBounds},
		"gen_ai.client.operation.duration":            {"s", durationBounds},
		"gen_ai.client.operation.time_to_first_chunk": {"s", durationBounds},
	}
	seen := map[string]bool{}
	for _, md := range metrics {
		for _, rm := range md.ResourceMetrics().All() {
			svc, _ := rm.Resource().Attributes().Get("service.name")
			assert.NotEmpty(t, svc.Str(), "metrics carry the gateway's service.name")
			for _, sm := range rm.ScopeMetrics().All() {
				for _, m := range sm.Metrics().All() {
					w, ok := want[m.Name()]
					if !ok {
						continue
					}
					seen[m.Name()] = true
					assert.Equal(t, w.unit, m.Unit(), m.Name())
					for _, dp := range m.Histogram().DataPoints().All() {
						assert.Equal(t, w.bounds, dp.ExplicitBounds().AsRaw(), m.Name())
						if m.Name() == "gen_ai.client.token.usage" {
							tt, _ := dp.Attributes().Get("gen_ai.token.type")
							assert.Contains(t, []string{"input", "output"}, tt.Str())
						}
						assert.False(t, math.IsNaN(dp.Sum()))
					}
				}
			}
		}
	}
	for name := range want {
		assert.True(t, seen[name], "metric %s written", name)
	}
}
