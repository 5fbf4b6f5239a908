package azureopenaiprocessor

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadatatest"
)

// A 2026 Azure chat completion (openllmetry test_chat.yaml, interaction 2).
const (
	chatURL     = "https://traceloop-stg.openai.azure.com/openai/deployments/openllmetry-testing/chat/completions?api-version=2024-02-01"
	chatRequest = `{"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Tell me a joke about opentelemetry"}],"model":"openllmetry-testing","max_completion_tokens":300,"temperature":0.2,"top_p":0.9,"seed":42,"n":1,"stop":["\n\n"],"frequency_penalty":0.1,"presence_penalty":0,"response_format":{"type":"json_object"},"service_tier":"auto"}`
	chatBody    = `{"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"}},"finish_reason":"stop","index":0,"logprobs":null,"message":{"annotations":[],"content":"Why did the developer break up with OpenTelemetry?\n\nBecause it kept tracing all their moves!","refusal":null,"role":"assistant"}}],"created":1774962757,"id":"chatcmpl-DPTBV1eqAeMH82emTtQw8cSwKkPJW","model":"gpt-4.1-mini-2025-04-14","object":"chat.completion","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"detected":false,"filtered":false}}}],"system_fingerprint":"fp_b6f445fc1c","usage":{"completion_tokens":19,"completion_tokens_details":{"accepted_prediction_tokens":0,"audio_tokens":0,"reasoning_tokens":3,"rejected_prediction_tokens":0},"prompt_tokens":16,"prompt_tokens_details":{"audio_tokens":0,"cached_tokens":5},"total_tokens":35}}`
)

var chatHeaders = map[string]string{
	"apim-request-id":                "7ecdf80d-2467-4b83-aaf7-5a6ddb87041f",
	"azureml-model-session":          "d20260330170902-0e618f323d34",
	"x-ms-deployment-name":           "openllmetry-testing",
	"x-ms-is-spilled-over":           "false",
	"x-ms-rai-invoked":               "true",
	"x-ms-region":                    "East US 2",
	"x-ratelimit-limit-requests":     "120",
	"x-ratelimit-limit-tokens":       "120000",
	"x-ratelimit-remaining-requests": "119",
	"x-ratelimit-remaining-tokens":   "-1",
	"x-ratelimit-reset-requests":     "500",
	"x-ratelimit-reset-tokens":       "7",
	"x-request-id":                   "66b28ee8-30de-423e-8c46-125b015dd603",
	"retry-after-ms":                 "1500",
	"retry-after":                    "9",
	"openai-processing-ms":           "488.6886",
	"cmp-upstream-response-duration": "516",
	"x-envoy-upstream-service-time":  "552",
}

func TestLiftNonStreamingChat(t *testing.T) {
	td := gatewaySpan{url: chatURL, status: 200, requestBody: chatRequest, responseBody: chatBody, responseHeaders: chatHeaders}.traces()
	span, tel := runProcessor(t, defaultConfig(), td)

	assert.Equal(t, "chat openllmetry-testing", span.Name())
	assert.Equal(t, ptrace.StatusCodeUnset, span.Status().Code())
	got := attrMap(span)
	want := map[string]any{
		"gen_ai.provider.name":                      "azure.ai.openai",
		"gen_ai.operation.name":                     "chat",
		"gen_ai.request.model":                      "openllmetry-testing",
		"gen_ai.response.model":                     "gpt-4.1-mini-2025-04-14",
		"gen_ai.response.id":                        "chatcmpl-DPTBV1eqAeMH82emTtQw8cSwKkPJW",
		"gen_ai.response.finish_reasons":            []any{"stop"},
		"gen_ai.usage.input_tokens":                 int64(16),
		"gen_ai.usage.output_tokens":                int64(19),
		"gen_ai.usage.cache_read.input_tokens":      int64(5),
		"gen_ai.usage.reasoning.output_tokens":      int64(3),
		"gen_ai.request.max_tokens":                 int64(300),
		"gen_ai.request.temperature":                0.2,
		"gen_ai.request.top_p":                      0.9,
		"gen_ai.request.seed":                       int64(42),
		"gen_ai.request.stop_sequences":             []any{"\n\n"},
		"gen_ai.request.frequency_penalty":          0.1,
		"gen_ai.request.presence_penalty":           0.0,
		"gen_ai.output.type":                        "json",
		"azure.resource_provider.namespace":         "Microsoft.CognitiveServices",
		"azure.service.request.id":                  "7ecdf80d-2467-4b83-aaf7-5a6ddb87041f",
		"azure.openai.deployment":                   "openllmetry-testing",
		"azure.openai.region":                       "East US 2",
		"azure.openai.request_id":                   "66b28ee8-30de-423e-8c46-125b015dd603",
		"azure.openai.model_session":                "d20260330170902-0e618f323d34",
		"azure.openai.rai_invoked":                  true,
		"azure.openai.spilled_over":                 false,
		"azure.openai.ratelimit.limit_requests":     int64(120),
		"azure.openai.ratelimit.limit_tokens":       int64(120000),
		"azure.openai.ratelimit.remaining_requests": int64(119),
		"azure.openai.ratelimit.remaining_tokens":   int64(-1),
		"azure.openai.ratelimit.reset_requests":     int64(500),
		"azure.openai.ratelimit.reset_tokens":       int64(7),
		"azure.openai.retry_after":                  1.5,
		"azure.openai.processing_time":              0.4886886,
		"azure.openai.upstream_time":                0.516,
		"azure.openai.content_filter.filtered":      false,
		"azure.openai.usage.source":                 "response",
	}
	for k, v := range want {
		if f, ok := v.(float64); ok {
			assert.InDelta(t, f, got[k], 1e-12, k)
			continue
		}
		assert.Equal(t, v, got[k], k)
	}
	// Bodies are removed, the HTTP attributes stay, no content without opt-in,
	// openai.* only for provider openai, no stream attributes.
	for _, k := range []string{"ai_gateway.request.body", "ai_gateway.response.body", "gen_ai.input.messages", "gen_ai.output.messages",
		"openai.response.system_fingerprint", "openai.request.service_tier", "gen_ai.request.stream", "gen_ai.request.choice.count",
		"azure.openai.stream.chunks", "error.type", "azure.openai.content_filter.categories"} {
		assert.NotContains(t, got, k)
	}
	assert.Equal(t, "POST", got["http.request.method"])

	metadatatest.AssertEqualProcessorAzureOpenaiSpans(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("outcome", "lifted"))},
	}, metricdatatest.IgnoreTimestamp())
}

const litellmStream = "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"safe\"}}}]}\n\n" +
	"data: {\"choices\":[{\"content_filter_results\":{},\"delta\":{\"content\":\"\",\"refusal\":null,\"role\":\"assistant\"},\"finish_reason\":null,\"index\":0,\"logprobs\":null}],\"created\":1780491942,\"id\":\"chatcmpl-Dmf\",\"model\":\"gpt-5.2-2025-12-11\",\"obfuscation\":\"8A9QeP6E\",\"object\":\"chat.completion.chunk\",\"service_tier\":\"default\",\"system_fingerprint\":null,\"usage\":null}\n\n" +
	"data: {\"choices\":[{\"content_filter_results\":{\"protected_material_text\":{\"detected\":false,\"filtered\":false}},\"delta\":{\"content\":\"Not much\"},\"finish_reason\":null,\"index\":0,\"logprobs\":null}],\"created\":1780491942,\"id\":\"chatcmpl-Dmf\",\"model\":\"gpt-5.2-2025-12-11\",\"object\":\"chat.completion.chunk\",\"usage\":null}\n\n" +
	"data: {\"choices\":[{\"content_filter_results\":{},\"delta\":{},\"finish_reason\":\"stop\",\"index\":0,\"logprobs\":null}],\"created\":1780491942,\"id\":\"chatcmpl-Dmf\",\"model\":\"gpt-5.2-2025-12-11\",\"object\":\"chat.completion.chunk\",\"usage\":null}\n\n" +
	"data: {\"choices\":[],\"created\":1780491942,\"id\":\"chatcmpl-Dmf\",\"model\":\"gpt-5.2-2025-12-11\",\"object\":\"chat.completion.chunk\",\"usage\":{\"completion_tokens\":30,\"completion_tokens_details\":{\"reasoning_tokens\":0},\"prompt_tokens\":12,\"prompt_tokens_details\":{\"cached_tokens\":0},\"total_tokens\":42}}\n\n" +
	"data: [DONE]\n\n"

func TestLiftStreamWithUsageChunk(t *testing.T) {
	td := gatewaySpan{
		url:          "https://test-azure.openai.azure.com/openai/deployments/gpt-5.2_2025-12-11/chat/completions?api-version=2024-12-01-preview",
		status:       200,
		requestBody:  `{"messages":[{"content":"Hey, what is up?","role":"user"}],"model":"gpt-5.2_2025-12-11","stream":true,"stream_options":{"include_usage":true}}`,
		responseBody: litellmStream,
		extra:        map[string]any{"ai_gateway.response.time_to_first_byte_ms": 412.5},
	}.traces()
	span, _ := runProcessor(t, defaultConfig(), td)
	got := attrMap(span)
	assert.Equal(t, "chat gpt-5.2_2025-12-11", span.Name())
	assert.Equal(t, "chatcmpl-Dmf", got["gen_ai.response.id"])
	assert.Equal(t, "gpt-5.2-2025-12-11", got["gen_ai.response.model"])
	assert.Equal(t, []any{"stop"}, got["gen_ai.response.finish_reasons"])
	assert.Equal(t, int64(12), got["gen_ai.usage.input_tokens"])
	assert.Equal(t, int64(30), got["gen_ai.usage.output_tokens"])
	assert.Equal(t, "stream", got["azure.openai.usage.source"])
	assert.Equal(t, int64(5), got["azure.openai.stream.chunks"])
	assert.Equal(t, true, got["gen_ai.request.stream"])
	assert.Equal(t, 0.4125, got["gen_ai.response.time_to_first_chunk"])
	assert.Equal(t, "gpt-5.2_2025-12-11", got["azure.openai.deployment"])
}

func TestLiftStreamWithoutUsageIsEstimated(t *testing.T) {
	body := "data: {\"choices\":[],\"id\":\"\",\"model\":\"\",\"prompt_filter_results\":[]}\n\n" +
		"data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"index\":0,\"finish_reason\":null}],\"id\":\"c1\",\"model\":\"gpt-4o-mini\"}\n\n" +
		"data: {\"choices\":[{\"delta\":{\"content\":\"Hello there, how are\"},\"index\":0,\"finish_reason\":null}],\"id\":\"c1\",\"model\":\"gpt-4o-mini\"}\n\n" +
		"data: {\"choices\":[{\"delta\":{\"content\":\" you today?\"},\"index\":0,\"finish_reason\":\"stop\"}],\"id\":\"c1\",\"model\":\"gpt-4o-mini\"}\n\n" +
		"data: [DONE]\n\n"
	td := gatewaySpan{
		url:          "https://x.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions",
		status:       200,
		requestBody:  `{"messages":[{"role":"user","content":"Say hello"}],"stream":true}`,
		responseBody: body,
	}.traces()
	span, tel := runProcessor(t, defaultConfig(), td)
	got := attrMap(span)
	assert.Equal(t, "estimate", got["azure.openai.usage.source"])
	// "Hello there, how are you today?" is 8 o200k tokens.
	assert.Equal(t, int64(8), got["gen_ai.usage.output_tokens"])
	// 3 per message + "user" (1) + "Say hello" (2) + 3 to prime the reply.
	assert.Equal(t, int64(9), got["gen_ai.usage.input_tokens"])
	assert.Equal(t, "o200k_base", got["azure.openai.usage.tokenizer"])
	metadatatest.AssertEqualProcessorAzureOpenaiTokenEstimates(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("tokenizer", "o200k_base"), attribute.String("tokenizer_from", "model"))},
	}, metricdatatest.IgnoreTimestamp())

	cfg := defaultConfig()
	cfg.EstimateTokens = false
	span, _ = runProcessor(t, cfg, gatewaySpan{url: "https://x.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions", status: 200, responseBody: body}.traces())
	assert.NotContains(t, attrMap(span), "gen_ai.usage.output_tokens")
	assert.NotContains(t, attrMap(span), "azure.openai.usage.source")
}

func TestCutStreamFinishReasonError(t *testing.T) {
	body := "data: {\"choices\":[{\"delta\":{\"content\":\"one\"},\"index\":0,\"finish_reason\":null},{\"delta\":{\"content\":\"two\"},\"index\":1,\"finish_reason\":null}],\"id\":\"c\"}\n\n" +
		"data: {\"choices\":[{\"delta\":{},\"index\":1,\"finish_reason\":\"length\"}],\"id\":\"c\"}\n\n" +
		"data: {\"choices\":[{\"delta\":{\"content\":\"tr"
	span, tel := runProcessor(t, defaultConfig(), gatewaySpan{url: "https://x.openai.azure.com/openai/deployments/d/chat/completions", status: 200, responseBody: body}.traces())
	assert.Equal(t, []any{"error", "length"}, attrMap(span)["gen_ai.response.finish_reasons"])
	metadatatest.AssertEqualProcessorAzureOpenaiParseFailures(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("kind", "stream"))},
	}, metricdatatest.IgnoreTimestamp())
}

func TestHeadersOnlySpanFromAnotherSource(t *testing.T) {
	// An Envoy / YARP span: no bodies, mixed-case header names, plain string
	// values as well as arrays, a placeholder that does not parse.
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetName("POST")
	attrs := span.Attributes()
	attrs.PutStr("url.full", "https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21")
	attrs.PutInt("http.response.status_code", 200)
	arr := func(k, v string) { attrs.PutEmptySlice(k).AppendEmpty().SetStr(v) }
	arr("http.response.header.apim-request-id", "6c4f1b4e-5806-4057-bcf7-6e731f2056b1")
	attrs.PutStr("http.response.header.X-MS-Region", "East US")
	arr("http.response.header.x-ratelimit-remaining-requests", "449")
	arr("http.response.header.X-Ratelimit-Limit-Requests", "450")
	arr("http.response.header.x-ratelimit-remaining-tokens", "X-RATELIMIT-REMAINING-TOKENS-XXX")
	arr("http.response.header.x-ratelimit-limit-tokens", "450000")
	arr("http.response.header.x-ratelimit-reset-requests", "1")
	arr("http.response.header.x-ratelimit-reset-tokens", "2")
	arr("http.response.header.cmp-upstream-response-duration", "516")
	arr("http.response.header.x-envoy-upstream-service-time", "552")
	arr("http.response.header.x-ms-rai-invoked", "true")
	arr("http.response.header.x-request-id", "f419ec8f-0b2e-40af-9188-0d0df23d7628")
	arr("http.response.header.azureml-model-session", "v20250319-1-164616836")
	arr("http.response.header.x-ms-deployment-name", "gpt-4o")
	arr("http.response.header.x-ms-spillover-from-ptu-gpt4o", "ptu-gpt4o")
	arr("http.response.header.retry-after", "12")
	arr("http.response.header.openai-processing-ms", "1.535")

	out, tel := runProcessor(t, defaultConfig(), td)
	got := attrMap(out)
	want := map[string]any{
		"gen_ai.provider.name":                      "azure.ai.openai",
		"gen_ai.operation.name":                     "chat",
		"gen_ai.request.model":                      "gpt-4o",
		"azure.service.request.id":                  "6c4f1b4e-5806-4057-bcf7-6e731f2056b1",
		"azure.resource_provider.namespace":         "Microsoft.CognitiveServices",
		"azure.openai.region":                       "East US",
		"azure.openai.deployment":                   "gpt-4o",
		"azure.openai.request_id":                   "f419ec8f-0b2e-40af-9188-0d0df23d7628",
		"azure.openai.model_session":                "v20250319-1-164616836",
		"azure.openai.rai_invoked":                  true,
		"azure.openai.spilled_over":                 true,
		"azure.openai.spillover_from":               "ptu-gpt4o",
		"azure.openai.ratelimit.remaining_requests": int64(449),
		"azure.openai.ratelimit.limit_requests":     int64(450),
		"azure.openai.ratelimit.limit_tokens":       int64(450000),
		"azure.openai.ratelimit.reset_requests":     int64(1),
		"azure.openai.ratelimit.reset_tokens":       int64(2),
		"azure.openai.retry_after":                  12.0,
		"azure.openai.processing_time":              0.001535,
		"azure.openai.upstream_time":                0.516,
	}
	for k, v := range want {
		assert.Equal(t, v, got[k], k)
	}
	assert.NotContains(t, got, "azure.openai.ratelimit.remaining_tokens")
	assert.NotContains(t, got, "azure.openai.usage.source")
	assert.Equal(t, "chat gpt-4o", out.Name())
	metadatatest.AssertEqualProcessorAzureOpenaiParseFailures(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("kind", "header"))},
	}, metricdatatest.IgnoreTimestamp())
}

func TestErrorBodies(t *testing.T) {
	tests := []struct {
		name       string
		status     int64
		body       string
		errorType  string
		filtered   any
		categories any
	}{
		{
			name:      "404 deployment not found",
			status:    404,
			body:      `{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}}`,
			errorType: "DeploymentNotFound",
		},
		{
			name:       "content filter with the self-harm spelling, status 200 in the recording",
			status:     200,
			body:       `{ "error": { "message": "filtered", "type": null, "param": "prompt", "code": "content_filter", "status": 400, "innererror": { "code": "ResponsibleAIPolicyViolation", "content_filter_result": { "hate": { "filtered": true, "severity": "high" }, "self-harm": { "filtered": true, "severity": "medium" }, "sexual": { "filtered": false, "severity": "safe" } } } } }`,
			errorType:  "content_filter",
			filtered:   true,
			categories: []any{"hate", "self_harm"},
		},
		{
			name:      "429 with a numeric-string code",
			status:    429,
			body:      `{"error":{"code":"429","message":"Requests ... have exceeded token rate limit"}}`,
			errorType: "429",
		},
		{
			name:      "500 without a body",
			status:    500,
			errorType: "500",
		},
		{
			name:      "openai model_not_found",
			status:    404,
			body:      `{"error":{"message":"The model does not exist","type":"invalid_request_error","param":null,"code":"model_not_found"}}`,
			errorType: "model_not_found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := gatewaySpan{url: chatURL, status: tt.status, responseBody: tt.body, extra: map[string]any{}}
			if tt.body == "" {
				g.responseHeaders = map[string]string{"apim-request-id": "a"}
			}
			// The receiver writes the status code as error.type on >= 400.
			if tt.status >= 400 {
				g.extra["error.type"] = itoa(tt.status)
			}
			span, _ := runProcessor(t, defaultConfig(), g.traces())
			got := attrMap(span)
			assert.Equal(t, ptrace.StatusCodeError, span.Status().Code())
			assert.Equal(t, tt.errorType, got["error.type"])
			assert.Equal(t, tt.filtered, got["azure.openai.content_filter.filtered"])
			assert.Equal(t, tt.categories, got["azure.openai.content_filter.categories"])
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestNeverOverwritesSenderAttributes(t *testing.T) {
	td := gatewaySpan{url: chatURL, status: 200, requestBody: chatRequest, responseBody: chatBody, responseHeaders: chatHeaders,
		extra: map[string]any{
			"gen_ai.request.model":      "set-by-sender",
			"gen_ai.usage.input_tokens": int64(999),
			"azure.openai.region":       "Mars North",
			"error.type":                "custom",
		}}.traces()
	span, _ := runProcessor(t, defaultConfig(), td)
	got := attrMap(span)
	assert.Equal(t, "set-by-sender", got["gen_ai.request.model"])
	assert.Equal(t, int64(999), got["gen_ai.usage.input_tokens"])
	assert.Equal(t, "Mars North", got["azure.openai.region"])
	assert.Equal(t, "custom", got["error.type"])
	assert.Equal(t, int64(19), got["gen_ai.usage.output_tokens"])
}

func TestKeepBodiesAndCaptureContent(t *testing.T) {
	cfg := defaultConfig()
	cfg.KeepBodies = true
	cfg.CaptureContent = true
	cfg.MaxContentLength = 20
	span, _ := runProcessor(t, cfg, gatewaySpan{url: chatURL, status: 200, requestBody: chatRequest, responseBody: chatBody}.traces())
	got := attrMap(span)
	assert.Equal(t, chatRequest, got["ai_gateway.request.body"])
	assert.Equal(t, chatBody, got["ai_gateway.response.body"])
	assert.JSONEq(t, `[{"role":"system","parts":[{"type":"text","content":"You are terse."}]},{"role":"user","parts":[{"type":"text","content":"Tell me a joke about"}]}]`, got["gen_ai.input.messages"].(string))
	assert.JSONEq(t, `[{"role":"assistant","parts":[{"type":"text","content":"Why did the develope"}],"finish_reason":"stop"}]`, got["gen_ai.output.messages"].(string))
}

func TestSkipsSpansThatAreNotModelCalls(t *testing.T) {
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetName("GET /health")
	span.Attributes().PutStr("server.address", "example.com")
	span.Attributes().PutStr("url.path", "/openai/deployments/x/chat/completions")
	out, tel := runProcessor(t, defaultConfig(), td)
	assert.Equal(t, "GET /health", out.Name())
	assert.Equal(t, 2, out.Attributes().Len())
	metadatatest.AssertEqualProcessorAzureOpenaiSpans(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("outcome", "skipped"))},
	}, metricdatatest.IgnoreTimestamp())
}

func TestOpenAIProviderAttributes(t *testing.T) {
	body := `{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4-0613","system_fingerprint":"fp_1","service_tier":"default","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2}}`
	span, _ := runProcessor(t, defaultConfig(), gatewaySpan{url: "https://api.openai.com/v1/chat/completions", status: 200,
		requestBody: `{"model":"gpt-4","service_tier":"auto","messages":[]}`, responseBody: body}.traces())
	got := attrMap(span)
	assert.Equal(t, "openai", got["gen_ai.provider.name"])
	assert.Equal(t, "gpt-4", got["gen_ai.request.model"])
	assert.Equal(t, "fp_1", got["openai.response.system_fingerprint"])
	assert.Equal(t, "default", got["openai.response.service_tier"])
	assert.Equal(t, "auto", got["openai.request.service_tier"])
	assert.NotContains(t, got, "azure.resource_provider.namespace")
	assert.Equal(t, "chat gpt-4", span.Name())
}

func TestConditionsSelectSpans(t *testing.T) {
	cfg := defaultConfig()
	cfg.Conditions = []string{`attributes["route"] == "llm"`, `IsMatch(name, "^never")`}
	require.NoError(t, cfg.Validate())

	selected := gatewaySpan{url: "https://gw.contoso.internal/openai/deployments/d/chat/completions", status: 200,
		responseBody: chatBody, extra: map[string]any{"route": "llm"}}.traces()
	span, _ := runProcessor(t, cfg, selected)
	assert.Equal(t, "chat d", span.Name())

	// The default test would take this span (it has a response body); the
	// conditions say no.
	notSelected := gatewaySpan{url: chatURL, status: 200, responseBody: chatBody}.traces()
	span, tel := runProcessor(t, cfg, notSelected)
	assert.NotContains(t, attrMap(span), "gen_ai.operation.name")
	metadatatest.AssertEqualProcessorAzureOpenaiSpans(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("outcome", "skipped"))},
	}, metricdatatest.IgnoreTimestamp())
}

func TestConditionErrorModes(t *testing.T) {
	// Int() of a non-numeric string fails at evaluation time.
	conds := []string{`Int(attributes["route"]) > 1`}
	for _, mode := range []string{"ignore", "silent", "propagate"} {
		t.Run(mode, func(t *testing.T) {
			cfg := defaultConfig()
			cfg.Conditions = conds
			require.NoError(t, cfg.ErrorMode.UnmarshalText([]byte(mode)))
			tel := componenttest.NewTelemetry()
			defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
			sink := new(consumertest.TracesSink)
			p, err := NewFactory().CreateTraces(context.Background(), metadatatest.NewSettings(tel), cfg, sink)
			require.NoError(t, err)
			err = p.ConsumeTraces(context.Background(), gatewaySpan{url: chatURL, responseBody: chatBody, extra: map[string]any{"route": []any{"x"}}}.traces())
			if mode == "propagate" {
				require.Error(t, err)
				assert.Empty(t, sink.AllTraces())
			} else {
				require.NoError(t, err)
				assert.Len(t, sink.AllTraces(), 1)
			}
			metadatatest.AssertEqualProcessorAzureOpenaiParseFailures(t, tel, []metricdata.DataPoint[int64]{
				{Value: 1, Attributes: attribute.NewSet(attribute.String("kind", "condition"))},
			}, metricdatatest.IgnoreTimestamp())
		})
	}
}

func TestUpperCaseHeaderNamesKeepTheirOwnValues(t *testing.T) {
	// Spans from other HTTP instrumentations keep the header names as sent.
	// The spillover header comes first with an empty value, so the source
	// deployment is taken from its name, and the names after it must not
	// change what was read.
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	attrs := span.Attributes()
	attrs.PutStr("url.full", "https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions")
	attrs.PutStr("http.response.header.X-Ms-Spillover-From-Ptu-East", "")
	attrs.PutStr("http.response.header.X-Ms-Region", "Sweden Central")
	attrs.PutStr("http.response.header.X-Request-Id", "0bb2a6c4-7f3e-4b7a-9d61-2f4d6a1b9c11")
	attrs.PutStr("http.response.header.Apim-Request-Id", "5f0e7d7c-5a35-4a53-8f9b-7f6a2ce10b2d")
	attrs.PutStr("http.response.header.X-Ms-Deployment-Name", "gpt-4o-paygo")
	attrs.PutStr("http.response.header.Azureml-Model-Session", "d20260330170902-0e618f323d34")

	out, _ := runProcessor(t, defaultConfig(), td)
	got := attrMap(out)
	assert.Equal(t, "ptu-east", got["azure.openai.spillover_from"])
	assert.Equal(t, true, got["azure.openai.spilled_over"])
	assert.Equal(t, "Sweden Central", got["azure.openai.region"])
	assert.Equal(t, "0bb2a6c4-7f3e-4b7a-9d61-2f4d6a1b9c11", got["azure.openai.request_id"])
	assert.Equal(t, "5f0e7d7c-5a35-4a53-8f9b-7f6a2ce10b2d", got["azure.service.request.id"])
	assert.Equal(t, "gpt-4o-paygo", got["azure.openai.deployment"])
	assert.Equal(t, "d20260330170902-0e618f323d34", got["azure.openai.model_session"])
}

func TestOpenAIDurationResetHeaders(t *testing.T) {
	// OpenAI sends the reset hints as Go-style durations; whole seconds are
	// written, rounded up so that waiting that long is always enough.
	td := gatewaySpan{url: "https://api.openai.com/v1/chat/completions", status: 200, responseHeaders: map[string]string{
		"x-ratelimit-reset-requests": "6m0s",
		"x-ratelimit-reset-tokens":   "8.64s",
		"x-request-id":               "req_1",
	}}.traces()
	span, tel := runProcessor(t, defaultConfig(), td)
	got := attrMap(span)
	assert.Equal(t, int64(360), got["azure.openai.ratelimit.reset_requests"])
	assert.Equal(t, int64(9), got["azure.openai.ratelimit.reset_tokens"])
	_, err := tel.GetMetric("otelcol_processor_azure_openai_parse_failures")
	assert.Error(t, err, "no header failed to parse")
}

const responsesURL = "https://contoso.openai.azure.com/openai/v1/responses"

// responsesStream is the opening of a Responses API stream: the model began
// to answer before anything went wrong.
const responsesStream = "event: response.created\n" +
	"data: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"in_progress\",\"model\":\"gpt-4o-mini\",\"output\":[],\"usage\":null}}\n\n" +
	"event: response.output_text.delta\n" +
	"data: {\"type\":\"response.output_text.delta\",\"sequence_number\":1,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Once upon a time\"}\n\n"

func TestResponsesStreamErrors(t *testing.T) {
	tests := []struct {
		name      string
		tail      string
		errorType string
	}{
		{
			// The error event of the Responses API streaming reference.
			name: "error event",
			tail: "event: error\n" +
				"data: {\"type\":\"error\",\"code\":\"ERR_SOMETHING\",\"message\":\"Something went wrong\",\"param\":null,\"sequence_number\":2}\n\n",
			errorType: "ERR_SOMETHING",
		},
		{
			name:      "error event with the code after the message",
			tail:      "data: {\"message\":\"The server had an error\",\"code\":\"server_error\",\"param\":null,\"type\":\"error\",\"sequence_number\":2}\n\n",
			errorType: "server_error",
		},
		{
			name: "response.failed",
			tail: "event: response.failed\n" +
				"data: {\"type\":\"response.failed\",\"sequence_number\":2,\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"failed\",\"error\":{\"code\":\"server_error\",\"message\":\"The model failed to generate a response.\"},\"incomplete_details\":null,\"model\":\"gpt-4o-mini\",\"output\":[],\"usage\":null}}\n\n",
			errorType: "server_error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td := gatewaySpan{url: responsesURL, status: 200,
				requestBody:  `{"model":"gpt-4o-mini","input":"Tell me a story","stream":true}`,
				responseBody: responsesStream + tt.tail}.traces()
			span, tel := runProcessor(t, defaultConfig(), td)
			got := attrMap(span)
			assert.Equal(t, ptrace.StatusCodeError, span.Status().Code())
			assert.Equal(t, tt.errorType, got["error.type"])
			// As for an error body: no usage is made up for a call that failed.
			assert.NotContains(t, got, "gen_ai.usage.output_tokens")
			assert.NotContains(t, got, "gen_ai.usage.input_tokens")
			assert.NotContains(t, got, "azure.openai.usage.source")
			_, err := tel.GetMetric("otelcol_processor_azure_openai_token_estimates")
			assert.Error(t, err, "no estimate was made")
		})
	}
}

func TestResponsesStreamIncompleteIsNotAnError(t *testing.T) {
	// response.incomplete: the model stopped at max_output_tokens. The call
	// succeeded with a cut answer, as a chat completion with finish_reason
	// length does; its output tokens were spent, so they are estimated.
	tail := "event: response.incomplete\n" +
		"data: {\"type\":\"response.incomplete\",\"sequence_number\":2,\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"incomplete\",\"incomplete_details\":{\"reason\":\"max_output_tokens\"},\"error\":null,\"model\":\"gpt-4o-mini\",\"usage\":null}}\n\n"
	td := gatewaySpan{url: responsesURL, status: 200,
		requestBody:  `{"model":"gpt-4o-mini","input":"Tell me a story","stream":true,"max_output_tokens":4}`,
		responseBody: responsesStream + tail}.traces()
	span, _ := runProcessor(t, defaultConfig(), td)
	got := attrMap(span)
	assert.Equal(t, ptrace.StatusCodeUnset, span.Status().Code())
	assert.NotContains(t, got, "error.type")
	assert.Equal(t, []any{"length"}, got["gen_ai.response.finish_reasons"])
	assert.Equal(t, "estimate", got["azure.openai.usage.source"])
	// "Once upon a time" is 4 o200k tokens.
	assert.Equal(t, int64(4), got["gen_ai.usage.output_tokens"])
}

func TestLegacyCompletionsPromptHasNoChatFraming(t *testing.T) {
	body := "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"model\":\"gpt-35-turbo-instruct\",\"choices\":[{\"text\":\" Paris\",\"index\":0,\"finish_reason\":null}]}\n\n" +
		"data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"model\":\"gpt-35-turbo-instruct\",\"choices\":[{\"text\":\".\",\"index\":0,\"finish_reason\":\"stop\"}]}\n\n" +
		"data: [DONE]\n\n"
	td := gatewaySpan{
		url:          "https://x.openai.azure.com/openai/deployments/instruct/completions?api-version=2024-10-21",
		status:       200,
		requestBody:  `{"prompt":"The capital of France is","max_tokens":5,"stream":true}`,
		responseBody: body,
	}.traces()
	span, _ := runProcessor(t, defaultConfig(), td)
	got := attrMap(span)
	assert.Equal(t, "estimate", got["azure.openai.usage.source"])
	// cl100k_base: "The", " capital", " of", " France", " is": 5 tokens, no
	// message or reply framing around a legacy prompt.
	assert.Equal(t, int64(5), got["gen_ai.usage.input_tokens"])
	// " Paris", ".": 2 tokens.
	assert.Equal(t, int64(2), got["gen_ai.usage.output_tokens"])
	assert.Equal(t, "cl100k_base", got["azure.openai.usage.tokenizer"])
}

func TestUnknownDeploymentNameCountsTheAssumedTokenizer(t *testing.T) {
	body := "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"},\"index\":0,\"finish_reason\":\"stop\"}],\"id\":\"c1\"}\n\n" +
		"data: [DONE]\n\n"
	td := gatewaySpan{
		url:          "https://x.openai.azure.com/openai/deployments/team-chat-prod/chat/completions",
		status:       200,
		requestBody:  `{"messages":[{"role":"user","content":"Say hi"}],"stream":true}`,
		responseBody: body,
	}.traces()
	span, tel := runProcessor(t, defaultConfig(), td)
	assert.Equal(t, "o200k_base", attrMap(span)["azure.openai.usage.tokenizer"])
	metadatatest.AssertEqualProcessorAzureOpenaiTokenEstimates(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("tokenizer", "o200k_base"), attribute.String("tokenizer_from", "default"))},
	}, metricdatatest.IgnoreTimestamp())
}
