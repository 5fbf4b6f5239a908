package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import "strings"

// spanName returns "{method} {path}" with every segment that names one
// object templated (POST /openai/deployments/{deployment}/chat/completions,
// GET /openai/files/{file_id}/content), so that span names stay few however
// many deployments, files, threads or runs there are. It allocates only the
// name.
func spanName(method, path string) string {
	if path == "" {
		path = "/"
	}
	var stack [160]byte
	b := append(stack[:0], method...)
	b = append(b, ' ')
	b = appendTemplatedPath(b, path)
	return string(b)
}

// appendTemplatedPath appends path with the segment after a collection
// (idTemplate) and any segment that looks like an id replaced by a template.
// Slashes, empty segments included, are kept as they are.
func appendTemplatedPath(b []byte, path string) []byte {
	collection := ""
	for path != "" {
		if path[0] == '/' {
			b = append(b, '/')
			path = path[1:]
			continue
		}
		end := strings.IndexByte(path, '/')
		if end < 0 {
			end = len(path)
		}
		seg := path[:end]
		path = path[end:]
		template := idTemplate(collection)
		switch {
		case template != "" && (namedByUser(collection) || !isPathWord(seg)):
			b = append(b, template...)
			collection = ""
		case looksLikeID(seg):
			b = append(b, "{id}"...)
			collection = ""
		default:
			b = append(b, seg...)
			collection = seg
		}
	}
	return b
}

// idTemplate returns the template of the segment that follows a collection
// segment of the OpenAI, Azure OpenAI and Azure AI Foundry APIs ("" when seg
// is not one).
func idTemplate(seg string) string {
	switch seg {
	case "deployments":
		return "{deployment}"
	case "files":
		return "{file_id}"
	case "assistants":
		return "{assistant_id}"
	case "threads":
		return "{thread_id}"
	case "messages":
		return "{message_id}"
	case "runs":
		return "{run_id}"
	case "steps":
		return "{step_id}"
	case "responses":
		return "{response_id}"
	case "batches", "file_batches":
		return "{batch_id}"
	case "jobs":
		return "{fine_tuning_job_id}"
	case "checkpoints":
		return "{checkpoint_id}"
	case "vector_stores":
		return "{vector_store_id}"
	case "uploads":
		return "{upload_id}"
	case "conversations":
		return "{conversation_id}"
	case "items":
		return "{item_id}"
	case "containers":
		return "{container_id}"
	case "evals":
		return "{eval_id}"
	case "projects":
		return "{project}"
	case "models":
		return "{model}"
	case "completions":
		// GET /chat/completions/{id}: a stored chat completion.
		return "{completion_id}"
	}
	return ""
}

// namedByUser reports whether the collection's members have names their
// owner chose (a deployment called "embeddings"), which no word of the API
// rules out.
func namedByUser(collection string) bool {
	return collection == "deployments" || collection == "projects"
}

// isPathWord reports whether seg is a fixed word of the APIs, which is never
// an id even right after a collection: /threads/runs, /files/import,
// /models/chat/completions (the Azure AI model-inference API).
func isPathWord(seg string) bool {
	if idTemplate(seg) != "" {
		return true
	}
	switch seg {
	case "chat", "embeddings", "images", "audio", "info", "cancel", "content", "input_items",
		"submit_tool_outputs", "events", "search", "import", "parts", "complete", "pause", "resume":
		return true
	}
	return false
}

// looksLikeID reports whether a segment outside a known collection is an id:
// shaped like a GUID (8-4-4-4-12), or at least 16 characters with a digit
// among them (file-…, resp_…, a hash). Words and short names such as v1 are
// not.
func looksLikeID(seg string) bool {
	if len(seg) == 36 && seg[8] == '-' && seg[13] == '-' && seg[18] == '-' && seg[23] == '-' {
		return true
	}
	if len(seg) < 16 {
		return false
	}
	return strings.IndexAny(seg, "0123456789") >= 0
}
