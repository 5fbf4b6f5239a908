package genai

// API is the API family a call addresses.
type API uint8

// The API families the processor tells apart.
const (
	APIUnknown API = iota
	APIChat
	APICompletions
	APIEmbeddings
	APIResponses
	// APIImages is image generations: a JSON request.
	APIImages
	// APIImageEdits is image edits and variations: a multipart request.
	APIImageEdits
	// APITranscription is audio transcriptions and translations: speech in,
	// text out.
	APITranscription
	// APISpeech is text to speech.
	APISpeech
	// APIAudio is any other /audio/ path.
	APIAudio
	APIAssistants
	// APIThreads is threads, their messages and runs, and run steps.
	APIThreads
	APIBatches
	APIFiles
	APIFineTuning
	APIVectorStores
	APIModels
	APIDeployments
)

// apiNames are the values of azure.openai.api, by API.
var apiNames = [...]string{
	APIUnknown:       "",
	APIChat:          "chat.completions",
	APICompletions:   "completions",
	APIEmbeddings:    "embeddings",
	APIResponses:     "responses",
	APIImages:        "images",
	APIImageEdits:    "images",
	APITranscription: "audio",
	APISpeech:        "audio",
	APIAudio:         "audio",
	APIAssistants:    "assistants",
	APIThreads:       "threads",
	APIBatches:       "batches",
	APIFiles:         "files",
	APIFineTuning:    "fine_tuning",
	APIVectorStores:  "vector_stores",
	APIModels:        "models",
	APIDeployments:   "deployments",
}

// Name is the family's name as the URL spells it ("chat.completions",
// "batches", ...; "" for an unknown path).
func (a API) Name() string {
	if int(a) < len(apiNames) {
		return apiNames[a]
	}
	return ""
}

// JSONRequest reports whether the API's request bodies are JSON.
// Transcriptions, translations and image edits and variations are
// multipart forms: reading them as JSON would only count a failure.
func (a API) JSONRequest() bool {
	return a != APITranscription && a != APIImageEdits
}

// JSONResponse reports whether every response body of the API is JSON.
// Speech answers with audio; transcriptions answer with plain text, SRT or
// WebVTT when asked to.
func (a API) JSONResponse() bool {
	return a != APITranscription && a != APISpeech
}

// Kind says how much of the GenAI vocabulary a call gets.
type Kind uint8

const (
	// KindResource manages or fetches something (files, batches, a stored
	// response, a list of assistants): no gen_ai.* attributes.
	KindResource Kind = iota
	// KindAgent creates an agent or starts a run of one: the operation, the
	// requested model and the usage its body reports.
	KindAgent
	// KindModel runs a model: every gen_ai.* attribute.
	KindModel
)

// Operation returns the gen_ai.operation.name of the call ("" when it is not
// a GenAI operation). Semantic conventions v1.41 have no operation for
// images or audio; generate_content, "multimodal content generation", is the
// well-known value that fits, and gen_ai.output.type tells them apart.
func (r Route) Operation() string {
	switch r.Kind {
	case KindModel:
		switch r.API {
		case APIChat, APIResponses:
			return "chat"
		case APICompletions:
			return "text_completion"
		case APIEmbeddings:
			return "embeddings"
		case APIImages, APIImageEdits, APITranscription, APISpeech:
			return "generate_content"
		}
	case KindAgent:
		switch r.API {
		case APIAssistants:
			return "create_agent"
		case APIThreads:
			return "invoke_agent"
		}
	}
	return ""
}

// OutputType is the gen_ai.output.type the API implies ("" when the request
// body says).
func (r Route) OutputType() string {
	if r.Kind != KindModel {
		return ""
	}
	switch r.API {
	case APIImages, APIImageEdits:
		return "image"
	case APISpeech:
		return "speech"
	case APITranscription:
		return "text"
	}
	return ""
}
