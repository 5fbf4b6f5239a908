package azureopenaiprocessor

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"
)

// FuzzOutputIsValidUTF8 runs arbitrary bodies, header values, names and
// messages (any bytes) through the processor and checks that every string
// of the output is valid UTF-8. Seeds: every recorded exchange, and the
// invalid shapes of TestOutputIsValidUTF8.
func FuzzOutputIsValidUTF8(f *testing.F) {
	for _, ex := range readRawExchanges(f) {
		f.Add(ex.url, int64(ex.status), []byte(ex.requestBody), []byte(ex.responseBody), "")
	}
	f.Add(chatURL, int64(200), []byte(`{"model":"gpt-4o`+"\xff"+`"}`), []byte(`{"id":"x`+"\xc3"+`","model":"m`+"\x80"+`","choices":[{"finish_reason":"s`+"\xfe"+`"}]}`), "n\xffote")
	f.Add("https://api.openai.com/v1/responses", int64(400), []byte(`{"model":"\ud800"}`), []byte(`{"error":{"code":"c`+"\xff"+`"}}`), "\xed\xa0\x80")

	cfg := defaultConfig()
	cfg.CaptureContent = true
	cfg.MaxContentLength = 64
	p, err := newProcessor(cfg, processortest.NewNopSettings(processortest.NopType), consumertest.NewNop())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, url string, status int64, request, response []byte, extra string) {
		td := gatewaySpan{url: url, status: status, requestBody: string(request), responseBody: string(response),
			responseHeaders: map[string]string{"x-ms-region": extra, "x-ms-served-model": extra, "x-ms-deployment-name": extra, "apim-request-id": extra}}.traces()
		rs := td.ResourceSpans().At(0)
		rs.Resource().Attributes().PutStr("service.name", extra)
		span := rs.ScopeSpans().At(0).Spans().At(0)
		span.Status().SetMessage(extra)
		span.Attributes().PutStr(extra, extra)
		ev := span.Events().AppendEmpty()
		ev.SetName(extra)
		ev.Attributes().PutEmptySlice("s").AppendEmpty().SetStr(extra)
		out, err := p.processTraces(context.Background(), td)
		if err != nil {
			t.Fatal(err)
		}
		if bad := invalidStrings(out); len(bad) > 0 {
			t.Fatalf("invalid UTF-8 left: %q", bad)
		}
	})
}
