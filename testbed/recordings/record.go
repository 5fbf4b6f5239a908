package recordings // import "github.com/otelcol-aoai/otelcol-aoai/testbed/recordings"

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// rawExchange is an exchange as read from any cassette shape, before it
// becomes a record.
type rawExchange struct {
	method, url     string
	status          int
	requestHeaders  []Header
	responseHeaders []Header
	requestBody     body
	responseBody    body
}

// body is a recorded body: text, or bytes that were recorded as binary.
type body struct {
	text   string
	bytes  []byte
	binary bool
}

// fallbackStart is the start time of exchanges whose recording has no Date
// header: any fixed instant keeps the records, and so the golden files,
// stable.
var fallbackStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// durationHeaders are response headers that say how long the backend took,
// in milliseconds, in the order they are trusted.
var durationHeaders = []string{"openai-processing-ms", "cmp-upstream-response-duration", "x-envoy-upstream-service-time", "ms-azureml-model-time"}

func (r rawExchange) exchange(file string, index int) (Exchange, error) {
	name := file + "#" + strconv.Itoa(index)
	ex := Exchange{
		Name: name, File: file, Index: index,
		Method: strings.ToUpper(r.method), URL: r.url, Status: r.status,
		RequestHeaders: r.requestHeaders, ResponseHeaders: r.responseHeaders,
	}
	if ex.Method == "" {
		ex.Method = http.MethodPost
	}
	reqText, reqB64, reqDecoded, err := r.requestBody.decode(r.requestHeaders)
	if err != nil {
		return ex, fmt.Errorf("request body: %w", err)
	}
	respText, respB64, respDecoded, err := r.responseBody.decode(r.responseHeaders)
	if err != nil {
		return ex, fmt.Errorf("response body: %w", err)
	}
	ex.RequestBody, ex.ResponseBody = reqText, respText
	if reqDecoded {
		ex.RequestHeaders = withoutHeader(ex.RequestHeaders, "content-encoding")
	}
	if respDecoded {
		ex.ResponseHeaders = withoutHeader(ex.ResponseHeaders, "content-encoding")
	}

	start := fallbackStart
	if date := headerValue(r.responseHeaders, "date"); date != "" {
		if t, err := http.ParseTime(date); err == nil {
			start = t.UTC()
		}
	}
	var duration float64
	for _, h := range durationHeaders {
		if v, err := strconv.ParseFloat(headerValue(r.responseHeaders, h), 64); err == nil && v >= 0 {
			duration = v
			break
		}
	}

	rec := jsonRecord{
		Version:    1,
		ID:         name,
		StartTime:  start.Format(time.RFC3339Nano),
		DurationMS: duration,
		Request: jsonMessage{
			Method: ex.Method, URL: r.url,
			Headers: orderedHeaders(ex.RequestHeaders), Body: reqText, BodyBase64: reqB64,
		},
		Response: jsonMessage{
			Status:  r.status,
			Headers: orderedHeaders(ex.ResponseHeaders), Body: respText, BodyBase64: respB64,
		},
	}
	ex.Record, err = json.Marshal(rec)
	return ex, err
}

// decode returns the body as the record carries it: text, or base64 for
// bytes that are not UTF-8. gzip recorded as binary is undone (decoded
// reports it), as a gateway records what the model said, not its wire form.
func (b body) decode(headers []Header) (text, base64Text string, decoded bool, err error) {
	if !b.binary {
		if !utf8.ValidString(b.text) {
			return "", base64.StdEncoding.EncodeToString([]byte(b.text)), false, nil
		}
		return b.text, "", false, nil
	}
	data := b.bytes
	if strings.Contains(strings.ToLower(headerValue(headers, "content-encoding")), "gzip") || bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return "", "", false, fmt.Errorf("gzip: %w", err)
		}
		if data, err = io.ReadAll(io.LimitReader(zr, 64<<20)); err != nil {
			return "", "", false, fmt.Errorf("gzip: %w", err)
		}
		decoded = true
	}
	if utf8.Valid(data) {
		return string(data), "", decoded, nil
	}
	return "", base64.StdEncoding.EncodeToString(data), decoded, nil
}

func headerValue(headers []Header, name string) string {
	for _, h := range headers {
		if strings.EqualFold(h.Name, name) && len(h.Values) > 0 {
			return h.Values[0]
		}
	}
	return ""
}

func withoutHeader(headers []Header, name string) []Header {
	out := make([]Header, 0, len(headers))
	for _, h := range headers {
		if !strings.EqualFold(h.Name, name) {
			out = append(out, h)
		}
	}
	return out
}

type jsonRecord struct {
	Version    int         `json:"version"`
	ID         string      `json:"id"`
	StartTime  string      `json:"start_time"`
	DurationMS float64     `json:"duration_ms"`
	Request    jsonMessage `json:"request"`
	Response   jsonMessage `json:"response"`
}

type jsonMessage struct {
	Method     string         `json:"method,omitempty"`
	URL        string         `json:"url,omitempty"`
	Status     int            `json:"status,omitempty"`
	Headers    orderedHeaders `json:"headers"`
	Body       string         `json:"body,omitempty"`
	BodyBase64 string         `json:"body_base64,omitempty"`
}

// orderedHeaders marshals as a JSON object in recorded order; a name
// recorded twice (in two cases) stays twice, as a gateway could send it.
type orderedHeaders []Header

func (h orderedHeaders) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, header := range h {
		if i > 0 {
			b.WriteByte(',')
		}
		name, err := json.Marshal(header.Name)
		if err != nil {
			return nil, err
		}
		values, err := json.Marshal(header.Values)
		if err != nil {
			return nil, err
		}
		b.Write(name)
		b.WriteByte(':')
		b.Write(values)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
