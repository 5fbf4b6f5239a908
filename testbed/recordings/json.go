package recordings // import "github.com/otelcol-aoai/otelcol-aoai/testbed/recordings"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// readJSONCassette reads the JSON shapes: Azure test-proxy session records
// ({"Entries": [...]}) and Datadog cassettes ({"request", "response"}).
// Anything else (a body without a request, a resource-log envelope) holds
// no exchange.
func readJSONCassette(data []byte) ([]rawExchange, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, err
	}
	switch {
	case probe["Entries"] != nil:
		return readTestProxy(probe["Entries"])
	case probe["request"] != nil && probe["response"] != nil:
		r, err := readDatadog(probe["request"], probe["response"])
		if err != nil {
			return nil, err
		}
		return []rawExchange{r}, nil
	}
	return nil, nil
}

type testProxyEntry struct {
	RequestURI      string          `json:"RequestUri"`
	RequestMethod   string          `json:"RequestMethod"`
	RequestHeaders  json.RawMessage `json:"RequestHeaders"`
	RequestBody     json.RawMessage `json:"RequestBody"`
	StatusCode      int             `json:"StatusCode"`
	ResponseHeaders json.RawMessage `json:"ResponseHeaders"`
	ResponseBody    json.RawMessage `json:"ResponseBody"`
}

func readTestProxy(raw json.RawMessage) ([]rawExchange, error) {
	var entries []testProxyEntry
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("Entries: %w", err)
	}
	out := make([]rawExchange, 0, len(entries))
	for i, e := range entries {
		r := rawExchange{method: e.RequestMethod, url: e.RequestURI, status: e.StatusCode}
		var err error
		if r.requestHeaders, err = jsonHeaders(e.RequestHeaders); err != nil {
			return nil, fmt.Errorf("entry %d: RequestHeaders: %w", i, err)
		}
		if r.responseHeaders, err = jsonHeaders(e.ResponseHeaders); err != nil {
			return nil, fmt.Errorf("entry %d: ResponseHeaders: %w", i, err)
		}
		if r.requestBody, err = jsonBody(e.RequestBody); err != nil {
			return nil, fmt.Errorf("entry %d: RequestBody: %w", i, err)
		}
		if r.responseBody, err = jsonBody(e.ResponseBody); err != nil {
			return nil, fmt.Errorf("entry %d: ResponseBody: %w", i, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func readDatadog(reqRaw, respRaw json.RawMessage) (rawExchange, error) {
	var req struct {
		Method  string          `json:"method"`
		URL     string          `json:"url"`
		Headers json.RawMessage `json:"headers"`
		Body    json.RawMessage `json:"body"`
	}
	var resp struct {
		Status struct {
			Code int `json:"code"`
		} `json:"status"`
		Headers json.RawMessage `json:"headers"`
		Body    json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(reqRaw, &req); err != nil {
		return rawExchange{}, fmt.Errorf("request: %w", err)
	}
	if err := json.Unmarshal(respRaw, &resp); err != nil {
		return rawExchange{}, fmt.Errorf("response: %w", err)
	}
	r := rawExchange{method: req.Method, url: req.URL, status: resp.Status.Code}
	var err error
	if r.requestHeaders, err = jsonHeaders(req.Headers); err != nil {
		return r, err
	}
	if r.responseHeaders, err = jsonHeaders(resp.Headers); err != nil {
		return r, err
	}
	if r.requestBody, err = jsonBody(req.Body); err != nil {
		return r, err
	}
	r.responseBody, err = jsonBody(resp.Body)
	return r, err
}

// jsonHeaders reads {"Name": "value" | ["values"]} in recorded order.
func jsonHeaders(raw json.RawMessage) ([]Header, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("headers are not an object")
	}
	var out []Header
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		h := Header{Name: name}
		var one string
		if err := json.Unmarshal(value, &one); err == nil {
			h.Values = []string{one}
		} else if err := json.Unmarshal(value, &h.Values); err != nil {
			return nil, fmt.Errorf("header %s: %w", name, err)
		}
		out = append(out, h)
	}
	return out, nil
}

// jsonBody reads a body recorded as a string, as a JSON value (kept as its
// text), or as an array of strings, one per SSE event (joined).
func jsonBody(raw json.RawMessage) (body, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return body{}, nil
	}
	switch trimmed[0] {
	case '"':
		var text string
		err := json.Unmarshal(trimmed, &text)
		return body{text: text}, err
	case '[':
		var events []string
		if err := json.Unmarshal(trimmed, &events); err == nil {
			return body{text: strings.Join(events, "")}, nil
		}
	}
	return body{text: string(trimmed)}, nil
}
