package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The record mix of the load: 70 % non-streaming chat calls of about 3 KB,
// 30 % streamed ones of about 30 KB, made from the example records.
var (
	nonStreamingExamples = []string{
		"01-chat-search-sweden.json", "02-chat-support-eastus2.json",
		"05-chat-tool-calls.json", "12-reasoning-entra-caller.json",
	}
	streamingExamples = []string{"03-chat-stream-with-usage.json", "06-chat-stream-tool-call.json"}
)

// StreamSize is the size the streamed records' SSE bodies are grown to: JSON
// escaped, with the rest of the record, about 30 KB.
const StreamSize = 24 << 10

// isStreaming says which records of the mix are streamed: 3 in 10.
func isStreaming(n int) bool {
	switch n % 10 {
	case 1, 4, 7:
		return true
	}
	return false
}

// Placeholders in a template, replaced per record.
const (
	idMark    = "@@RECORD-ID@@"
	reqMark   = "@@REQUEST-ID@@"
	startMark = "@@START-TIME@@"
)

// recordTemplate is a record split at its placeholders.
type recordTemplate struct {
	parts [][]byte // text between placeholders
	marks []string // the placeholder after parts[i]
	size  int
}

// Mix makes the records of a run. Record n is always the same record (but
// for its start time), with its own record id and apim-request-id, so that
// every record becomes a distinct span and can be joined on its own row.
type Mix struct {
	salt      uint32
	nonStream []recordTemplate
	stream    []recordTemplate
}

// NewMix reads the example records from dir (examples/records).
func NewMix(dir string) (*Mix, error) {
	m := &Mix{salt: rand.Uint32()}
	for _, name := range nonStreamingExamples {
		t, err := loadTemplate(filepath.Join(dir, name), 0)
		if err != nil {
			return nil, err
		}
		m.nonStream = append(m.nonStream, t)
	}
	for _, name := range streamingExamples {
		t, err := loadTemplate(filepath.Join(dir, name), StreamSize)
		if err != nil {
			return nil, err
		}
		m.stream = append(m.stream, t)
	}
	return m, nil
}

// RecordID is record n's id (ai_gateway.record.id on its span).
func (m *Mix) RecordID(n int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", m.salt, n) }

// RequestID is record n's apim-request-id, the diagnostics join key.
func (m *Mix) RequestID(n int) string { return fmt.Sprintf("%08x-1111-4111-9111-%012x", m.salt, n) }

// Streaming reports whether record n is a streamed call.
func (m *Mix) Streaming(n int) bool { return isStreaming(n) }

// Record makes record n, started at start.
func (m *Mix) Record(n int, start time.Time) []byte {
	t := m.template(n)
	out := make([]byte, 0, t.size+64)
	for i, p := range t.parts {
		out = append(out, p...)
		if i < len(t.marks) {
			switch t.marks[i] {
			case idMark:
				out = append(out, m.RecordID(n)...)
			case reqMark:
				out = append(out, m.RequestID(n)...)
			case startMark:
				out = start.UTC().AppendFormat(out, time.RFC3339Nano)
			}
		}
	}
	return out
}

func (m *Mix) template(n int) recordTemplate {
	if isStreaming(n) {
		return m.stream[(n/10)%len(m.stream)]
	}
	return m.nonStream[(n/10)%len(m.nonStream)]
}

// loadTemplate turns an example record into the compact form a gateway posts,
// bodies as JSON strings (as APIM's Body.As<string>() gives them), with
// placeholders for its ids and start time. With streamSize, the SSE body is
// grown to about that size by repeating its content events.
func loadTemplate(path string, streamSize int) (recordTemplate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return recordTemplate{}, err
	}
	var rec map[string]any
	if err := json.Unmarshal(data, &rec); err != nil {
		return recordTemplate{}, fmt.Errorf("%s: %w", path, err)
	}
	if err := bodiesAsStrings(rec); err != nil {
		return recordTemplate{}, err
	}
	resp, _ := rec["response"].(map[string]any)
	headers, _ := resp["headers"].(map[string]any)
	if headers == nil {
		return recordTemplate{}, fmt.Errorf("%s: no response headers", path)
	}
	if streamSize > 0 {
		body, _ := resp["body"].(string)
		grown, ok := growStream(body, streamSize)
		if !ok {
			return recordTemplate{}, fmt.Errorf("%s: not a stream", path)
		}
		resp["body"] = grown
	}
	rec["id"] = idMark
	headers["apim-request-id"] = reqMark
	rec["start_time"] = startMark
	if _, ok := rec["end_time"]; ok {
		delete(rec, "end_time")
		rec["duration_ms"] = 1000
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		return recordTemplate{}, err
	}
	return splitAtMarks(bytes.TrimSpace(buf.Bytes())), nil
}

// bodiesAsStrings turns a request or response body given as JSON into the
// string of that JSON.
func bodiesAsStrings(rec map[string]any) error {
	for _, side := range []string{"request", "response"} {
		msg, _ := rec[side].(map[string]any)
		body, ok := msg["body"]
		if !ok {
			continue
		}
		if _, isString := body.(string); isString {
			continue
		}
		text, err := json.Marshal(body)
		if err != nil {
			return err
		}
		msg["body"] = string(text)
	}
	return nil
}

// growStream repeats the content events of an SSE body (all but the first
// two and the last three) until it is about size bytes; false if body is
// not a stream of at least six events.
func growStream(body string, size int) (string, bool) {
	events := strings.SplitAfter(body, "\n\n")
	if len(events) < 6 {
		return "", false
	}
	head, middle, tail := events[:2], events[2:len(events)-3], events[len(events)-3:]
	var b strings.Builder
	b.WriteString(strings.Join(head, ""))
	for i := 0; b.Len() < size; i++ {
		b.WriteString(middle[i%len(middle)])
	}
	b.WriteString(strings.Join(tail, ""))
	return b.String(), true
}

// splitAtMarks cuts the record's text at its placeholders, so that a record
// is made by appending parts and values.
func splitAtMarks(text []byte) recordTemplate {
	t := recordTemplate{size: len(text)}
	for len(text) > 0 {
		at, mark := -1, ""
		for _, mk := range []string{idMark, reqMark, startMark} {
			if i := bytes.Index(text, []byte(mk)); i >= 0 && (at < 0 || i < at) {
				at, mark = i, mk
			}
		}
		if at < 0 {
			t.parts = append(t.parts, text)
			break
		}
		t.parts = append(t.parts, text[:at])
		t.marks = append(t.marks, mark)
		text = text[at+len(mark):]
	}
	return t
}
