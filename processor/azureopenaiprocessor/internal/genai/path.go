package genai

import "strings"

// Route is what a call's HTTP method and URL path say about it.
type Route struct {
	API  API
	Kind Kind
	// Deployment is the {d} of /openai/deployments/{d}/..., else "".
	Deployment string
	// AzurePath is true for /openai/... paths (Foundry projects'
	// /api/projects/{p}/... included), which only Azure serves.
	AzurePath bool
	// Inference is true for the Azure AI model-inference API
	// (/models/chat/completions, /models/embeddings, ...), whose body's
	// model names the deployment.
	Inference bool
}

// ModelCall reports whether the call runs a model and so gets the gen_ai.*
// model attributes.
func (r Route) ModelCall() bool { return r.Kind == KindModel }

// ClassifyPath reads an HTTP method and an Azure OpenAI, Azure AI Foundry or
// OpenAI URL path (query allowed; empty segments such as a double slash are
// ignored). An empty method (a span that does not record one) is read as
// POST: the path alone then decides, as for the model calls every AI
// gateway span is first of all.
func ClassifyPath(method, path string) Route {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	var segs [16]string
	n := 0
	for rest := path; rest != "" && n < len(segs); {
		var seg string
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
		} else {
			seg, rest = rest, ""
		}
		if seg != "" {
			segs[n] = seg
			n++
		}
	}
	s := segs[:n]
	var r Route
	if len(s) >= 3 && s[0] == "api" && s[1] == "projects" {
		// A Foundry project endpoint: /api/projects/{p}/openai/... or the
		// Agent Service's /api/projects/{p}/assistants, /threads, ...
		r.AzurePath = true
		s = s[3:]
	}
	if len(s) > 0 && s[0] == "models" && len(s) >= 2 && isInferenceAPI(s[1]) {
		r.Inference = true
		s = s[1:]
	}
	if len(s) > 0 && s[0] == "openai" {
		r.AzurePath = true
		s = s[1:]
		if len(s) >= 2 && s[0] == "deployments" {
			r.Deployment = s[1]
			s = s[2:]
		}
	}
	if len(s) > 0 && s[0] == "v1" {
		s = s[1:]
	}
	if len(s) > 0 && s[0] == "extensions" {
		s = s[1:]
	}
	r.API, r.Kind = classify(method == "" || strings.EqualFold(method, "POST"), s)
	return r
}

// isInferenceAPI reports whether seg, after a leading /models/, starts an
// Azure AI model-inference operation rather than naming a model
// (GET /models/{model}).
func isInferenceAPI(seg string) bool {
	switch seg {
	case "chat", "completions", "embeddings", "images":
		return true
	}
	return false
}

// classify names the API family of the segments after the prefixes and says
// whether the call runs a model (post: the method is POST).
func classify(post bool, s []string) (API, Kind) {
	if len(s) == 0 {
		return APIUnknown, KindResource
	}
	// Only a POST to the collection itself creates; a POST to an item
	// modifies it, cancels it or continues it.
	create := post && len(s) == 1
	switch s[0] {
	case "chat":
		if len(s) >= 2 && s[1] == "completions" {
			// GET /chat/completions lists stored completions, and
			// /chat/completions/{id} reads, updates or deletes one.
			return APIChat, modelIf(post && len(s) == 2)
		}
	case "completions":
		return APICompletions, modelIf(create)
	case "embeddings":
		return APIEmbeddings, modelIf(create)
	case "images":
		// /images/embeddings is the model-inference image embeddings API.
		if len(s) == 2 && s[1] == "embeddings" {
			return APIEmbeddings, modelIf(post)
		}
		if len(s) == 2 && (s[1] == "edits" || s[1] == "variations") {
			return APIImageEdits, modelIf(post)
		}
		return APIImages, modelIf(post && len(s) == 2 && (s[1] == "generations" || s[1] == "generations:submit"))
	case "audio":
		if len(s) == 2 && (s[1] == "transcriptions" || s[1] == "translations") {
			return APITranscription, modelIf(post)
		}
		if len(s) == 2 && s[1] == "speech" {
			return APISpeech, modelIf(post)
		}
		return APIAudio, KindResource
	case "responses":
		// GET /responses/{id} and its input_items fetch, POST
		// /responses/{id}/cancel cancels: none of them runs the model.
		return APIResponses, modelIf(create)
	case "assistants":
		if create {
			return APIAssistants, KindAgent
		}
		return APIAssistants, KindResource
	case "threads":
		// POST /threads/{t}/runs and POST /threads/runs start a run.
		if post && s[len(s)-1] == "runs" && (len(s) == 2 || len(s) == 3) {
			return APIThreads, KindAgent
		}
		return APIThreads, KindResource
	case "batches":
		return APIBatches, KindResource
	case "files", "uploads":
		return APIFiles, KindResource
	case "fine_tuning", "fine-tunes", "fine_tunes":
		return APIFineTuning, KindResource
	case "vector_stores":
		return APIVectorStores, KindResource
	case "models":
		return APIModels, KindResource
	case "deployments":
		return APIDeployments, KindResource
	}
	return APIUnknown, KindResource
}

func modelIf(b bool) Kind {
	if b {
		return KindModel
	}
	return KindResource
}
