package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClassifyPath(t *testing.T) {
	tests := []struct {
		method, path string
		want         Route
		operation    string
	}{
		// Model calls on deployment paths.
		{"POST", "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", Route{API: APIChat, Kind: KindModel, Deployment: "gpt-4o", AzurePath: true}, "chat"},
		{"POST", "//openai/deployments/test-openai/chat/completions", Route{API: APIChat, Kind: KindModel, Deployment: "test-openai", AzurePath: true}, "chat"},
		{"POST", "/openai/deployments/dep/completions", Route{API: APICompletions, Kind: KindModel, Deployment: "dep", AzurePath: true}, "text_completion"},
		{"POST", "/openai/deployments/ada/embeddings", Route{API: APIEmbeddings, Kind: KindModel, Deployment: "ada", AzurePath: true}, "embeddings"},
		{"POST", "/openai/deployments/d/extensions/chat/completions", Route{API: APIChat, Kind: KindModel, Deployment: "d", AzurePath: true}, "chat"},
		{"POST", "/openai/deployments/dall-e-3/images/generations", Route{API: APIImages, Kind: KindModel, Deployment: "dall-e-3", AzurePath: true}, "generate_content"},
		{"POST", "/openai/deployments/gpt-image-1/images/edits", Route{API: APIImageEdits, Kind: KindModel, Deployment: "gpt-image-1", AzurePath: true}, "generate_content"},
		{"POST", "/openai/deployments/whisper/audio/transcriptions", Route{API: APITranscription, Kind: KindModel, Deployment: "whisper", AzurePath: true}, "generate_content"},
		{"POST", "/openai/deployments/whisper/audio/translations", Route{API: APITranscription, Kind: KindModel, Deployment: "whisper", AzurePath: true}, "generate_content"},
		{"POST", "/openai/deployments/tts/audio/speech", Route{API: APISpeech, Kind: KindModel, Deployment: "tts", AzurePath: true}, "generate_content"},
		// A span without a method: the path decides, as for POST.
		{"", "/openai/deployments/gpt-4o/chat/completions", Route{API: APIChat, Kind: KindModel, Deployment: "gpt-4o", AzurePath: true}, "chat"},
		{"GET", "/openai/deployments/gpt-4o/chat/completions", Route{API: APIChat, Deployment: "gpt-4o", AzurePath: true}, ""},
		{"post", "/v1/embeddings", Route{API: APIEmbeddings, Kind: KindModel}, "embeddings"},
		// Stored chat completions.
		{"GET", "/v1/chat/completions/chatcmpl-abc", Route{API: APIChat}, ""},
		{"POST", "/v1/chat/completions/chatcmpl-abc", Route{API: APIChat}, ""},
		// Responses: only the create runs the model.
		{"POST", "/openai/v1/responses", Route{API: APIResponses, Kind: KindModel, AzurePath: true}, "chat"},
		{"POST", "/openai/responses?api-version=preview", Route{API: APIResponses, Kind: KindModel, AzurePath: true}, "chat"},
		{"GET", "/openai/v1/responses/resp_1", Route{API: APIResponses, AzurePath: true}, ""},
		{"GET", "/openai/v1/responses/resp_1/input_items", Route{API: APIResponses, AzurePath: true}, ""},
		{"DELETE", "/openai/v1/responses/resp_1", Route{API: APIResponses, AzurePath: true}, ""},
		{"POST", "/openai/v1/responses/resp_1/cancel", Route{API: APIResponses, AzurePath: true}, ""},
		// OpenAI.
		{"POST", "/v1/chat/completions", Route{API: APIChat, Kind: KindModel}, "chat"},
		{"POST", "/v1/images/generations", Route{API: APIImages, Kind: KindModel}, "generate_content"},
		{"POST", "/v1/images/variations", Route{API: APIImageEdits, Kind: KindModel}, "generate_content"},
		// Agents.
		{"POST", "/openai/assistants", Route{API: APIAssistants, Kind: KindAgent, AzurePath: true}, "create_agent"},
		{"GET", "/openai/assistants", Route{API: APIAssistants, AzurePath: true}, ""},
		{"GET", "/openai/assistants/asst_abc", Route{API: APIAssistants, AzurePath: true}, ""},
		{"POST", "/openai/assistants/asst_abc", Route{API: APIAssistants, AzurePath: true}, ""},
		{"POST", "/v1/threads/t1/runs", Route{API: APIThreads, Kind: KindAgent}, "invoke_agent"},
		{"POST", "/openai/threads/runs", Route{API: APIThreads, Kind: KindAgent, AzurePath: true}, "invoke_agent"},
		{"GET", "/v1/threads/t1/runs", Route{API: APIThreads}, ""},
		{"GET", "/v1/threads/t1/runs/run_1/steps/step_1", Route{API: APIThreads}, ""},
		{"POST", "/openai/threads", Route{API: APIThreads, AzurePath: true}, ""},
		{"POST", "/openai/threads/thread_1/messages", Route{API: APIThreads, AzurePath: true}, ""},
		// Resources.
		{"POST", "/openai/batches", Route{API: APIBatches, AzurePath: true}, ""},
		{"GET", "/openai/batches/batch_1", Route{API: APIBatches, AzurePath: true}, ""},
		{"POST", "/openai/files", Route{API: APIFiles, AzurePath: true}, ""},
		{"GET", "/openai/files/file-abc123/content", Route{API: APIFiles, AzurePath: true}, ""},
		{"POST", "/openai/fine_tuning/jobs", Route{API: APIFineTuning, AzurePath: true}, ""},
		{"POST", "/openai/vector_stores/vs_1/files", Route{API: APIVectorStores, AzurePath: true}, ""},
		{"GET", "/openai/models", Route{API: APIModels, AzurePath: true}, ""},
		{"GET", "/v1/models/gpt-4o", Route{API: APIModels}, ""},
		{"GET", "/openai/deployments", Route{API: APIDeployments, AzurePath: true}, ""},
		{"GET", "/openai/deployments/gpt-4o", Route{Deployment: "gpt-4o", AzurePath: true}, ""},
		{"POST", "/openai/deployments/d/audio/voices", Route{API: APIAudio, Deployment: "d", AzurePath: true}, ""},
		// Azure AI Foundry: the model-inference API and project endpoints.
		{"POST", "/models/chat/completions?api-version=2024-05-01-preview", Route{API: APIChat, Kind: KindModel, Inference: true}, "chat"},
		{"POST", "/models/embeddings", Route{API: APIEmbeddings, Kind: KindModel, Inference: true}, "embeddings"},
		{"POST", "/models/images/embeddings", Route{API: APIEmbeddings, Kind: KindModel, Inference: true}, "embeddings"},
		{"GET", "/models/info", Route{API: APIModels}, ""},
		{"POST", "/api/projects/proj-1/openai/v1/responses", Route{API: APIResponses, Kind: KindModel, AzurePath: true}, "chat"},
		{"POST", "/api/projects/proj-1/openai/deployments/gpt-4o/chat/completions", Route{API: APIChat, Kind: KindModel, Deployment: "gpt-4o", AzurePath: true}, "chat"},
		{"POST", "/api/projects/proj-1/assistants", Route{API: APIAssistants, Kind: KindAgent, AzurePath: true}, "create_agent"},
		// Unknown.
		{"GET", "/health", Route{}, ""},
		{"POST", "", Route{}, ""},
	}
	for _, tt := range tests {
		got := ClassifyPath(tt.method, tt.path)
		assert.Equal(t, tt.want, got, "%s %s", tt.method, tt.path)
		assert.Equal(t, tt.operation, got.Operation(), "%s %s", tt.method, tt.path)
		assert.Equal(t, tt.operation != "" && tt.want.Kind == KindModel, got.ModelCall(), "%s %s", tt.method, tt.path)
	}
}

func TestRouteOutputTypeAndAPIName(t *testing.T) {
	assert.Equal(t, "image", ClassifyPath("POST", "/v1/images/generations").OutputType())
	assert.Equal(t, "speech", ClassifyPath("POST", "/v1/audio/speech").OutputType())
	assert.Equal(t, "text", ClassifyPath("POST", "/v1/audio/transcriptions").OutputType())
	assert.Empty(t, ClassifyPath("POST", "/v1/chat/completions").OutputType())
	assert.Empty(t, ClassifyPath("GET", "/v1/images/generations").OutputType())
	assert.Equal(t, "batches", APIBatches.Name())
	assert.Equal(t, "chat.completions", APIChat.Name())
	assert.Equal(t, "audio", APISpeech.Name())
	assert.Empty(t, APIUnknown.Name())
	assert.False(t, APITranscription.JSONRequest())
	assert.False(t, APIImageEdits.JSONRequest())
	assert.True(t, APIImages.JSONRequest())
	assert.False(t, APISpeech.JSONResponse())
	assert.True(t, APIChat.JSONResponse())
}
