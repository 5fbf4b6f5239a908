package recordings

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadAllReadsEveryModelExchange(t *testing.T) {
	all, err := LoadAll()
	require.NoError(t, err)

	perFile := map[string]int{}
	names := map[string]bool{}
	for _, ex := range all {
		perFile[ex.File]++
		assert.False(t, names[ex.Name], "duplicate name %s", ex.Name)
		names[ex.Name] = true
		assert.NotEmpty(t, ex.URL, ex.Name)
		assert.GreaterOrEqual(t, ex.Status, 100, ex.Name)
		assert.True(t, json.Valid(ex.Record), ex.Name)
		assert.False(t, strings.Contains(strings.ToLower(ex.URL), "loganalytics"), ex.Name)
	}
	// Every file that holds model exchanges is read, with all its
	// interactions; the Log Analytics answers, the body-only error file and
	// the resource-log envelope hold none.
	want := map[string]int{
		"azure-sdk-for-net/BadDeploymentFails(Azure).json":                                                                            1,
		"azure-sdk-for-net/ChatCompletionsContentFilterCategories(Azure).json":                                                        1,
		"azure-sdk-for-net/StreamingFunctionCallWorks(Azure).json":                                                                    1,
		"crewai/TestAzureResponsesCall.test_call_delegates_to_responses.yaml":                                                         1,
		"crewai/TestAzureToolCallStreaming.test_azure_streaming_emits_tool_call_events.yaml":                                          1,
		"crewai/test_azure_streaming_completion.yaml":                                                                                 1,
		"dd-trace-py/azure_openai_openai_deployments_gpt-4.1-mini_chat_completions_api-version_2024-12-01-preview_post_5836d4fe.json": 1,
		"dd-trace-py/azure_openai_openai_deployments_gpt-4.1-mini_chat_completions_api-version_2024-12-01-preview_post_5836d4fe.yaml": 1,
		"dd-trace-py/litellm__completion_azure_stream.yaml":                                                                           1,
		"dd-trace-py/v0__azure_chat_completion.yaml":                                                                                  1,
		"dd-trace-py/v1__azure_chat_completion.yaml":                                                                                  1,
		"dd-trace-py/v1__azure_chat_completion_streamed.yaml":                                                                         1,
		"dd-trace-py/v1__azure_embedding.yaml":                                                                                        1,
		"elastic-otel-python/test_basic[azure_provider_chat_completions].yaml":                                                        1,
		"elastic-otel-python/test_basic[azure_provider_embeddings].yaml":                                                              1,
		"elastic-otel-python/test_model_not_found[azure_provider_embeddings].yaml":                                                    1,
		"elastic-otel-python/test_stream[azure_provider_chat_completions].yaml":                                                       1,
		"elastic-otel-python/test_stream_with_include_usage_option[azure_provider_chat_completions].yaml":                             1,
		"elastic-otel-python/test_stream_with_tools_and_capture_message_content[azure_provider_chat_completions].yaml":                1,
		"elastic-otel-python/test_tools_with_followup_and_capture_message_content_log_events[azure_provider_chat_completions].yaml":   2,
		"elastic-otel-python/test_with_model_not_found[azure_provider_chat_completions].yaml":                                         1,
		"langtrace-python-sdk/test_chat_completion.yaml":                                                                              1,
		"openllmetry/test_azure_openai_embeddings.yaml":                                                                               4,
		"openllmetry/test_chat.yaml":                                                                                                  5,
		"openllmetry/test_chat_content_filtering.yaml":                                                                                4,
		"openllmetry/test_chat_reasoning.yaml":                                                                                        4,
		"openllmetry/test_chat_streaming.yaml":                                                                                        4,
		"openllmetry/test_prompt_content_filtering.yaml":                                                                              4,
		"otel-python-contrib/test_chat_completion_404.yaml":                                                                           1,
		"otel-python-contrib/test_chat_completion_multiple_choices_streaming.yaml":                                                    1,
		"otel-python-contrib/test_chat_completion_multiple_tools_streaming_with_content.yaml":                                         1,
		"otel-python-contrib/test_chat_completion_streaming.yaml":                                                                     1,
		"otel-python-contrib/test_chat_completion_streaming_not_complete.yaml":                                                        1,
		"otel-python-contrib/test_chat_completion_tool_calls_with_content.yaml":                                                       2,
		"pydantic-ai/test_azure_provider_call.yaml":                                                                                   1,
		"pydantic-ai/test_azure_responses_reasoning_context_default_wire_contract[gpt-5.4].yaml":                                      1,
	}
	for file, n := range perFile {
		t.Logf("%s: %d", file, n)
	}
	assert.Equal(t, want, perFile)
}

func TestGoldenName(t *testing.T) {
	assert.Equal(t, "openllmetry__test_chat.yaml_0", GoldenName("openllmetry/test_chat.yaml#0"))
	assert.Equal(t, "azure-sdk-for-net__BadDeploymentFails_Azure_.json_0", GoldenName("azure-sdk-for-net/BadDeploymentFails(Azure).json#0"))
	assert.Equal(t, "elastic-otel-python__test_stream_azure_provider_chat_completions_.yaml_3",
		GoldenName("elastic-otel-python/test_stream[azure_provider_chat_completions].yaml#3"))
}
