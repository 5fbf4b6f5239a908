package azureopenaiprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
)

// modelAttributes are the gen_ai.* attributes only a model call may carry.
var modelAttributes = []string{
	"gen_ai.provider.name", "gen_ai.operation.name", "gen_ai.request.model", "gen_ai.response.model",
	"gen_ai.response.id", "gen_ai.response.finish_reasons", "gen_ai.usage.input_tokens",
	"gen_ai.usage.output_tokens", "azure.openai.usage.source",
}

var azureCallHeaders = map[string]string{
	"apim-request-id": "0b7f3b2e-5a0e-4d0b-9e53-0c7a4a6f1c11",
	"x-ms-region":     "Sweden Central",
	"x-request-id":    "2f5d0c1e-7b7a-4f57-a8a8-6b1f4f0e9a10",
}

func assertNoModelAttributes(t *testing.T, got map[string]any) {
	t.Helper()
	for _, k := range modelAttributes {
		assert.NotContains(t, got, k)
	}
}

func assertNoParseFailure(t *testing.T, tel *componenttest.Telemetry) {
	t.Helper()
	_, err := tel.GetMetric("otelcol_processor_azure_openai_parse_failures")
	assert.Error(t, err, "no parse failure expected")
}

func TestBatchCreateIsNotAModelCall(t *testing.T) {
	// A batch object has a status and a model: neither is a model call's.
	body := `{"id":"batch_6f2c","object":"batch","endpoint":"/chat/completions","model":"gpt-4o-batch","status":"validating","input_file_id":"file-9a1b2c3d4e5f","completion_window":"24h","created_at":1764806400,"request_counts":{"total":0,"completed":0,"failed":0}}`
	span, tel := runProcessor(t, defaultConfig(), gatewaySpan{
		name: "POST /openai/batches", url: "https://contoso.openai.azure.com/openai/batches?api-version=2025-04-01-preview", status: 200,
		requestBody:  `{"input_file_id":"file-9a1b2c3d4e5f","endpoint":"/chat/completions","completion_window":"24h"}`,
		responseBody: body, responseHeaders: azureCallHeaders,
	}.traces())
	got := attrMap(span)
	assertNoModelAttributes(t, got)
	assert.Equal(t, "POST /openai/batches", span.Name())
	assert.Equal(t, "batches", got["azure.openai.api"])
	assert.Equal(t, "Sweden Central", got["azure.openai.region"])
	assert.Equal(t, "2f5d0c1e-7b7a-4f57-a8a8-6b1f4f0e9a10", got["azure.openai.request_id"])
	assert.Equal(t, "0b7f3b2e-5a0e-4d0b-9e53-0c7a4a6f1c11", got["azure.service.request.id"])
	assert.Equal(t, "Microsoft.CognitiveServices", got["azure.resource_provider.namespace"])
	assert.NotContains(t, got, "ai_gateway.response.body")
	assertNoParseFailure(t, tel)
}

func TestResourceCallErrorBodyRefinesErrorType(t *testing.T) {
	span, _ := runProcessor(t, defaultConfig(), gatewaySpan{
		method: "GET", name: "GET /openai/files/{file_id}/content",
		url: "https://contoso.openai.azure.com/openai/files/file-abc123/content?api-version=2024-10-21", status: 404,
		responseBody: `{"error":{"code":"fileNotFound","message":"File with id 'file-abc123' was not found."}}`,
		extra:        map[string]any{"error.type": "404"},
	}.traces())
	got := attrMap(span)
	assertNoModelAttributes(t, got)
	assert.Equal(t, "fileNotFound", got["error.type"])
	assert.Equal(t, "files", got["azure.openai.api"])
	assert.Equal(t, "GET /openai/files/{file_id}/content", span.Name())
}

func TestListingAssistantsIsNotCreateAgent(t *testing.T) {
	body := `{"object":"list","data":[{"id":"asst_abc123","object":"assistant","created_at":1764806400,"name":"Math Tutor","model":"gpt-4o","instructions":"You are a tutor.","tools":[]}],"first_id":"asst_abc123","last_id":"asst_abc123","has_more":false}`
	span, tel := runProcessor(t, defaultConfig(), gatewaySpan{
		method: "GET", name: "GET /openai/assistants",
		url: "https://contoso.openai.azure.com/openai/assistants?api-version=2024-05-01-preview", status: 200,
		responseBody: body, responseHeaders: azureCallHeaders,
	}.traces())
	got := attrMap(span)
	assertNoModelAttributes(t, got)
	assert.Equal(t, "GET /openai/assistants", span.Name())
	assert.Equal(t, "assistants", got["azure.openai.api"])
	assertNoParseFailure(t, tel)
}

func TestCreatingAnAssistantIsCreateAgent(t *testing.T) {
	body := `{"id":"asst_abc123","object":"assistant","created_at":1764806400,"name":"Math Tutor","model":"gpt-4o","instructions":"You are a tutor.","tools":[]}`
	span, _ := runProcessor(t, defaultConfig(), gatewaySpan{
		name: "POST /openai/assistants", url: "https://contoso.openai.azure.com/openai/assistants?api-version=2024-05-01-preview", status: 200,
		requestBody: `{"model":"gpt-4o","name":"Math Tutor","instructions":"You are a tutor.","temperature":0.5}`, responseBody: body,
	}.traces())
	got := attrMap(span)
	// semconv's create_agent span: "create_agent {gen_ai.agent.name}", the
	// agent's id being the assistant's (the response's id).
	assert.Equal(t, "create_agent Math Tutor", span.Name())
	assert.Equal(t, "create_agent", got["gen_ai.operation.name"])
	assert.Equal(t, "Math Tutor", got["gen_ai.agent.name"])
	assert.Equal(t, "asst_abc123", got["gen_ai.agent.id"])
	assert.Equal(t, "azure.ai.openai", got["gen_ai.provider.name"])
	assert.Equal(t, "gpt-4o", got["gen_ai.request.model"])
	assert.InDelta(t, 0.5, got["gen_ai.request.temperature"], 1e-12)
	for _, k := range []string{"gen_ai.response.id", "gen_ai.response.model", "gen_ai.response.finish_reasons", "azure.openai.api"} {
		assert.NotContains(t, got, k)
	}
}

func TestRunIsInvokeAgentWithoutFinishReasons(t *testing.T) {
	// A run starts queued; its status is not a finish reason.
	body := `{"id":"run_abc123","object":"thread.run","created_at":1764806400,"assistant_id":"asst_abc123","thread_id":"thread_abc123","status":"queued","model":"gpt-4o","instructions":"","tools":[],"usage":null}`
	span, tel := runProcessor(t, defaultConfig(), gatewaySpan{
		name: "POST /openai/threads/{thread_id}/runs", url: "https://contoso.openai.azure.com/openai/threads/thread_abc123/runs?api-version=2024-05-01-preview", status: 200,
		requestBody: `{"assistant_id":"asst_abc123"}`, responseBody: body,
	}.traces())
	got := attrMap(span)
	assert.Equal(t, "invoke_agent", span.Name())
	assert.Equal(t, "invoke_agent", got["gen_ai.operation.name"])
	assert.Equal(t, "asst_abc123", got["gen_ai.agent.id"], "the assistant the run invokes")
	for _, k := range []string{"gen_ai.response.id", "gen_ai.response.model", "gen_ai.response.finish_reasons", "gen_ai.usage.input_tokens", "gen_ai.request.model"} {
		assert.NotContains(t, got, k)
	}
	assertNoParseFailure(t, tel)
}

func TestStreamedRunReportsTheRunsUsage(t *testing.T) {
	stream := "event: thread.run.created\ndata: {\"id\":\"run_abc123\",\"object\":\"thread.run\",\"status\":\"queued\",\"model\":\"gpt-4o\",\"usage\":null}\n\n" +
		"event: thread.message.delta\ndata: {\"id\":\"msg_abc123\",\"object\":\"thread.message.delta\",\"delta\":{\"content\":[{\"index\":0,\"type\":\"text\",\"text\":{\"value\":\"Hi\"}}]}}\n\n" +
		"event: thread.run.completed\ndata: {\"id\":\"run_abc123\",\"object\":\"thread.run\",\"status\":\"completed\",\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":8,\"total_tokens\":128}}\n\n" +
		"event: done\ndata: [DONE]\n\n"
	span, _ := runProcessor(t, defaultConfig(), gatewaySpan{
		url: "https://contoso.openai.azure.com/openai/threads/thread_abc123/runs?api-version=2024-05-01-preview", status: 200,
		requestBody: `{"assistant_id":"asst_abc123","model":"gpt-4o","stream":true}`, responseBody: stream,
	}.traces())
	got := attrMap(span)
	assert.Equal(t, "invoke_agent gpt-4o", span.Name())
	assert.Equal(t, int64(120), got["gen_ai.usage.input_tokens"])
	assert.Equal(t, int64(8), got["gen_ai.usage.output_tokens"])
	assert.Equal(t, "stream", got["azure.openai.usage.source"])
	assert.NotContains(t, got, "gen_ai.response.finish_reasons")
	assert.NotContains(t, got, "gen_ai.response.id")
}

func TestFoundryModelInference(t *testing.T) {
	body := `{"id":"f1c2d3e4","object":"chat.completion","created":1764806400,"model":"phi-4","choices":[{"index":0,"message":{"role":"assistant","content":"Paris."},"finish_reason":"stop"}],"usage":{"prompt_tokens":14,"completion_tokens":3,"total_tokens":17}}`
	span, _ := runProcessor(t, defaultConfig(), gatewaySpan{
		name: "POST /models/chat/completions", url: "https://contoso-foundry.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview", status: 200,
		requestBody: `{"model":"Phi-4","messages":[{"role":"user","content":"Capital of France?"}]}`, responseBody: body,
	}.traces())
	got := attrMap(span)
	assert.Equal(t, "chat Phi-4", span.Name())
	assert.Equal(t, "azure.ai.inference", got["gen_ai.provider.name"])
	assert.Equal(t, "chat", got["gen_ai.operation.name"])
	assert.Equal(t, "Phi-4", got["gen_ai.request.model"])
	assert.Equal(t, "phi-4", got["gen_ai.response.model"])
	assert.Equal(t, []any{"stop"}, got["gen_ai.response.finish_reasons"])
	assert.Equal(t, "Microsoft.CognitiveServices", got["azure.resource_provider.namespace"])
}

func TestFoundryProjectV1PathTakesTheModelFromTheBody(t *testing.T) {
	body := `{"id":"chatcmpl-Foundry1","object":"chat.completion","created":1764806400,"model":"gpt-4.1-mini-2025-04-14","choices":[{"index":0,"message":{"role":"assistant","content":"4"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}`
	span, _ := runProcessor(t, defaultConfig(), gatewaySpan{
		name: "POST /api/projects/{project}/openai/v1/chat/completions",
		url:  "https://contoso-foundry.services.ai.azure.com/api/projects/contoso-proj/openai/v1/chat/completions", status: 200,
		requestBody: `{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"2+2?"}]}`, responseBody: body,
	}.traces())
	got := attrMap(span)
	assert.Equal(t, "chat gpt-4.1-mini", span.Name())
	assert.Equal(t, "azure.ai.openai", got["gen_ai.provider.name"])
	assert.Equal(t, "gpt-4.1-mini", got["gen_ai.request.model"])
	assert.Equal(t, "gpt-4.1-mini", got["azure.openai.deployment"])
	assert.Equal(t, "chatcmpl-Foundry1", got["gen_ai.response.id"])
}

func TestMultipartTranscriptionCountsNoParseFailure(t *testing.T) {
	form := "--a1b2c3\r\nContent-Disposition: form-data; name=\"file\"; filename=\"hello.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF\x24\x00\x00\x00WAVEfmt \r\n" +
		"--a1b2c3\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper\r\n--a1b2c3--\r\n"
	span, tel := runProcessor(t, defaultConfig(), gatewaySpan{
		url: "https://contoso.openai.azure.com/openai/deployments/whisper/audio/transcriptions?api-version=2024-06-01", status: 200,
		requestBody: form, responseBody: `{"text":"Hello."}`,
	}.traces())
	got := attrMap(span)
	assert.Equal(t, "generate_content whisper", span.Name())
	assert.Equal(t, "generate_content", got["gen_ai.operation.name"])
	assert.Equal(t, "whisper", got["gen_ai.request.model"])
	assert.Equal(t, "text", got["gen_ai.output.type"])
	assertNoParseFailure(t, tel)

	// A text (not JSON) transcription and a speech response's audio are no
	// failures either.
	for _, tc := range []struct{ path, request, body, outputType string }{
		{"/openai/deployments/whisper/audio/transcriptions", form, "Hello.\n", "text"},
		{"/openai/deployments/tts/audio/speech", `{"model":"tts","input":"Hello.","voice":"alloy"}`, "ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb", "speech"},
	} {
		span, tel := runProcessor(t, defaultConfig(), gatewaySpan{url: "https://contoso.openai.azure.com" + tc.path, status: 200, requestBody: tc.request, responseBody: tc.body}.traces())
		require.Equal(t, tc.outputType, attrMap(span)["gen_ai.output.type"], tc.path)
		assertNoParseFailure(t, tel)
	}
}

func TestV1TranscriptionTakesTheModelFromTheForm(t *testing.T) {
	form := "--a1b2c3\r\nContent-Disposition: form-data; name=\"file\"; filename=\"hello.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF\x24\x00\x00\x00WAVEfmt \r\n" +
		"--a1b2c3\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ngpt-4o-transcribe\r\n--a1b2c3--\r\n"
	span, tel := runProcessor(t, defaultConfig(), gatewaySpan{
		url: "https://contoso.openai.azure.com/openai/v1/audio/transcriptions", status: 200,
		requestBody: form, responseBody: `{"text":"Hello.","usage":{"type":"tokens","input_tokens":14,"output_tokens":3,"total_tokens":17}}`,
	}.traces())
	got := attrMap(span)
	assert.Equal(t, "generate_content gpt-4o-transcribe", span.Name())
	assert.Equal(t, "gpt-4o-transcribe", got["gen_ai.request.model"])
	assert.Equal(t, "gpt-4o-transcribe", got["azure.openai.deployment"])
	assert.Equal(t, int64(14), got["gen_ai.usage.input_tokens"])
	assert.Equal(t, int64(3), got["gen_ai.usage.output_tokens"])
	assertNoParseFailure(t, tel)
}

func TestImageGenerationIsAModelCall(t *testing.T) {
	body := `{"created":1764806400,"data":[{"url":"https://example.invalid/img.png","revised_prompt":"A red cube."}]}`
	span, tel := runProcessor(t, defaultConfig(), gatewaySpan{
		url: "https://contoso.openai.azure.com/openai/deployments/dall-e-3/images/generations?api-version=2024-10-21", status: 200,
		requestBody: `{"prompt":"a red cube","n":1,"size":"1024x1024","response_format":"url"}`, responseBody: body,
	}.traces())
	got := attrMap(span)
	assert.Equal(t, "generate_content dall-e-3", span.Name())
	assert.Equal(t, "image", got["gen_ai.output.type"])
	assert.Equal(t, "dall-e-3", got["gen_ai.request.model"])
	assert.NotContains(t, got, "gen_ai.response.finish_reasons")
	assertNoParseFailure(t, tel)
}
