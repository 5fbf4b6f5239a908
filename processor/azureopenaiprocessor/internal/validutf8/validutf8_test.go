package validutf8

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestFix(t *testing.T) {
	s := "plain ascii and ünïcödé"
	got, bad := Fix(s)
	assert.False(t, bad)
	assert.Equal(t, unsafe.StringData(s), unsafe.StringData(got), "a valid string is not copied")
	got, bad = Fix("a\xff\xfeb\xc3")
	assert.True(t, bad)
	assert.Equal(t, "a\uFFFDb\uFFFD", got)
}

func TestSpanAndMap(t *testing.T) {
	span := ptrace.NewSpan()
	span.SetName("n\xff")
	span.Status().SetMessage("m\xff")
	span.Attributes().PutStr("ok", "fine")
	span.Attributes().PutStr("k\xff", "v\xff")
	span.Attributes().PutStr("k\uFFFD", "kept")
	span.Attributes().PutStr("x\xfe", "moved")
	span.Attributes().PutEmptySlice("s").AppendEmpty().SetStr("\xc3")
	span.Attributes().PutEmptyBytes("b").FromRaw([]byte{0xff})
	span.Events().AppendEmpty().SetName("e\xff")
	span.Links().AppendEmpty().Attributes().PutEmptyMap("m").PutStr("k", "\xff")
	assert.Equal(t, 8, Span(span)) // name, status, two keys, one value, slice, event, link
	assert.Equal(t, "n\uFFFD", span.Name())
	assert.Equal(t, "m\uFFFD", span.Status().Message())
	assert.Equal(t, map[string]any{
		"ok": "fine", "k\uFFFD": "kept", "x\uFFFD": "moved", "s": []any{"\uFFFD"}, "b": []byte{0xff},
	}, span.Attributes().AsRaw())
	assert.Equal(t, "e\uFFFD", span.Events().At(0).Name())
	assert.Equal(t, 0, Span(span), "nothing left to fix")

	scope := pcommon.NewInstrumentationScope()
	scope.SetName("s\xff")
	scope.SetVersion("1\xff")
	assert.Equal(t, 2, Scope(scope))
	res := pcommon.NewResource()
	res.Attributes().PutStr("service.name", "\xff")
	assert.Equal(t, 1, Resource(res))
}

func BenchmarkSpanValid(b *testing.B) {
	span := ptrace.NewSpan()
	span.SetName("chat gpt-4o")
	for _, k := range []string{"gen_ai.request.model", "gen_ai.response.id", "url.full", "server.address", "http.request.method", "azure.openai.region"} {
		span.Attributes().PutStr(k, "https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions")
	}
	for _, k := range []string{"http.response.header.x-ms-region", "http.response.header.apim-request-id", "http.response.header.x-ratelimit-remaining-tokens"} {
		span.Attributes().PutEmptySlice(k).AppendEmpty().SetStr("7ecdf80d-2467-4b83-aaf7-5a6ddb87041f")
	}
	b.ReportAllocs()
	for b.Loop() {
		Span(span)
	}
}
