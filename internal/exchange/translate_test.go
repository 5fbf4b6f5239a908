package exchange

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

const fullRecord = `{
  "version": 1,
  "id": "0f5c8d4e-7f3b-4a55-9a43-1c2d3e4f5a6b",
  "start_time": "2026-11-20T09:14:03.120Z",
  "end_time": "2026-11-20T09:14:05.870Z",
  "time_to_first_byte_ms": 412.5,
  "gateway": {"name": "apim-contoso", "region": "West Europe", "instance": "apim-contoso-weu-01"},
  "caller": {"ip": "203.0.113.7", "subscription_id": "sub-team-search", "subscription_name": "search",
             "product": "genai-standard", "user_id": "u-1"},
  "request": {
    "method": "POST",
    "url": "https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
    "headers": {"Content-Type": "application/json", "X-Multi": ["a", "b"], "x-multi": "c"},
    "body": "{\"messages\":[],\"stream\":true}"
  },
  "response": {
    "status": 200,
    "headers": {"apim-request-id": "a1", "x-ms-region": "Sweden Central", "Content-Length": "999"},
    "body": {"object": "chat.completion"},
    "body_truncated": true
  }
}`

func decodeOne(t *testing.T, opts Options, record string) ptrace.Span {
	t.Helper()
	res, err := NewDecoder(opts).Decode([]byte(record), FormatJSON)
	require.NoError(t, err)
	require.Equal(t, 1, res.Accepted, "%v", res.Errors)
	return res.Traces.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
}

func strSlice(t *testing.T, attrs pcommon.Map, key string) []any {
	t.Helper()
	v, ok := attrs.Get(key)
	require.True(t, ok, key)
	require.Equal(t, pcommon.ValueTypeSlice, v.Type(), key)
	return v.Slice().AsRaw()
}

func TestTranslateFullRecord(t *testing.T) {
	res, err := NewDecoder(Options{ScopeName: "scope", ScopeVersion: "1"}).Decode([]byte(fullRecord), FormatJSON)
	require.NoError(t, err)
	rs := res.Traces.ResourceSpans().At(0)
	assert.Equal(t, map[string]any{
		"service.name": "apim-contoso", "cloud.region": "West Europe", "service.instance.id": "apim-contoso-weu-01",
	}, rs.Resource().Attributes().AsRaw())
	assert.Equal(t, "scope", rs.ScopeSpans().At(0).Scope().Name())
	span := rs.ScopeSpans().At(0).Spans().At(0)

	assert.Equal(t, "POST /openai/deployments/{deployment}/chat/completions", span.Name())
	assert.Equal(t, ptrace.SpanKindClient, span.Kind())
	assert.Equal(t, ptrace.StatusCodeUnset, span.Status().Code())
	assert.Equal(t, "2026-11-20T09:14:03.12Z", span.StartTimestamp().AsTime().Format("2006-01-02T15:04:05.999Z07:00"))
	assert.Equal(t, int64(2750), span.EndTimestamp().AsTime().Sub(span.StartTimestamp().AsTime()).Milliseconds())
	assert.True(t, span.ParentSpanID().IsEmpty())

	attrs := span.Attributes()
	raw := attrs.AsRaw()
	assert.Equal(t, "POST", raw["http.request.method"])
	assert.Equal(t, "https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", raw["url.full"])
	assert.Equal(t, "/openai/deployments/gpt-4o/chat/completions", raw["url.path"])
	assert.Equal(t, "contoso.openai.azure.com", raw["server.address"])
	assert.Equal(t, int64(443), raw["server.port"])
	assert.Equal(t, int64(200), raw["http.response.status_code"])
	assert.Equal(t, int64(len(`{"messages":[],"stream":true}`)), raw["http.request.body.size"])
	assert.Equal(t, int64(999), raw["http.response.body.size"], "a truncated body's size comes from Content-Length")
	assert.Equal(t, "203.0.113.7", raw["client.address"])
	assert.Equal(t, "u-1", raw["user.id"])
	assert.Equal(t, "sub-team-search", raw["ai_gateway.caller.subscription_id"])
	assert.Equal(t, "search", raw["ai_gateway.caller.subscription_name"])
	assert.Equal(t, "genai-standard", raw["ai_gateway.caller.product"])
	assert.Equal(t, "0f5c8d4e-7f3b-4a55-9a43-1c2d3e4f5a6b", raw["ai_gateway.record.id"])
	assert.InDelta(t, 412.5, raw["ai_gateway.response.time_to_first_byte_ms"], 0)
	assert.Equal(t, `{"messages":[],"stream":true}`, raw["ai_gateway.request.body"])
	assert.Equal(t, `{"object": "chat.completion"}`, raw["ai_gateway.response.body"], "a JSON value body is kept as its JSON text")
	assert.Equal(t, true, raw["ai_gateway.response.body_truncated"])
	assert.NotContains(t, raw, "ai_gateway.request.body_truncated")
	assert.NotContains(t, raw, "error.type")

	assert.Equal(t, []any{"application/json"}, strSlice(t, attrs, "http.request.header.content-type"))
	assert.Equal(t, []any{"a", "b", "c"}, strSlice(t, attrs, "http.request.header.x-multi"), "names differing in case are one header")
	assert.Equal(t, []any{"Sweden Central"}, strSlice(t, attrs, "http.response.header.x-ms-region"))
	assert.Equal(t, []any{"a1"}, strSlice(t, attrs, "http.response.header.apim-request-id"))
}

func TestTranslateIDs(t *testing.T) {
	record := func(extra string) string {
		return `{` + extra + `"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://h/p",` +
			`"headers":{"traceparent":"00-11111111111111111111111111111111-2222222222222222-01","tracestate":"k=v"}},` +
			`"response":{"status":200,"headers":{"apim-request-id":"apim-1"}}}`
	}
	t.Run("same id, same span", func(t *testing.T) {
		a := decodeOne(t, Options{}, record(`"id":"r1",`))
		b := decodeOne(t, Options{}, record(`"id":"r1",`))
		c := decodeOne(t, Options{}, record(`"id":"r2",`))
		assert.Equal(t, a.SpanID(), b.SpanID())
		assert.NotEqual(t, a.SpanID(), c.SpanID())
	})
	t.Run("header traceparent links", func(t *testing.T) {
		span := decodeOne(t, Options{}, record(`"id":"r1",`))
		assert.Equal(t, "11111111111111111111111111111111", span.TraceID().String())
		assert.Equal(t, "2222222222222222", span.ParentSpanID().String())
		assert.Equal(t, "k=v", span.TraceState().AsRaw())
		assert.Equal(t, uint32(1), span.Flags())
	})
	t.Run("record traceparent wins over the header", func(t *testing.T) {
		span := decodeOne(t, Options{}, record(`"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",`))
		assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", span.TraceID().String())
		assert.Equal(t, "00f067aa0ba902b7", span.ParentSpanID().String())
	})
	t.Run("apim-request-id when no id", func(t *testing.T) {
		a := decodeOne(t, Options{}, record(``))
		_, sid := derivedIDs("apim-1")
		assert.Equal(t, sid, a.SpanID())
	})
	t.Run("without traceparent the trace id is derived too", func(t *testing.T) {
		r := `{"id":"r9","start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://h/p","headers":{"traceparent":"garbage"}},"response":{"status":200}}`
		a := decodeOne(t, Options{}, r)
		tid, sid := derivedIDs("r9")
		assert.Equal(t, tid, a.TraceID())
		assert.Equal(t, sid, a.SpanID())
		assert.True(t, a.ParentSpanID().IsEmpty(), "a bad caller header only means no parent")
	})
	t.Run("random ids without any id", func(t *testing.T) {
		r := `{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://h/p"},"response":{"status":200}}`
		a, b := decodeOne(t, Options{}, r), decodeOne(t, Options{}, r)
		assert.NotEqual(t, a.SpanID(), b.SpanID())
		assert.False(t, a.TraceID().IsEmpty())
	})
}

func TestTranslateStatusAndErrors(t *testing.T) {
	base := `"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://h/p"}`
	tests := []struct {
		name, record, errorType, message string
		code                             ptrace.StatusCode
	}{
		{"429", `{` + base + `,"response":{"status":429}}`, "429", "", ptrace.StatusCodeError},
		{"404", `{` + base + `,"response":{"status":404}}`, "404", "", ptrace.StatusCodeError},
		{"200", `{` + base + `,"response":{"status":200}}`, "", "", ptrace.StatusCodeUnset},
		{"timeout", `{` + base + `,"error":"timeout: backend did not answer within 120 s"}`, "timeout", "timeout: backend did not answer within 120 s", ptrace.StatusCodeError},
		{"reset", `{` + base + `,"error":"read tcp: connection reset by peer"}`, "connection_reset", "read tcp: connection reset by peer", ptrace.StatusCodeError},
		{"other", `{` + base + `,"error":"backend said no"}`, "_OTHER", "backend said no", ptrace.StatusCodeError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			span := decodeOne(t, Options{}, tt.record)
			assert.Equal(t, tt.code, span.Status().Code())
			assert.Equal(t, tt.message, span.Status().Message())
			v, ok := span.Attributes().Get("error.type")
			require.Equal(t, tt.errorType != "", ok)
			if ok {
				assert.Equal(t, tt.errorType, v.Str())
			}
		})
	}
}

func TestTranslateOptionsAndBodies(t *testing.T) {
	record := `{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,` +
		`"request":{"method":"post","url":"http://[::1]:8080/openai/deployments/d","headers":{"X-Keep":"1","X-Drop":"2","X-Internal-Token":"t0ps3cret"},"body_base64":"aGVsbG8="},` +
		`"response":{"status":200,"headers":{"x-ms-region":"r"},"body_base64":"/wA="}}`
	t.Run("capture list, redact list, bodies", func(t *testing.T) {
		span := decodeOne(t, Options{RecordConfig: RecordConfig{CaptureHeaders: []string{"x-keep", "X-MS-Region", "x-internal-token"}, RedactHeaders: []string{"X-Internal-Token"}}}, record)
		raw := span.Attributes().AsRaw()
		assert.Contains(t, raw, "http.request.header.x-keep")
		assert.Contains(t, raw, "http.response.header.x-ms-region")
		assert.NotContains(t, raw, "http.request.header.x-drop")
		assert.NotContains(t, raw, "http.request.header.x-internal-token", "redaction wins over capture")
		assert.Equal(t, "hello", raw["ai_gateway.request.body"], "base64 text becomes a string")
		v, _ := span.Attributes().Get("ai_gateway.response.body")
		assert.Equal(t, pcommon.ValueTypeBytes, v.Type(), "bytes that are not UTF-8 stay bytes")
		assert.Equal(t, []byte{0xff, 0}, v.Bytes().AsRaw())
		assert.Equal(t, int64(2), raw["http.response.body.size"])
		assert.Equal(t, "_OTHER", raw["http.request.method"])
		assert.Equal(t, "post", raw["http.request.method_original"])
		assert.Equal(t, "HTTP /openai/deployments/{deployment}", span.Name())
		assert.Equal(t, "::1", raw["server.address"])
		assert.Equal(t, int64(8080), raw["server.port"])
	})
	t.Run("drop bodies keeps sizes", func(t *testing.T) {
		span := decodeOne(t, Options{RecordConfig: RecordConfig{DropBodies: true}}, record)
		raw := span.Attributes().AsRaw()
		assert.NotContains(t, raw, "ai_gateway.request.body")
		assert.NotContains(t, raw, "ai_gateway.response.body")
		assert.Equal(t, int64(5), raw["http.request.body.size"])
	})
}

func TestTranslateGroupsByGateway(t *testing.T) {
	rec := func(gw string) string {
		return `{"gateway":` + gw + `,"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://h/p"},"response":{"status":200}}`
	}
	body := "[" + rec(`{"name":"a"}`) + "," + rec(`{"name":"b","region":"r"}`) + "," + rec(`{"name":"a"}`) + "," + rec(`null`) + "]"
	res, err := NewDecoder(Options{}).Decode([]byte(body), FormatJSON)
	require.NoError(t, err)
	require.Equal(t, 3, res.Traces.ResourceSpans().Len())
	names := map[string]int{}
	for i := range res.Traces.ResourceSpans().Len() {
		rs := res.Traces.ResourceSpans().At(i)
		name, _ := rs.Resource().Attributes().Get("service.name")
		names[name.Str()] = rs.ScopeSpans().At(0).Spans().Len()
	}
	assert.Equal(t, map[string]int{"a": 2, "b": 1, DefaultServiceName: 1}, names)
}

// TestTranslateDefaultPort: a URL that spells out its scheme's default port
// (API Management's IUrl gives host and port apart, so a policy may write
// https://host:443/) gives url.full without it; server.port still says 443.
func TestTranslateDefaultPort(t *testing.T) {
	span := decodeOne(t, Options{}, `{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,`+
		`"request":{"method":"POST","url":"https://contoso.openai.azure.com:443/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"},`+
		`"response":{"status":200}}`)
	raw := span.Attributes().AsRaw()
	assert.Equal(t, "https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", raw["url.full"])
	assert.Equal(t, "contoso.openai.azure.com", raw["server.address"])
	assert.Equal(t, int64(443), raw["server.port"])
}
