package genai

import "strings"

// API is the OpenAI API family a URL path addresses.
type API uint8

// The API families the processor understands.
const (
	APIUnknown API = iota
	APIChat
	APICompletions
	APIEmbeddings
	APIResponses
	APIAssistants
	APIRuns
)

// Operation returns the gen_ai.operation.name of the API ("" when none fits).
func (a API) Operation() string {
	switch a {
	case APIChat, APIResponses:
		return "chat"
	case APICompletions:
		return "text_completion"
	case APIEmbeddings:
		return "embeddings"
	case APIAssistants:
		return "create_agent"
	case APIRuns:
		return "invoke_agent"
	}
	return ""
}

// Route is what a URL path says about a call.
type Route struct {
	API API
	// Deployment is the {d} of /openai/deployments/{d}/..., else "".
	Deployment string
	// AzurePath is true for /openai/... paths, which only Azure serves.
	AzurePath bool
}

// ClassifyPath reads an Azure OpenAI or OpenAI URL path (query allowed; empty
// segments such as a double slash are ignored).
func ClassifyPath(path string) Route {
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
	r.API = apiOf(s)
	return r
}

func apiOf(s []string) API {
	if len(s) == 0 {
		return APIUnknown
	}
	switch s[0] {
	case "chat":
		if len(s) >= 2 && s[1] == "completions" {
			return APIChat
		}
	case "completions":
		return APICompletions
	case "embeddings":
		return APIEmbeddings
	case "responses":
		// GET /responses/{id} and its sub-resources fetch, they do not infer.
		if len(s) == 1 {
			return APIResponses
		}
	case "assistants":
		if len(s) == 1 {
			return APIAssistants
		}
	case "threads":
		if s[len(s)-1] == "runs" {
			return APIRuns
		}
	}
	return APIUnknown
}
