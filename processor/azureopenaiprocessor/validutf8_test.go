package azureopenaiprocessor

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// invalidStrings lists every string of the traces that is not valid UTF-8:
// resource and scope, span names, trace states, status messages, attribute
// keys and values (nested too), events and links.
func invalidStrings(td ptrace.Traces) []string {
	var bad []string
	check := func(what, s string) {
		if !utf8.ValidString(s) {
			bad = append(bad, what+": "+s)
		}
	}
	var value func(what string, v pcommon.Value)
	attrs := func(what string, m pcommon.Map) {
		m.Range(func(k string, v pcommon.Value) bool {
			check(what+" key", k)
			value(what+" "+k, v)
			return true
		})
	}
	value = func(what string, v pcommon.Value) {
		switch v.Type() {
		case pcommon.ValueTypeStr:
			check(what, v.Str())
		case pcommon.ValueTypeSlice:
			for i := 0; i < v.Slice().Len(); i++ {
				value(what, v.Slice().At(i))
			}
		case pcommon.ValueTypeMap:
			attrs(what, v.Map())
		}
	}
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		attrs("resource", rs.Resource().Attributes())
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			check("scope name", ss.Scope().Name())
			check("scope version", ss.Scope().Version())
			attrs("scope", ss.Scope().Attributes())
			for k := 0; k < ss.Spans().Len(); k++ {
				span := ss.Spans().At(k)
				check("span name", span.Name())
				check("trace state", span.TraceState().AsRaw())
				check("status message", span.Status().Message())
				attrs("span", span.Attributes())
				for e := 0; e < span.Events().Len(); e++ {
					check("event name", span.Events().At(e).Name())
					attrs("event", span.Events().At(e).Attributes())
				}
				for l := 0; l < span.Links().Len(); l++ {
					check("link trace state", span.Links().At(l).TraceState().AsRaw())
					attrs("link", span.Links().At(l).Attributes())
				}
			}
		}
	}
	return bad
}

// TestOutputIsValidUTF8: model names and ids read from a body with invalid
// bytes (body_base64 can hold any), and strings a sender passed in, leave
// the processor as valid UTF-8, each replacement counted.
func TestOutputIsValidUTF8(t *testing.T) {
	request := `{"model":"gpt-4o` + "\xff" + `","messages":[{"role":"user","content":"hi"}],"stop":["a` + "\xfe" + `"]}`
	response := `{"id":"chatcmpl-` + "\xc3" + `","model":"gpt-4o-2024` + "\x80" + `","choices":[{"index":0,"finish_reason":"st` + "\xff" + `op","message":{"role":"assistant","content":"x"}}],"usage":{"prompt_tokens":1,"completion_tokens":2}}`
	td := gatewaySpan{url: "https://api.openai.com/v1/chat/completions", status: 200, requestBody: request, responseBody: response}.traces()
	rs := td.ResourceSpans().At(0)
	rs.Resource().Attributes().PutStr("service.name", "svc\xff")
	rs.ScopeSpans().At(0).Scope().SetName("scope\xfe")
	span := rs.ScopeSpans().At(0).Spans().At(0)
	span.Attributes().PutEmptySlice("http.request.header.x-note").AppendEmpty().SetStr("n\xffote")
	span.Attributes().PutStr("key\xff", "v")
	span.Status().SetMessage("bad\xff")
	ev := span.Events().AppendEmpty()
	ev.SetName("ev\xff")
	ev.Attributes().PutEmptyMap("m").PutStr("k", "v\xff")
	span.Links().AppendEmpty().Attributes().PutStr("l", "\xff")
	require.NotEmpty(t, invalidStrings(td), "the input has invalid strings")

	out, tel := runProcessor(t, defaultConfig(), td)
	result := ptrace.NewTraces()
	rs.Resource().CopyTo(result.ResourceSpans().AppendEmpty().Resource())
	ss := result.ResourceSpans().At(0).ScopeSpans().AppendEmpty()
	rs.ScopeSpans().At(0).Scope().CopyTo(ss.Scope())
	out.CopyTo(ss.Spans().AppendEmpty())
	assert.Empty(t, invalidStrings(result))

	got := attrMap(out)
	assert.Equal(t, "chat gpt-4o\uFFFD", out.Name())
	assert.Equal(t, "gpt-4o\uFFFD", got["gen_ai.request.model"])
	assert.Equal(t, "chatcmpl-\uFFFD", got["gen_ai.response.id"])
	assert.Equal(t, []any{"st\uFFFDop"}, got["gen_ai.response.finish_reasons"])
	assert.Equal(t, "v", got["key\uFFFD"])

	m, err := tel.GetMetric("otelcol_processor_azure_openai_invalid_utf8")
	require.NoError(t, err)
	var n int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		n += dp.Value
	}
	// Span name, request model, response model, id, finish reason, stop
	// sequence, header value, key, status message, event name, event map
	// value, link value, resource and scope.
	assert.Equal(t, int64(14), n)
}

// A span the conditions leave alone keeps its bodies, which scan does not
// read: the UTF-8 pass must still reach them.
func TestSkippedSpanBodiesAreMadeValidUTF8(t *testing.T) {
	cfg := defaultConfig()
	cfg.Conditions = []string{`attributes["no.such.attribute"] == "x"`}
	td := gatewaySpan{url: "https://api.openai.com/v1/chat/completions", status: 200,
		requestBody: `{"model":"a` + "\xff" + `"}`, responseBody: `{"id":"b` + "\xfe" + `"}`}.traces()
	out, _ := runProcessor(t, cfg, td)
	got := attrMap(out)
	assert.NotContains(t, got, "gen_ai.request.model", "the span was not lifted")
	assert.Equal(t, `{"model":"a`+"\uFFFD"+`"}`, got["ai_gateway.request.body"])
	assert.Equal(t, `{"id":"b`+"\uFFFD"+`"}`, got["ai_gateway.response.body"])
}
