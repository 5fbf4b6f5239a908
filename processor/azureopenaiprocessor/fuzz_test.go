package azureopenaiprocessor

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/genai"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/sse"
)

// FuzzStreamReader feeds arbitrary SSE bodies to the stream reconstruction.
// Seeds: every recorded stream, plus edge shapes.
func FuzzStreamReader(f *testing.F) {
	for _, ex := range readRawExchanges(f) {
		if sse.LooksLikeStream([]byte(ex.responseBody)) {
			f.Add([]byte(ex.responseBody))
		}
	}
	f.Add([]byte(streamOfChunks(3, true)))
	f.Add([]byte("data: {\"choices\":[{\"index\":127,\"delta\":{\"tool_calls\":[{\"index\":5,\"function\":{\"arguments\":\"{\"}}]}}]}\r\r"))
	f.Add([]byte("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"hi\"}\n\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, text := range []bool{false, true} {
			var r genai.ResponseReader
			var resp genai.Response
			bad := r.ReadStream(body, text, &resp)
			resp.Finish()
			if bad < 0 || bad > resp.Chunks+1 {
				t.Fatalf("bad events %d of %d chunks", bad, resp.Chunks)
			}
			if len(resp.Choices) > genai.MaxChoices {
				t.Fatalf("%d choices kept", len(resp.Choices))
			}
			for _, c := range resp.Choices {
				if c.FinishReason == "" {
					t.Fatalf("stream choice %d without finish reason", c.Index)
				}
				if len(c.ToolCalls) > genai.MaxChoices {
					t.Fatalf("%d tool calls kept", len(c.ToolCalls))
				}
			}
		}
	})
}

// FuzzLifter runs arbitrary request and response bodies through the whole
// processor (headers, bodies, estimates, content capture). Seeds: every
// recorded exchange.
func FuzzLifter(f *testing.F) {
	for _, ex := range readRawExchanges(f) {
		f.Add(ex.url, int64(ex.status), []byte(ex.requestBody), []byte(ex.responseBody))
	}
	f.Add(chatURL, int64(200), []byte(chatRequest), []byte(chatBody))
	f.Add("https://api.openai.com/v1/responses", int64(400), []byte(`{"input":[{"type":"function_call_output","output":{"a":1}}],"instructions":"x","tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":{"a":{"type":"array","items":{"type":"string","enum":["x"]}}}}}]}`), []byte(`{"error":{"code":400}}`))

	cfg := defaultConfig()
	cfg.CaptureContent = true
	cfg.MaxContentLength = 64
	p, err := newProcessor(cfg, processortest.NewNopSettings(processortest.NopType), consumertest.NewNop())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, url string, status int64, request, response []byte) {
		td := gatewaySpan{url: url, status: status, requestBody: string(request), responseBody: string(response),
			responseHeaders: map[string]string{"x-ratelimit-remaining-tokens": string(response[:min(len(response), 12)])}}.traces()
		out, err := p.processTraces(context.Background(), td)
		if err != nil {
			t.Fatal(err)
		}
		if out.SpanCount() != 1 {
			t.Fatalf("%d spans out", out.SpanCount())
		}
		attrs := out.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
		if _, ok := attrs.Get(attrResponseBody); ok {
			t.Fatal("response body kept")
		}
	})
}
