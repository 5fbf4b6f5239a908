// Package content writes captured prompts and completions as the JSON strings
// of the GenAI semantic conventions (gen_ai.input.messages,
// gen_ai.output.messages, gen_ai.system_instructions; schema of semconv
// v1.41), with every string capped at a byte limit on a UTF-8 boundary.
package content // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/content"

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/genai"
)

// Writer renders messages; MaxLength caps each string in bytes (0: no cap).
type Writer struct {
	MaxLength int
}

// InputMessages renders chat history: [{"role":...,"parts":[...],"name":...}].
func (w Writer) InputMessages(msgs []genai.Message) string {
	b := make([]byte, 0, 256)
	b = append(b, '[')
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"role":`...)
		b = plain(b, m.Role)
		b = append(b, `,"parts":`...)
		b = w.parts(b, m.Parts)
		if m.Name != "" {
			b = append(b, `,"name":`...)
			b = plain(b, m.Name)
		}
		b = append(b, '}')
	}
	return string(append(b, ']'))
}

// SystemInstructions renders instructions given apart from the history:
// [{"type":"text","content":...}].
func (w Writer) SystemInstructions(parts []genai.Part) string {
	return string(w.parts(make([]byte, 0, 128), parts))
}

// OutputMessages renders one message per choice:
// [{"role":"assistant","parts":[...],"finish_reason":...}].
func (w Writer) OutputMessages(choices []genai.Choice) string {
	b := make([]byte, 0, 256)
	b = append(b, '[')
	for i := range choices {
		c := &choices[i]
		if i > 0 {
			b = append(b, ',')
		}
		role := c.Role
		if role == "" {
			role = "assistant"
		}
		b = append(b, `{"role":`...)
		b = plain(b, role)
		b = append(b, `,"parts":[`...)
		n := 0
		sep := func() {
			if n > 0 {
				b = append(b, ',')
			}
			n++
		}
		if len(c.Reasoning) > 0 {
			sep()
			b = append(b, `{"type":"reasoning","content":`...)
			b = w.bytes(b, c.Reasoning)
			b = append(b, '}')
		}
		if len(c.Text) > 0 {
			sep()
			b = append(b, `{"type":"text","content":`...)
			b = w.bytes(b, c.Text)
			b = append(b, '}')
		}
		if len(c.Refusal) > 0 {
			sep()
			b = append(b, `{"type":"text","content":`...)
			b = w.bytes(b, c.Refusal)
			b = append(b, '}')
		}
		for _, tc := range c.ToolCalls {
			sep()
			b = w.toolCall(b, tc.ID, tc.Name, tc.Arguments)
		}
		b = append(b, `],"finish_reason":`...)
		b = plain(b, FinishReason(c.FinishReason))
		b = append(b, '}')
	}
	return string(append(b, ']'))
}

// FinishReason maps an OpenAI finish reason to the semconv output-message enum
// (stop, length, content_filter, tool_call, error).
func FinishReason(r string) string {
	switch r {
	case "tool_calls", "function_call":
		return "tool_call"
	case "":
		return "error"
	}
	return r
}

func (w Writer) parts(b []byte, parts []genai.Part) []byte {
	b = append(b, '[')
	for i, p := range parts {
		if i > 0 {
			b = append(b, ',')
		}
		switch p.Type {
		case "tool_call":
			b = w.toolCall(b, p.ID, p.Name, []byte(p.Arguments))
			continue
		case "tool_call_response":
			b = append(b, `{"type":"tool_call_response"`...)
			if p.ID != "" {
				b = append(b, `,"id":`...)
				b = plain(b, p.ID)
			}
			b = append(b, `,"response":`...)
			b = w.str(b, p.Content)
			b = append(b, '}')
			continue
		}
		b = append(b, `{"type":`...)
		b = plain(b, p.Type)
		if p.Modality != "" {
			b = append(b, `,"modality":`...)
			b = plain(b, p.Modality)
		}
		if p.MimeType != "" {
			b = append(b, `,"mime_type":`...)
			b = plain(b, p.MimeType)
		}
		if p.URI != "" {
			b = append(b, `,"uri":`...)
			b = w.str(b, p.URI)
		}
		if p.Type == "file" {
			b = append(b, `,"file_id":`...)
			b = plain(b, p.ID)
		}
		if p.Content != "" || p.Type == "text" || p.Type == "blob" {
			b = append(b, `,"content":`...)
			b = w.str(b, p.Content)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// toolCall writes a tool_call part. Arguments that are valid JSON within the
// cap are embedded as JSON; others are kept as a (capped) string.
func (w Writer) toolCall(b []byte, id, name string, args []byte) []byte {
	b = append(b, `{"type":"tool_call"`...)
	if id != "" {
		b = append(b, `,"id":`...)
		b = plain(b, id)
	}
	b = append(b, `,"name":`...)
	b = plain(b, name)
	if len(args) > 0 {
		b = append(b, `,"arguments":`...)
		if (w.MaxLength == 0 || len(args) <= w.MaxLength) && json.Valid(args) {
			b = appendCompact(b, args)
		} else {
			b = w.bytes(b, args)
		}
	}
	return append(b, '}')
}

func appendCompact(b, raw []byte) []byte {
	start := len(b)
	b = append(b, raw...)
	// Drop insignificant whitespace so the attribute stays one line.
	out := b[:start]
	inString, escaped := false, false
	for _, c := range b[start:] {
		switch {
		case inString:
			if escaped {
				escaped = false
			} else if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\n' || c == '\r' || c == '\t':
			continue
		}
		out = append(out, c)
	}
	return out
}

// str writes captured content, capped.
func (w Writer) str(b []byte, s string) []byte {
	return w.bytes(b, []byte(s))
}

// plain writes a structural value (role, part type, finish reason, modality,
// MIME type, id, tool name): never capped, so the schema stays intact.
func plain(b []byte, s string) []byte {
	return appendJSONString(b, []byte(s))
}

// bytes writes s as a JSON string, capped at MaxLength bytes on a UTF-8
// boundary.
func (w Writer) bytes(b, s []byte) []byte {
	if w.MaxLength > 0 && len(s) > w.MaxLength {
		cut := w.MaxLength
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return appendJSONString(b, s)
}

const hexDigits = "0123456789abcdef"

func appendJSONString(b, s []byte) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
