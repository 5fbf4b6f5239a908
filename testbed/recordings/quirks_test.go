package recordings

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
)

func loadOne(t *testing.T, file string, index int) Exchange {
	t.Helper()
	exchanges, err := Load(file)
	require.NoError(t, err)
	require.Greater(t, len(exchanges), index)
	return exchanges[index]
}

func header(ex Exchange, request bool, name string) []string {
	headers := ex.ResponseHeaders
	if request {
		headers = ex.RequestHeaders
	}
	for _, h := range headers {
		if h.Name == name {
			return h.Values
		}
	}
	return nil
}

func TestQuirks(t *testing.T) {
	t.Run("python-tagged header keys", func(t *testing.T) {
		ex := loadOne(t, "dd-trace-py/azure_openai_openai_deployments_gpt-4.1-mini_chat_completions_api-version_2024-12-01-preview_post_5836d4fe.yaml", 0)
		assert.Equal(t, []string{"application/json"}, header(ex, true, "Accept"))
		assert.Equal(t, []string{"AzureOpenAI/Python 1.109.1"}, header(ex, true, "User-Agent"))
		assert.Contains(t, ex.ResponseBody, "René Descartes", `the YAML \xE9 escape is é`)
	})
	t.Run("gzip !!binary body", func(t *testing.T) {
		ex := loadOne(t, "langtrace-python-sdk/test_chat_completion.yaml", 0)
		assert.True(t, json.Valid([]byte(ex.ResponseBody)), "gzip undone: %.80q", ex.ResponseBody)
		assert.Contains(t, ex.ResponseBody, `"usage"`)
		assert.Nil(t, header(ex, false, "Content-Encoding"), "the record holds the decoded body, so not its encoding")
		assert.Len(t, header(ex, false, "Set-Cookie"), 2)
	})
	t.Run("test-proxy SSE body as array of strings", func(t *testing.T) {
		ex := loadOne(t, "azure-sdk-for-net/StreamingFunctionCallWorks(Azure).json", 0)
		assert.True(t, strings.HasPrefix(ex.ResponseBody, "data: {"))
		assert.True(t, strings.HasSuffix(ex.ResponseBody, "data: [DONE]\n"))
		assert.Greater(t, strings.Count(ex.ResponseBody, "data: "), 10)
		assert.True(t, json.Valid([]byte(ex.RequestBody)), "object body kept as JSON text")
		assert.Equal(t, []string{"00-57d84accc27f53bdaf0eadad59ec6777-14ef03e4e67292c5-00"}, header(ex, true, "traceparent"))
	})
	t.Run("scalar header values", func(t *testing.T) {
		ex := loadOne(t, "otel-python-contrib/test_chat_completion_streaming.yaml", 0)
		assert.Len(t, header(ex, false, "Set-Cookie"), 1)
	})
	t.Run("pydantic-ai parsed_body", func(t *testing.T) {
		ex := loadOne(t, "pydantic-ai/test_azure_provider_call.yaml", 0)
		var req map[string]any
		require.NoError(t, json.Unmarshal([]byte(ex.RequestBody), &req))
		assert.Equal(t, "gpt-4o", req["model"])
		assert.Equal(t, false, req["stream"])
		assert.EqualValues(t, 1, req["n"])
		assert.True(t, json.Valid([]byte(ex.ResponseBody)))
	})
	t.Run("legacy httpx stub", func(t *testing.T) {
		ex := loadOne(t, "dd-trace-py/v1__azure_chat_completion.yaml", 0)
		assert.Equal(t, 200, ex.Status)
		assert.Contains(t, ex.ResponseBody, `"chat.completion"`)
		assert.Contains(t, ex.URL, "//openai/deployments")
	})
	t.Run("Datadog JSON cassette", func(t *testing.T) {
		ex := loadOne(t, "dd-trace-py/azure_openai_openai_deployments_gpt-4.1-mini_chat_completions_api-version_2024-12-01-preview_post_5836d4fe.json", 0)
		assert.Equal(t, []string{"381a6525-4f15-481a-8884-dd8ec1b0d6fc"}, header(ex, false, "apim-request-id"))
		assert.Equal(t, 200, ex.Status)
	})
	t.Run("skipped files", func(t *testing.T) {
		for _, file := range []string{
			"azure-sdk-for-go/TestQueryWorkspace_BasicQueryFailure.json",
			"azure-sdk-for-go/TestQueryWorkspace_PartialError.json",
			"azure-sdk-for-go/content_filter_response_error.json",
			"otel-collector-contrib/log-maximum.json",
		} {
			exchanges, err := Load(file)
			require.NoError(t, err, file)
			assert.Empty(t, exchanges, file)
		}
	})
}

// TestEveryRecordDecodes checks the loader against the decoder: every
// recording becomes exactly one valid record.
func TestEveryRecordDecodes(t *testing.T) {
	all, err := LoadAll()
	require.NoError(t, err)
	dec := exchange.NewDecoder(exchange.Options{})
	for _, ex := range all {
		res, err := dec.Decode(ex.Record, exchange.FormatJSON)
		require.NoError(t, err, ex.Name)
		assert.Equal(t, 1, res.Accepted, "%s: %v", ex.Name, res.Errors)
	}
}

func TestDirFailsClearly(t *testing.T) {
	t.Setenv(EnvDir, "/nonexistent/recordings")
	_, err := Dir()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/nonexistent/recordings not found")
	_, err = LoadAll()
	require.Error(t, err)
}
