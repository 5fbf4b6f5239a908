package content

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/genai"
)

func TestOutputMessagesSchemaAndCaps(t *testing.T) {
	w := Writer{MaxLength: 7}
	out := w.OutputMessages([]genai.Choice{
		{Index: 0, FinishReason: "tool_calls", ToolCalls: []genai.ToolCall{{ID: "c1", Name: "f", Arguments: []byte(`{ "a": 1 }`)}, {ID: "c2", Name: "g", Arguments: []byte(`{"long":"aaaaaaa"}`)}}},
		{Index: 1, FinishReason: "stop", Text: []byte("héllo wörld \"quoted\"\n\x01"), Role: "assistant"},
		{Index: 2, Text: []byte("\xff\xfebad")},
	})
	require.True(t, json.Valid([]byte(out)), out)
	assert.JSONEq(t, `[
	 {"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"f","arguments":"{ \"a\": "},{"type":"tool_call","id":"c2","name":"g","arguments":"{\"long\""}],"finish_reason":"tool_call"},
	 {"role":"assistant","parts":[{"type":"text","content":"héllo "}],"finish_reason":"stop"},
	 {"role":"assistant","parts":[{"type":"text","content":"\ufffd\ufffdbad"}],"finish_reason":"error"}]`, out)
}

func TestInputMessagesAndInstructions(t *testing.T) {
	w := Writer{}
	in := w.InputMessages([]genai.Message{
		{Role: "user", Name: "bob", Parts: []genai.Part{{Type: "text", Content: "hi"}, {Type: "uri", Modality: "image", URI: "https://x/y.png"}, {Type: "blob", Modality: "image", MimeType: "image/png", Content: "AAAA"}}},
		{Role: "tool", Parts: []genai.Part{{Type: "tool_call_response", ID: "c1", Content: "42"}}},
		{Role: "user", Parts: []genai.Part{{Type: "file", Modality: "document", ID: "file-1"}}},
	})
	assert.JSONEq(t, `[
	 {"role":"user","name":"bob","parts":[{"type":"text","content":"hi"},{"type":"uri","modality":"image","uri":"https://x/y.png"},{"type":"blob","modality":"image","mime_type":"image/png","content":"AAAA"}]},
	 {"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":"42"}]},
	 {"role":"user","parts":[{"type":"file","modality":"document","file_id":"file-1"}]}]`, in)
	assert.JSONEq(t, `[{"type":"text","content":"Be brief."}]`, w.SystemInstructions([]genai.Part{{Type: "text", Content: "Be brief."}}))
}
