package loadtest

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.yaml.in/yaml/v3"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/collector"
)

func TestMixRecordsAreValidDistinctAndSized(t *testing.T) {
	mix, err := NewMix("../../examples/records")
	require.NoError(t, err)
	dec := exchange.NewDecoder(exchange.Options{})
	ids := map[string]bool{}
	var streamed, small int
	for n := range 100 {
		rec := mix.Record(n, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
		res, err := dec.Decode(rec, exchange.FormatJSON)
		require.NoError(t, err)
		require.Equal(t, 1, res.Accepted, "record %d: %v", n, res.Errors)
		span := res.Traces.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
		id, _ := span.Attributes().Get(recordIDAttribute)
		assert.Equal(t, mix.RecordID(n), id.Str())
		assert.Equal(t, mix.RecordID(n), recordIDOf(rec))
		assert.Contains(t, string(rec), `"apim-request-id":"`+mix.RequestID(n)+`"`)
		ids[id.Str()] = true
		if mix.Streaming(n) {
			streamed++
			assert.InDelta(t, 30_000, len(rec), 3_000, "record %d", n)
		} else {
			small++
			assert.InDelta(t, 3_000, len(rec), 500, "record %d", n)
		}
	}
	assert.Len(t, ids, 100)
	assert.Equal(t, 30, streamed)
	assert.Equal(t, 70, small)
}

func TestOTLPTranslationIsOneRequest(t *testing.T) {
	mix, err := NewMix("../../examples/records")
	require.NoError(t, err)
	body, err := NewOTLPTranslator().Translate(mix.Record(1, time.Now()))
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(body, []byte(`{"resourceSpans":[`)), "the shape replay joins batches of")
	req := ptraceotlp.NewExportRequest()
	require.NoError(t, req.UnmarshalJSON(body))
	assert.Equal(t, 1, req.Traces().SpanCount())
}

func TestConfigsRender(t *testing.T) {
	for _, p := range []ConfigParams{
		{Pipeline: Ours, MemoryLimitMiB: 512, SpikeLimitMiB: 128},
		{Pipeline: Transform, MemoryLimitMiB: 512, SpikeLimitMiB: 128},
		{Pipeline: Ours, Persistent: true, StorageDir: "/tmp/q", QueueSize: 100, Join: &JoinParams{
			Workspace: "5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f", Endpoint: "https://127.0.0.1:1", CAFile: "/tmp/ca.pem",
			Token: "t", PollInterval: time.Second, MaxWait: time.Minute, Timeout: 5 * time.Second,
		}},
	} {
		text, err := Config(p)
		require.NoError(t, err)
		var parsed map[string]any
		require.NoError(t, yaml.Unmarshal([]byte(text), &parsed), text)
		if p.Pipeline == Transform {
			statements := parsed["processors"].(map[string]any)["transform"].(map[string]any)["trace_statements"].([]any)[0].(map[string]any)["statements"].([]any)
			assert.Equal(t, transformStatements, toStrings(statements), "statements survive YAML quoting")
		}
		if p.Persistent {
			assert.Equal(t, []any{"memory_limiter", "azure_openai"}, parsed["service"].(map[string]any)["pipelines"].(map[string]any)["traces"].(map[string]any)["processors"],
				"no batch processor in front of a persistent queue: its errors would not reach the receiver")
			assert.Contains(t, text, "storage: file_storage")
		}
	}
}

func toStrings(v []any) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = s.(string)
	}
	return out
}

func TestSinkTracksRecords(t *testing.T) {
	port, err := collector.FreePort()
	require.NoError(t, err)
	sink := NewSink("127.0.0.1:"+itoa(port), true, true)
	require.NoError(t, sink.Start())
	defer sink.Stop()

	mix, err := NewMix("../../examples/records")
	require.NoError(t, err)
	res, err := exchange.NewDecoder(exchange.Options{}).Decode(mix.Record(3, time.Now()), exchange.FormatJSON)
	require.NoError(t, err)
	body, err := ptraceotlp.NewExportRequestFromTraces(res.Traces).MarshalProto()
	require.NoError(t, err)
	for range 2 {
		resp, err := http.Post("http://127.0.0.1:"+itoa(port)+"/v1/traces", "application/x-protobuf", bytes.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	assert.Equal(t, int64(2), sink.Spans())
	a := sink.Arrivals()[mix.RecordID(3)]
	assert.Equal(t, 2, a.Count)
	assert.False(t, a.IDsDiffer, "the same record is the same span")
	assert.Equal(t, int64(2), sink.KeyCounts()[recordIDAttribute])

	sink.Stop()
	_, err = http.Post("http://127.0.0.1:"+itoa(port)+"/v1/traces", "application/x-protobuf", bytes.NewReader(body))
	require.Error(t, err, "a stopped sink is a closed port")
	require.NoError(t, sink.Start(), "and it comes back on the same port")
}

func itoa(n int) string { return strconv.Itoa(n) }
