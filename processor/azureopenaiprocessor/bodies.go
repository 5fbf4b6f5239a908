package azureopenaiprocessor // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor"

import (
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/genai"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/sse"
)

// readBodies parses the bodies of the span in view into l.request and l.resp,
// as far as the route says they are JSON and worth reading, and reports
// whether the response is a stream. Failures go to out.
func (l *lifter) readBodies(route genai.Route, out *outcome) (stream bool) {
	v, req, resp := &l.view, &l.request, &l.resp
	capture := l.cfg.CaptureContent
	if route.Kind == genai.KindResource {
		// A call that runs no model has nothing for gen_ai.*; only an error
		// body refines error.type. Its other bodies (file contents, lists)
		// are not read at all.
		if v.statusCode >= 400 && l.decodedResponse(out) && l.respR.ReadBody(v.responseBody, false, resp) != nil {
			out.responseFailed = true
		}
		return false
	}
	switch {
	case !l.decodedRequest(out):
	case route.API.JSONRequest():
		if l.reqR.Read(v.requestBody, route.API, capture, req) != nil {
			out.requestFailed = true
		}
	default:
		// A multipart form: only its model field is read.
		req.Model = genai.FormModel(v.requestBody)
	}
	if !l.decodedResponse(out) {
		return false
	}
	if sse.LooksLikeStream(v.responseBody) {
		stream = true
		collectText := capture || (l.cfg.EstimateTokens && !req.IncludeUsage)
		if l.respR.ReadStream(v.responseBody, collectText, resp) > 0 {
			out.streamFailed = true
		}
	} else if route.API.JSONResponse() || startsObject(v.responseBody) {
		if l.respR.ReadBody(v.responseBody, capture, resp) != nil {
			out.responseFailed = true
		}
	}
	resp.Finish()
	return stream
}

// startsObject reports whether body's first non-space byte opens a JSON
// object: audio APIs answer with JSON only when asked to.
func startsObject(body []byte) bool {
	for _, c := range body {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c == '{'
	}
	return false
}

// keepAgentFacts drops what a call that runs no model must not report. An
// agent call (create_agent, invoke_agent) keeps its requested model and
// sampling settings, its stream flag and the usage its body reports (a run
// object's); every call keeps its error, for error.type. No response id,
// response model or finish reasons: a run's or assistant's status is not a
// model's finish reason.
func keepAgentFacts(route genai.Route, req *genai.Request, resp *genai.Response) {
	if route.API == genai.APIAssistants && req.AgentID == "" {
		// The assistant created is the agent: its id is the response's.
		req.AgentID = resp.ID
	}
	*req = genai.Request{
		Model: req.Model, Stream: req.Stream, MaxTokens: req.MaxTokens, Temperature: req.Temperature, TopP: req.TopP,
		AgentName: req.AgentName, AgentID: req.AgentID,
	}
	*resp = genai.Response{Usage: resp.Usage, Error: resp.Error, Stream: resp.Stream, Chunks: resp.Chunks}
}
