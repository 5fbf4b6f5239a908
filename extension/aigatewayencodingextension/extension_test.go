package aigatewayencodingextension

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-aoai/otelcol-aoai/extension/aigatewayencodingextension/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/extension/aigatewayencodingextension/internal/metadatatest"
)

// secret is a credential value: it must never reach a span, a log line or
// an error text.
const secret = "SECRET-0123456789"

// record returns a compact valid exchange record with the given id, carrying
// a credential header.
func record(id string) string {
	return `{"id":"` + id + `","start_time":"2026-11-20T09:14:03.120Z","duration_ms":850,` +
		`"request":{"method":"POST","url":"https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",` +
		`"headers":{"api-key":"` + secret + `","Content-Type":"application/json"},"body":{"messages":[{"role":"user","content":"Hello"}]}},` +
		`"response":{"status":200,"headers":{"apim-request-id":"req-` + id + `","x-ms-region":"Sweden Central"},` +
		`"body":{"id":"chatcmpl-1","model":"gpt-4o-2024-11-20","usage":{"prompt_tokens":8,"completion_tokens":1,"total_tokens":9}}}}`
}

// badStatusRecord is a JSON object whose response.status is a credential
// (a wrong type): an invalid_field record.
func badStatusRecord(id string) string {
	return strings.Replace(record(id), `"status":200`, `"status":"`+secret+`"`, 1)
}

func prettyRecord(t *testing.T, id string) string {
	var v any
	require.NoError(t, json.Unmarshal([]byte(record(id)), &v))
	out, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	return string(out)
}

func newTestExtension(t testing.TB, cfg *Config, tel *componenttest.Telemetry) *encodingExtension {
	t.Helper()
	set := extensiontest.NewNopSettings(metadata.Type)
	if tel != nil {
		set = metadatatest.NewSettings(tel)
	}
	ext, err := newEncodingExtension(cfg, set)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return ext
}

func recordIDs(td ptrace.Traces) []string {
	var ids []string
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, span := range ss.Spans().All() {
				id, _ := span.Attributes().Get("ai_gateway.record.id")
				ids = append(ids, id.Str())
			}
		}
	}
	return ids
}

func TestUnmarshalMessages(t *testing.T) {
	tests := []struct {
		name    string
		framing string
		message string
		wantIDs []string
		// wantErr is a substring of the error; empty: no error.
		wantErr string
	}{
		{name: "one record", message: record("a"), wantIDs: []string{"a"}},
		{name: "one record pretty-printed", message: prettyRecord(t, "a"), wantIDs: []string{"a"}},
		{name: "array", message: "[" + record("a") + "," + record("b") + "," + record("c") + "]", wantIDs: []string{"a", "b", "c"}},
		{name: "ndjson", message: record("a") + "\n" + record("b") + "\n\n" + record("c") + "\n", wantIDs: []string{"a", "b", "c"}},
		{name: "ndjson with CRLF", message: record("a") + "\r\n" + record("b") + "\r\n", wantIDs: []string{"a", "b"}},
		{name: "ndjson framing", framing: FramingNDJSON, message: record("a") + "\n" + record("b"), wantIDs: []string{"a", "b"}},
		{name: "json framing", framing: FramingJSON, message: "[" + record("a") + "]", wantIDs: []string{"a"}},

		// Partially valid messages keep their valid records.
		{name: "array with an invalid record", message: "[" + record("a") + "," + badStatusRecord("b") + "," + record("c") + "]", wantIDs: []string{"a", "c"}},
		{name: "array with a non-object", message: "[" + record("a") + `,42]`, wantIDs: []string{"a"}},
		{name: "ndjson with an invalid record", message: record("a") + "\n" + badStatusRecord("b") + "\n" + record("c"), wantIDs: []string{"a", "c"}},
		{name: "ndjson whose first line is not JSON", message: `{"id":"a",` + "\n" + record("b") + "\n" + record("c"), wantIDs: []string{"b", "c"}},
		{name: "ndjson with a line cut short", message: record("a") + "\n" + record("b")[:100] + "\n" + record("c"), wantIDs: []string{"a", "c"}},

		// Messages without a valid record are errors.
		{name: "not JSON", message: "hello", wantErr: "body is not valid JSON"},
		{name: "cut short", message: record("a")[:300], wantErr: "body is not valid JSON"},
		{name: "pretty-printed and cut short", message: prettyRecord(t, "a")[:300], wantErr: "body is not valid JSON"},
		{name: "empty", message: "", wantErr: "body holds no record"},
		{name: "blank", message: " \n\t\n", wantErr: "body holds no record"},
		{name: "empty array", message: "[]", wantErr: "body holds no record"},
		{name: "every record invalid", message: "[" + badStatusRecord("a") + "," + badStatusRecord("b") + "]",
			wantErr: "no valid record in the message (2 rejected): record 0: response.status: must be an integer 100-599"},
		{name: "every ndjson record invalid", message: badStatusRecord("a") + "\n" + badStatusRecord("b"),
			wantErr: "no valid record in the message (2 rejected): record 0: response.status"},
		{name: "json framing refuses ndjson", framing: FramingJSON, message: record("a") + "\n" + record("b"), wantErr: "body is not valid JSON"},
		{name: "ndjson framing refuses pretty-printed", framing: FramingNDJSON, message: prettyRecord(t, "a"), wantErr: "no valid record in the message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			if tt.framing != "" {
				cfg.Framing = tt.framing
			}
			ext := newTestExtension(t, cfg, nil)
			td, err := ext.UnmarshalTraces([]byte(tt.message))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.NotContains(t, err.Error(), secret)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantIDs, recordIDs(td))
			for _, rs := range td.ResourceSpans().All() {
				ss := rs.ScopeSpans().At(0)
				assert.Equal(t, metadata.ScopeName, ss.Scope().Name())
				for _, span := range ss.Spans().All() {
					assert.Equal(t, ptrace.SpanKindClient, span.Kind())
					assert.NotContains(t, span.Attributes().AsRaw(), "http.request.header.api-key")
					for _, v := range span.Attributes().All() {
						assert.NotContains(t, v.AsString(), secret)
					}
				}
			}
		})
	}
}

// TestUnmarshalKeepsNoReferenceToTheMessage: the Kafka receiver may reuse the
// message's memory once UnmarshalTraces returns.
func TestUnmarshalKeepsNoReferenceToTheMessage(t *testing.T) {
	ext := newTestExtension(t, createDefaultConfig().(*Config), nil)
	message := []byte(record("a"))
	td, err := ext.UnmarshalTraces(message)
	require.NoError(t, err)
	want := ptrace.NewTraces()
	td.CopyTo(want)
	for i := range message {
		message[i] = 'x'
	}
	assert.Equal(t, want, td)
}

func TestUnmarshalConcurrently(t *testing.T) {
	ext := newTestExtension(t, createDefaultConfig().(*Config), nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				id := strings.Repeat("g", g+1) + "-" + string(rune('a'+i%26))
				td, err := ext.UnmarshalTraces([]byte(record(id) + "\n" + record(id+"2")))
				if assert.NoError(t, err) {
					assert.Equal(t, []string{id, id + "2"}, recordIDs(td))
				}
			}
		})
	}
	wg.Wait()
}

func TestRecordSettingsApply(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.RedactHeaders = []string{"X-MS-Region"}
	cfg.DropBodies = true
	ext := newTestExtension(t, cfg, nil)
	td, err := ext.UnmarshalTraces([]byte(record("a")))
	require.NoError(t, err)
	attrs := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().AsRaw()
	assert.NotContains(t, attrs, "http.response.header.x-ms-region")
	assert.NotContains(t, attrs, "ai_gateway.request.body")
	assert.NotContains(t, attrs, "ai_gateway.response.body")
	assert.Contains(t, attrs, "http.response.header.apim-request-id")
	assert.Contains(t, attrs, "http.request.body.size")
}

func TestTelemetryCountsMessagesAndRecords(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	ext := newTestExtension(t, createDefaultConfig().(*Config), tel)

	for _, message := range []string{
		record("a"), // decoded
		"[" + record("b") + "," + record("c") + "]",                // decoded
		record("d") + "\n" + badStatusRecord("e") + "\n" + "{oops", // partial: 1 kept, 2 left out
		"not json",                       // rejected
		"[" + badStatusRecord("f") + "]", // rejected: 1 invalid record
	} {
		_, _ = ext.UnmarshalTraces([]byte(message))
	}

	opts := []metricdatatest.Option{metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars()}
	metadatatest.AssertEqualExtensionAiGatewayEncodingMessages(t, tel, []metricdata.DataPoint[int64]{
		{Value: 2, Attributes: attribute.NewSet(attribute.String("outcome", "decoded"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("outcome", "partial"))},
		{Value: 2, Attributes: attribute.NewSet(attribute.String("outcome", "rejected"))},
	}, opts...)
	metadatatest.AssertEqualExtensionAiGatewayEncodingRecordsDecoded(t, tel, []metricdata.DataPoint[int64]{{Value: 4}}, opts...)
	metadatatest.AssertEqualExtensionAiGatewayEncodingRecordsRejected(t, tel, []metricdata.DataPoint[int64]{
		{Value: 2, Attributes: attribute.NewSet(attribute.String("reason", "invalid_field"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", "invalid_json"))},
	}, opts...)
}

func TestPartialMessagesWarnAtARateLimit(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	clock := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	ext := newTestExtension(t, createDefaultConfig().(*Config), nil)
	ext.warnings = newRateLimitedWarnings(zap.New(core), func() time.Time { return clock })

	partial := []byte(record("a") + "\n" + badStatusRecord("b"))
	for _, step := range []time.Duration{0, time.Second, 5 * time.Second, 10 * time.Second} {
		clock = clock.Add(step)
		_, err := ext.UnmarshalTraces(partial)
		require.NoError(t, err)
	}
	// A message without any valid record is the caller's to log (it gets an
	// error); it does not warn here.
	_, err := ext.UnmarshalTraces([]byte("not json"))
	require.Error(t, err)

	entries := logs.All()
	require.Len(t, entries, 2, "at 0s, then held back at 1s and 6s, then at 16s")
	for i, suppressed := range []int64{0, 2} {
		fields := entries[i].ContextMap()
		assert.Equal(t, int64(1), fields["records_kept"])
		assert.Equal(t, int64(1), fields["records_left_out"])
		assert.Equal(t, "record 1: response.status: must be an integer 100-599", fields["first_error"])
		assert.Equal(t, suppressed, fields["similar_warnings_suppressed"])
		assert.NotContains(t, entries[i].Message+fields["first_error"].(string), secret)
	}
}
