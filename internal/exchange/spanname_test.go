package exchange

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSpanName(t *testing.T) {
	tests := []struct{ method, path, want string }{
		{"POST", "/openai/deployments/gpt-4o/chat/completions", "POST /openai/deployments/{deployment}/chat/completions"},
		{"POST", "//openai/deployments/ada/embeddings", "POST //openai/deployments/{deployment}/embeddings"},
		{"POST", "/openai/deployments/embeddings/embeddings", "POST /openai/deployments/{deployment}/embeddings"},
		{"POST", "/openai/v1/responses", "POST /openai/v1/responses"},
		{"GET", "/openai/deployments/", "GET /openai/deployments/"},
		{"GET", "", "GET /"},
		// Files, batches, fine-tuning.
		{"GET", "/openai/files/file-abc123/content", "GET /openai/files/{file_id}/content"},
		{"POST", "/openai/files", "POST /openai/files"},
		{"POST", "/openai/files/import", "POST /openai/files/import"},
		{"GET", "/openai/batches/batch_6f2c", "GET /openai/batches/{batch_id}"},
		{"POST", "/openai/batches/batch_6f2c/cancel", "POST /openai/batches/{batch_id}/cancel"},
		{"GET", "/openai/fine_tuning/jobs/ftjob-abc123/checkpoints", "GET /openai/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints"},
		// Assistants, threads, runs, steps.
		{"GET", "/openai/assistants", "GET /openai/assistants"},
		{"GET", "/openai/assistants/asst_abc123", "GET /openai/assistants/{assistant_id}"},
		{"GET", "/openai/threads/thread_abc/runs/run_abc/steps/step_abc", "GET /openai/threads/{thread_id}/runs/{run_id}/steps/{step_id}"},
		{"POST", "/openai/threads/runs", "POST /openai/threads/runs"},
		{"POST", "/v1/threads/thread_abc/runs/run_abc/submit_tool_outputs", "POST /v1/threads/{thread_id}/runs/{run_id}/submit_tool_outputs"},
		{"GET", "/v1/threads/thread_abc/messages/msg_abc", "GET /v1/threads/{thread_id}/messages/{message_id}"},
		// Responses.
		{"GET", "/openai/v1/responses/resp_abc123", "GET /openai/v1/responses/{response_id}"},
		{"GET", "/openai/v1/responses/resp_abc123/input_items", "GET /openai/v1/responses/{response_id}/input_items"},
		// Vector stores.
		{"GET", "/openai/vector_stores/vs_abc/files/file-abc", "GET /openai/vector_stores/{vector_store_id}/files/{file_id}"},
		{"GET", "/openai/vector_stores/vs_abc/file_batches/vsfb_abc/files", "GET /openai/vector_stores/{vector_store_id}/file_batches/{batch_id}/files"},
		// Models: a model by name, but the model-inference API's operations.
		{"GET", "/openai/models", "GET /openai/models"},
		{"GET", "/v1/models/gpt-4o-mini", "GET /v1/models/{model}"},
		{"POST", "/models/chat/completions", "POST /models/chat/completions"},
		{"POST", "/models/embeddings", "POST /models/embeddings"},
		{"POST", "/models/images/embeddings", "POST /models/images/embeddings"},
		// Stored chat completions.
		{"GET", "/v1/chat/completions/chatcmpl-abc/messages", "GET /v1/chat/completions/{completion_id}/messages"},
		// Foundry projects.
		{"POST", "/api/projects/contoso-proj/openai/v1/responses", "POST /api/projects/{project}/openai/v1/responses"},
		{"GET", "/api/projects/assistants/assistants/asst_1", "GET /api/projects/{project}/assistants/{assistant_id}"},
		// Unknown paths: GUIDs and long segments with a digit.
		{"GET", "/openai/operations/images/0f8fad5b-d9cb-469f-a165-70867728950e", "GET /openai/operations/images/{id}"},
		{"GET", "/custom/ABCDEFAB-CDEF-ABCD-EFAB-CDEFABCDEFAB", "GET /custom/{id}"},
		{"GET", "/custom/a-very-long-word-without-any-digit", "GET /custom/a-very-long-word-without-any-digit"},
		{"GET", "/custom/item9f0e1d2c3b4a5f6e/detail", "GET /custom/{id}/detail"},
		{"GET", "/custom/averyveryverylongword", "GET /custom/averyveryverylongword"},
		{"GET", "/v1/health", "GET /v1/health"},
		{"GET", "/openai/deployments/gpt-4o-2024-08-06", "GET /openai/deployments/{deployment}"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, spanName(tt.method, tt.path), "%s %s", tt.method, tt.path)
	}
}

func TestSpanNameAllocatesOnlyTheName(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		_ = spanName("GET", "/openai/threads/thread_abc/runs/run_abc/steps/step_abc")
	})
	assert.Equal(t, 1.0, allocs)
	long := "/openai/files/" + strings.Repeat("x", 300)
	assert.Equal(t, "GET /openai/files/{file_id}", spanName("GET", long))
}

func BenchmarkSpanName(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = spanName("POST", "/openai/deployments/gpt-4o/chat/completions")
	}
}
