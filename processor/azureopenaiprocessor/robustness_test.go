package azureopenaiprocessor

import (
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadatatest"
)

// Bad bodies: clear telemetry, no crash, the span passed on with what could
// be read (here: the headers and the URL).
func TestBadBodies(t *testing.T) {
	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	tests := []struct {
		name     string
		request  string
		response string
		kinds    []string
	}{
		{"response not JSON", chatRequest, "<html>502 Bad Gateway</html>", []string{"response_body"}},
		{"truncated response JSON", chatRequest, chatBody[:len(chatBody)/2], []string{"response_body"}},
		{"binary garbage both ways", string(garbage), string(garbage[:1024]), []string{"request_body", "response_body"}},
		{"truncated request JSON", chatRequest[:40], chatBody, []string{"request_body"}},
		{"trailing garbage after JSON", chatRequest, chatBody + "}}", []string{"response_body"}},
		{"JSON array instead of object", `[1,2]`, `"just a string"`, []string{"request_body", "response_body"}},
		{"stream of non-JSON events", chatRequest, "data: not json\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n", []string{"stream"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td := gatewaySpan{url: chatURL, status: 200, requestBody: tt.request, responseBody: tt.response, responseHeaders: map[string]string{"x-ms-region": "East US"}}.traces()
			span, tel := runProcessor(t, defaultConfig(), td)
			got := attrMap(span)
			assert.Equal(t, "East US", got["azure.openai.region"])
			assert.Equal(t, "chat", got["gen_ai.operation.name"])
			assert.Equal(t, "chat openllmetry-testing", span.Name())
			assert.NotContains(t, got, "ai_gateway.response.body")
			var want []metricdata.DataPoint[int64]
			for _, k := range tt.kinds {
				want = append(want, metricdata.DataPoint[int64]{Value: 1, Attributes: attribute.NewSet(attribute.String("kind", k))})
			}
			metadatatest.AssertEqualProcessorAzureOpenaiParseFailures(t, tel, want, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreValue())
			metadatatest.AssertEqualProcessorAzureOpenaiSpans(t, tel, []metricdata.DataPoint[int64]{
				{Value: 1, Attributes: attribute.NewSet(attribute.String("outcome", "lifted"))},
			}, metricdatatest.IgnoreTimestamp())
		})
	}
}

// A truncated JSON body still yields what came before the cut.
func TestTruncatedBodyKeepsWhatWasRead(t *testing.T) {
	cut := strings.Index(chatBody, `"system_fingerprint"`)
	span, _ := runProcessor(t, defaultConfig(), gatewaySpan{url: chatURL, status: 200, responseBody: chatBody[:cut]}.traces())
	got := attrMap(span)
	assert.Equal(t, "chatcmpl-DPTBV1eqAeMH82emTtQw8cSwKkPJW", got["gen_ai.response.id"])
	assert.Equal(t, "gpt-4.1-mini-2025-04-14", got["gen_ai.response.model"])
	assert.Equal(t, []any{"stop"}, got["gen_ai.response.finish_reasons"])
	assert.NotContains(t, got, "gen_ai.usage.input_tokens")
}

func TestFiftyMegabyteBody(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MB body")
	}
	// An embeddings answer with a 50 MB data array, then the usage.
	var b strings.Builder
	b.Grow(52 << 20)
	b.WriteString(`{"object":"list","data":[`)
	row := `{"object":"embedding","index":0,"embedding":[` + strings.Repeat("0.0023064255,", 1000) + `0.1]},`
	for b.Len() < 50<<20 {
		b.WriteString(row)
	}
	b.WriteString(`{"object":"embedding","index":1,"embedding":[0.5]}],"model":"ada","usage":{"prompt_tokens":8,"total_tokens":8}}`)
	body := b.String()
	require.Greater(t, len(body), 50<<20)

	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	span, tel := runProcessor(t, defaultConfig(), gatewaySpan{
		url:          "https://x.openai.azure.com/openai/deployments/ada/embeddings?api-version=2024-02-01",
		status:       200,
		requestBody:  `{"input":"hello","encoding_format":"float"}`,
		responseBody: body,
	}.traces())
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	got := attrMap(span)
	assert.Equal(t, int64(8), got["gen_ai.usage.input_tokens"])
	assert.Equal(t, "embeddings ada", span.Name())
	assert.Equal(t, []any{"float"}, got["gen_ai.request.encoding_formats"])
	assert.NotContains(t, got, "ai_gateway.response.body")
	// The body is read in place: lifting allocates far less than the body.
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20), "allocated while lifting a 50 MB body")
	_, err := tel.GetMetric("otelcol_processor_azure_openai_parse_failures")
	assert.Error(t, err, "no parse failure expected")

	// The same body cut in the middle of the data: a response_body failure.
	span, tel = runProcessor(t, defaultConfig(), gatewaySpan{url: "https://x.openai.azure.com/openai/deployments/ada/embeddings", status: 200, responseBody: body[:len(body)/2]}.traces())
	assert.Equal(t, "embeddings ada", span.Name())
	metadatatest.AssertEqualProcessorAzureOpenaiParseFailures(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("kind", "response_body"))},
	}, metricdatatest.IgnoreTimestamp())
}

// streamOfChunks builds an Azure-shaped stream of n content chunks.
func streamOfChunks(n int, usage bool) string {
	var b strings.Builder
	b.WriteString("data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"safe\"}}}]}\n\n")
	for i := 0; i < n; i++ {
		finish := "null"
		if i == n-1 {
			finish = `"stop"`
		}
		b.WriteString(`data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"}},"delta":{"content":" word"},"finish_reason":`)
		b.WriteString(finish)
		b.WriteString(`,"index":0,"logprobs":null}],"created":1780491942,"id":"chatcmpl-DmfZu2BjJmBGSSHpj9hWtFQYBUxYn","model":"gpt-4o-2024-11-20","obfuscation":"i67G4fc","object":"chat.completion.chunk","system_fingerprint":"fp_b6f445fc1c","usage":null}` + "\n\n")
	}
	if usage {
		b.WriteString(`data: {"choices":[],"id":"chatcmpl-DmfZu2BjJmBGSSHpj9hWtFQYBUxYn","model":"gpt-4o-2024-11-20","usage":{"completion_tokens":` + itoa(int64(n)) + `,"prompt_tokens":12,"total_tokens":` + itoa(int64(n+12)) + `}}` + "\n\n")
	}
	b.WriteString("data: [DONE]\n\n")
	return b.String()
}

func TestStreamOfHundredThousandChunks(t *testing.T) {
	if testing.Short() {
		t.Skip("100 000 chunks")
	}
	body := streamOfChunks(100_000, false)
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	cfg := defaultConfig()
	cfg.EstimateTokens = false
	span, _ := runProcessor(t, cfg, gatewaySpan{url: "https://x.openai.azure.com/openai/deployments/gpt-4o/chat/completions", status: 200, responseBody: body}.traces())
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	got := attrMap(span)
	assert.Equal(t, int64(100_001), got["azure.openai.stream.chunks"])
	assert.Equal(t, []any{"stop"}, got["gen_ai.response.finish_reasons"])
	assert.Equal(t, false, got["azure.openai.content_filter.filtered"])
	// Nothing is allocated per chunk: the whole stream costs less than one
	// byte of allocation per chunk.
	assert.Less(t, after.Mallocs-before.Mallocs, uint64(5_000), "allocations for a 100 000-chunk stream")

	// With estimation the text is gathered into one growing buffer and
	// tokenized once.
	span, tel := runProcessor(t, defaultConfig(), gatewaySpan{url: "https://x.openai.azure.com/openai/deployments/gpt-4o/chat/completions", status: 200, responseBody: body}.traces())
	assert.Equal(t, int64(100_000), attrMap(span)["gen_ai.usage.output_tokens"])
	assert.Equal(t, "estimate", attrMap(span)["azure.openai.usage.source"])
	metadatatest.AssertEqualProcessorAzureOpenaiTokenEstimates(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("tokenizer", "o200k_base"), attribute.String("tokenizer_from", "model"))},
	}, metricdatatest.IgnoreTimestamp())
}
