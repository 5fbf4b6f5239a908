package exchange

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validRecord is the smallest record the format accepts.
const validRecord = `{"start_time":"2026-11-20T09:14:03.120Z","duration_ms":10,` +
	`"request":{"method":"POST","url":"https://x.openai.azure.com/openai/deployments/d/chat/completions"},` +
	`"response":{"status":200}}`

func withField(field, value string) string {
	return strings.Replace(validRecord, `{"start_time"`, `{`+field+`:`+value+`,"start_time"`, 1)
}

func TestDecodeFraming(t *testing.T) {
	dec := NewDecoder(Options{})
	tests := []struct {
		name     string
		body     string
		format   Format
		accepted int
		errors   []string
		bodyErr  string
	}{
		{name: "object", body: validRecord, accepted: 1},
		{name: "array", body: "[" + validRecord + "," + validRecord + "]", accepted: 2},
		{name: "array with spaces", body: " [ \n" + validRecord + " ,\n " + validRecord + " ]\n", accepted: 2},
		{name: "ndjson", body: validRecord + "\n\n" + validRecord + "\r\n   \n" + validRecord, format: FormatNDJSON, accepted: 3},
		{name: "ndjson bad line keeps the others", body: validRecord + "\n{not json\n" + validRecord, format: FormatNDJSON, accepted: 2,
			errors: []string{"record 1: not valid JSON: expected a string key in object at offset "}},
		{name: "ndjson trailing data", body: validRecord + " x\n" + validRecord, format: FormatNDJSON, accepted: 1,
			errors: []string{"record 0: not valid JSON: unexpected data after the record"}},
		{name: "array element not an object", body: "[1," + validRecord + "]", accepted: 1,
			errors: []string{"record 0: must be a JSON object"}},
		{name: "empty", body: "", bodyErr: "body holds no record"},
		{name: "whitespace", body: " \n ", bodyErr: "body holds no record"},
		{name: "empty array", body: "[]", bodyErr: "body holds no record"},
		{name: "empty ndjson", body: "\n\n", format: FormatNDJSON, bodyErr: "body holds no record"},
		{name: "not JSON", body: "hello", bodyErr: "body is not valid JSON: invalid value at offset 0"},
		{name: "truncated array", body: "[" + validRecord, bodyErr: "body is not valid JSON: unexpected end of input in array"},
		{name: "trailing comma", body: "[" + validRecord + ",]", bodyErr: "body is not valid JSON: trailing comma in array"},
		{name: "two objects without array", body: validRecord + validRecord, bodyErr: "body is not valid JSON: unexpected data after the JSON value"},
		{name: "deep nesting", body: `{"x":` + strings.Repeat("[", 100000), bodyErr: "body is not valid JSON: nesting too deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := dec.Decode([]byte(tt.body), tt.format)
			if tt.bodyErr != "" {
				require.Error(t, err)
				var bodyErr *BodyError
				require.ErrorAs(t, err, &bodyErr)
				assert.Contains(t, err.Error(), tt.bodyErr)
				assert.Equal(t, 0, res.Traces.SpanCount())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.accepted, res.Accepted)
			assert.Equal(t, tt.accepted, res.Traces.SpanCount())
			assert.Equal(t, len(tt.errors), res.Rejected)
			require.Len(t, res.Errors, len(tt.errors))
			for i, want := range tt.errors {
				assert.Contains(t, res.Errors[i].Error(), want)
			}
		})
	}
}

// TestDecodeBadRecords is the table of records the format refuses: each is
// rejected alone, with a message naming the record and the field, while the
// valid record beside it is accepted.
func TestDecodeBadRecords(t *testing.T) {
	req := func(s string) string {
		return `{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":` + s + `,"response":{"status":200}}`
	}
	resp := func(s string) string {
		return `{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://h/p"},"response":` + s + `}`
	}
	manyHeaders := func(n int) string {
		var b strings.Builder
		b.WriteString(`{"method":"POST","url":"https://h/p","headers":{`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"x-h` + strings.Repeat("a", i%7) + string(rune('a'+i%26)) + `-` + strconv.Itoa(i) + `":"v"`)
		}
		b.WriteString("}}")
		return b.String()
	}
	tests := []struct {
		name   string
		record string
		reason Reason
		want   string
	}{
		{"status as string", resp(`{"status":"200"}`), ReasonInvalidField, "response.status: must be an integer 100-599"},
		{"status out of range", resp(`{"status":600}`), ReasonInvalidField, "response.status: must be an integer 100-599"},
		{"status fraction", resp(`{"status":200.5}`), ReasonInvalidField, "response.status: must be an integer 100-599"},
		{"missing status", resp(`{"headers":{}}`), ReasonMissingField, "response.status: required unless error is set"},
		{"missing response", `{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://h/p"}}`, ReasonMissingField, "response.status: required unless error is set"},
		{"missing start_time", `{"duration_ms":1,"request":{"method":"POST","url":"https://h/p"},"response":{"status":200}}`, ReasonMissingField, "start_time: required"},
		{"start_time not RFC 3339", withField(`"start_time"`, `"20/11/2026 09:14"`), ReasonInvalidField, "start_time: must be an RFC 3339 time"},
		{"start_time as number", `{"start_time":1763630043,"duration_ms":1,"request":{"method":"POST","url":"https://h/p"},"response":{"status":200}}`, ReasonInvalidField, "start_time: must be a string"},
		{"no end", `{"start_time":"2026-11-20T09:14:03Z","request":{"method":"POST","url":"https://h/p"},"response":{"status":200}}`, ReasonMissingField, "end_time: required (or duration_ms)"},
		{"end before start", `{"start_time":"2026-11-20T09:14:03Z","end_time":"2026-11-20T09:14:02Z","request":{"method":"POST","url":"https://h/p"},"response":{"status":200}}`, ReasonInvalidField, "end_time: before start_time"},
		{"negative duration", `{"start_time":"2026-11-20T09:14:03Z","duration_ms":-1,"request":{"method":"POST","url":"https://h/p"},"response":{"status":200}}`, ReasonInvalidField, "duration_ms: must be a number >= 0"},
		{"duration as string", `{"start_time":"2026-11-20T09:14:03Z","duration_ms":"5","request":{"method":"POST","url":"https://h/p"},"response":{"status":200}}`, ReasonInvalidField, "duration_ms: must be a number >= 0"},
		{"missing url", req(`{"method":"POST"}`), ReasonMissingField, "request.url: required"},
		{"missing request", `{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"response":{"status":200}}`, ReasonMissingField, "request: required"},
		{"missing method", req(`{"url":"https://h/p"}`), ReasonMissingField, "request.method: required"},
		{"method not a token", req(`{"method":"PO ST","url":"https://h/p"}`), ReasonInvalidField, "request.method: must be an HTTP method token"},
		{"relative url", req(`{"method":"POST","url":"/openai/deployments/x"}`), ReasonInvalidField, "request.url: must be an absolute URL"},
		{"url with space", req(`{"method":"POST","url":"https://h/a b"}`), ReasonInvalidField, "request.url: must be an absolute URL without spaces"},
		{"url without host", req(`{"method":"POST","url":"https:///p"}`), ReasonInvalidField, "request.url: must be an absolute URL with a host"},
		{"url bad port", req(`{"method":"POST","url":"https://h:99999/p"}`), ReasonInvalidField, "request.url: must be an absolute URL with a port 1-65535"},
		{"request not an object", `{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":"POST https://h/p","response":{"status":200}}`, ReasonInvalidField, "request: must be an object"},
		{"bad traceparent", withField(`"traceparent"`, `"00-xyz-00f067aa0ba902b7-01"`), ReasonInvalidField, "traceparent: not a W3C traceparent"},
		{"zero trace id", withField(`"traceparent"`, `"00-00000000000000000000000000000000-00f067aa0ba902b7-01"`), ReasonInvalidField, "traceparent: not a W3C traceparent"},
		{"unknown version", withField(`"version"`, `2`), ReasonUnsupportedVersion, "version: version 2 is not supported; this receiver reads version 1"},
		{"version as string", withField(`"version"`, `"1"`), ReasonInvalidField, "version: must be an integer"},
		{"header value number", req(`{"method":"POST","url":"https://h/p","headers":{"X-Count":3}}`), ReasonInvalidField, "request.headers.x-count: must be a string or an array of strings"},
		{"header array with number", req(`{"method":"POST","url":"https://h/p","headers":{"X-A":["a",1]}}`), ReasonInvalidField, "request.headers.x-a: must be a string or an array of strings"},
		{"header name not a token", req(`{"method":"POST","url":"https://h/p","headers":{"bad name":"v"}}`), ReasonInvalidField, "request.headers: a header name is not an HTTP token"},
		{"headers not an object", req(`{"method":"POST","url":"https://h/p","headers":["a"]}`), ReasonInvalidField, "request.headers: must be an object"},
		{"huge header count", req(manyHeaders(maxHeadersPerMessage + 1)), ReasonTooLarge, "request.headers: more than 256 headers"},
		{"non-UTF-8 body", req("{\"method\":\"POST\",\"url\":\"https://h/p\",\"body\":\"caf\xe9\"}"), ReasonInvalidField, "request.body: not valid UTF-8; send bytes that are not text as body_base64"},
		{"lone surrogate body", resp(`{"status":200,"body":"\ud800"}`), ReasonInvalidField, "response.body: not valid UTF-8"},
		{"non-UTF-8 in a JSON body", req("{\"method\":\"POST\",\"url\":\"https://h/p\",\"body\":{\"a\":\"\xff\"}}"), ReasonInvalidField, "request.body: not valid UTF-8"},
		{"bad base64", resp(`{"status":200,"body_base64":"!!!"}`), ReasonInvalidField, "response.body_base64: not valid base64"},
		{"body and base64", resp(`{"status":200,"body":"a","body_base64":"YQ=="}`), ReasonInvalidField, "response.body_base64: cannot be combined with body"},
		{"truncated not bool", resp(`{"status":200,"body_truncated":"yes"}`), ReasonInvalidField, "response.body_truncated: must be true or false"},
		{"caller field number", withField(`"caller"`, `{"ip":7}`), ReasonInvalidField, "caller.ip: must be a string"},
		{"gateway not object", withField(`"gateway"`, `"apim"`), ReasonInvalidField, "gateway: must be an object"},
	}
	dec := NewDecoder(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := "[" + validRecord + "," + tt.record + "]"
			res, err := dec.Decode([]byte(body), FormatJSON)
			require.NoError(t, err)
			assert.Equal(t, 1, res.Accepted, "the valid record is kept")
			assert.Equal(t, 1, res.Traces.SpanCount())
			require.Equal(t, 1, res.Rejected, "%v", res.Errors)
			require.Len(t, res.Errors, 1)
			assert.Equal(t, 1, res.Errors[0].Index)
			assert.Equal(t, tt.reason, res.Errors[0].Reason)
			assert.Equal(t, 1, res.RejectedByReason[tt.reason])
			assert.Contains(t, res.Errors[0].Error(), "record 1: "+tt.want)
		})
	}
}

func TestDecodeUnknownFieldsAndNulls(t *testing.T) {
	dec := NewDecoder(Options{})
	record := `{"version":1,"future":{"a":[1,2,{"b":null}]},"id":null,"start_time":"2026-11-20T09:14:03+02:00","end_time":"2026-11-20T09:14:04.5+02:00",` +
		`"caller":null,"gateway":{"name":"g","other":true},"request":{"method":"GET","url":"http://h:8080","body":null,"extra":1},` +
		`"response":{"status":204,"headers":{"X-Null":null}},"error":null}`
	res, err := dec.Decode([]byte(record), FormatJSON)
	require.NoError(t, err)
	require.Equal(t, 1, res.Accepted, "%v", res.Errors)
}

func TestDecodeErrorsAreBounded(t *testing.T) {
	dec := NewDecoder(Options{})
	body := "[" + strings.Repeat(`{"version":9},`, 1000) + validRecord + "]"
	res, err := dec.Decode([]byte(body), FormatJSON)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Accepted)
	assert.Equal(t, 1000, res.Rejected)
	assert.Len(t, res.Errors, MaxReportedErrors)
}

// A header value with bytes outside UTF-8 (obs-text, RFC 9110 §5.5) keeps
// its record: each run of such bytes becomes U+FFFD and the value is counted.
func TestDecodeHeaderValuesNotUTF8AreReplaced(t *testing.T) {
	dec := NewDecoder(Options{})
	record := strings.Replace(validRecord, `"response":{"status":200}`,
		"\"response\":{\"status\":200,\"headers\":{\"x-ms-region\":\"Sweden\xffCentral\",\"x-a\":[\"ok\",\"caf\xe9\",\"\\ud800\"]}}", 1)
	res, err := dec.Decode([]byte(record), FormatJSON)
	require.NoError(t, err)
	require.Equal(t, 1, res.Accepted, "%v", res.Errors)
	assert.Equal(t, 3, res.ReplacedHeaderValues)
	attrs := res.Traces.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	region, _ := attrs.Get("http.response.header.x-ms-region")
	assert.Equal(t, []any{"Sweden\uFFFDCentral"}, region.Slice().AsRaw())
	a, _ := attrs.Get("http.response.header.x-a")
	assert.Equal(t, []any{"ok", "caf\uFFFD", "\uFFFD"}, a.Slice().AsRaw())
}
