package join

import (
	"context"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// TestHeldSpansDoNotPinTheRequestBody: the receiver's spans hold substrings
// of the body they arrived in. A held span must not, or each pending span
// keeps its whole request alive for minutes (the soak measured 18-25 KB of
// RSS per pending span before this).
func TestHeldSpansDoNotPinTheRequestBody(t *testing.T) {
	h := newHarness(t)
	requestID := key(1)
	body := strings.Repeat("x", 64<<10) + `{"gen_ai.request.model":"gpt-4o","id":"` + requestID + `","gateway":"apim-contoso","msg":"ok","tool":"lookup"}`
	within := func(s string) bool {
		if s == "" {
			return false
		}
		p, b := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(body)))
		return p >= b && p < b+uintptr(len(body))
	}
	sub := func(s string) string {
		i := strings.Index(body, s)
		require.GreaterOrEqual(t, i, 0)
		return body[i : i+len(s)]
	}

	td := spansFor(t0, requestID)
	rs := td.ResourceSpans().At(0)
	rs.Resource().Attributes().PutStr("service.name", sub("apim-contoso"))
	span := rs.ScopeSpans().At(0).Spans().At(0)
	span.SetName(sub("gpt-4o"))
	span.Attributes().PutStr(attrRequestID, sub(requestID))
	span.Attributes().PutStr("gen_ai.request.model", sub("gpt-4o"))
	span.Attributes().PutEmptySlice("http.response.header.x-note").AppendEmpty().SetStr(sub("ok"))
	span.Attributes().PutEmptyMap("nested").PutStr("tool", sub("lookup"))
	span.Status().SetMessage(sub("ok"))
	event := span.Events().AppendEmpty()
	event.SetName(sub("lookup"))
	event.Attributes().PutStr("msg", sub("ok"))
	require.True(t, within(span.Name()), "the test's strings point into the body")

	out := h.admit(context.Background(), td)
	require.Equal(t, 0, out.SpanCount(), "the span is held")

	h.joiner.mu.Lock()
	defer h.joiner.mu.Unlock()
	ps := h.joiner.buffer.peek(requestID)
	require.NotNil(t, ps)
	assert.False(t, within(ps.span().Name()), "span name")
	assert.False(t, within(ps.span().Status().Message()), "status message")
	assert.False(t, within(ps.span().Events().At(0).Name()), "event name")
	var pinned []string
	walk := func(m pcommon.Map) {
		var value func(path string, v pcommon.Value)
		value = func(path string, v pcommon.Value) {
			switch v.Type() {
			case pcommon.ValueTypeStr:
				if within(v.Str()) {
					pinned = append(pinned, path)
				}
			case pcommon.ValueTypeSlice:
				for i := 0; i < v.Slice().Len(); i++ {
					value(path+"[]", v.Slice().At(i))
				}
			case pcommon.ValueTypeMap:
				for k, mv := range v.Map().All() {
					value(path+"."+k, mv)
				}
			}
		}
		for k, v := range m.All() {
			value(k, v)
		}
	}
	walk(ps.span().Attributes())
	walk(ps.span().Events().At(0).Attributes())
	walk(ps.origin().resource.Attributes())
	assert.Empty(t, pinned, "attributes still pointing into the request body")
	assert.Equal(t, "lookup", ps.span().Attributes().AsRaw()["nested"].(map[string]any)["tool"], "values are kept")
}
