package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestResponsesAPIAndTools(t *testing.T) {
	body := `{"model":"gpt-5.2-chat","instructions":"Be brief.","max_output_tokens":50,"text":{"format":{"type":"json_schema"}},
	"input":[{"role":"developer","content":"rules"},{"role":"user","content":[{"type":"input_text","text":"hi"},{"type":"input_image","image_url":"data:image/png;base64,AAAA","detail":"low"}]},
	{"type":"function_call","call_id":"c1","name":"f","arguments":"{\"a\":1}"},{"type":"function_call_output","call_id":"c1","output":"42"}],
	"tools":[{"type":"function","name":"f","description":"does f","parameters":{"type":"object","properties":{"a":{"type":"integer","description":"an a"},"b":{"type":["string","null"],"enum":["x","y"]}},"required":["a"]}}],
	"tool_choice":{"type":"function","name":"f"}}`
	var r RequestReader
	var req Request
	require.NoError(t, r.Read([]byte(body), APIResponses, true, &req))
	assert.Equal(t, "gpt-5.2-chat", req.Model)
	assert.Equal(t, Int{V: 50, Set: true}, req.MaxTokens)
	assert.Equal(t, "json", req.OutputType)
	assert.Equal(t, []Part{{Type: "text", Content: "Be brief."}}, req.SystemInstructions)
	require.Len(t, req.Messages, 4)
	assert.Equal(t, "system", req.Messages[0].Role)
	assert.Equal(t, Part{Type: "blob", Modality: "image", MimeType: "image/png", Content: "AAAA", Detail: "low"}, req.Messages[1].Parts[1])
	assert.Equal(t, Part{Type: "tool_call", ID: "c1", Name: "f", Arguments: `{"a":1}`}, req.Messages[2].Parts[0])
	assert.Equal(t, Part{Type: "tool_call_response", ID: "c1", Content: "42"}, req.Messages[3].Parts[0])
	require.Len(t, req.Tools, 1)
	assert.Equal(t, "does f", req.Tools[0].Description)
	props := req.Tools[0].Params.Properties
	require.Len(t, props, 2)
	assert.Equal(t, "a", props[0].Name)
	assert.Equal(t, "string", props[1].Schema.Type)
	assert.Equal(t, []string{`"x"`, `"y"`}, props[1].Schema.Enum)
	assert.Equal(t, "f", req.ForcedFunction)

	// Without messages asked for, nothing is collected.
	var lean Request
	require.NoError(t, r.Read([]byte(body), APIResponses, false, &lean))
	assert.Empty(t, lean.Messages)
	assert.Empty(t, lean.Tools)
	assert.Empty(t, lean.SystemInstructions)
}

func TestRequestChatMessagesWithToolCalls(t *testing.T) {
	body := `{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"}}]},
	{"role":"tool","tool_call_id":"call_1","content":"rainy"},{"role":"user","name":"bob","content":"ok"}],"stop":"END","n":2,"stream":true,"stream_options":{"include_usage":true}}`
	var r RequestReader
	var req Request
	require.NoError(t, r.Read([]byte(body), APIChat, true, &req))
	assert.Equal(t, []Message{
		{Role: "assistant", Parts: []Part{{Type: "tool_call", ID: "call_1", Name: "get_weather", Arguments: `{"location":"Paris"}`}}},
		{Role: "tool", Parts: []Part{{Type: "tool_call_response", ID: "call_1", Content: "rainy"}}},
		{Role: "user", Name: "bob", Parts: []Part{{Type: "text", Content: "ok"}}},
	}, req.Messages)
	assert.Equal(t, []string{"END"}, req.StopSequences)
	assert.Equal(t, Int{V: 2, Set: true}, req.ChoiceCount)
	assert.True(t, req.Stream)
	assert.True(t, req.IncludeUsage)
}

func TestStreamToolCallFragmentsAndLegacyFunctionCall(t *testing.T) {
	body := "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"function\":{\"name\":\"w\",\"arguments\":\"\"}}]},\"index\":0}]}\n\n" +
		"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"function\":{\"name\":\"w\",\"arguments\":\"{\\\"l\\\":\"}}]},\"index\":0}]}\n\n" +
		"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"l\\\":\\\"SEA\\\"}\"}}]},\"index\":0}]}\n\n" +
		"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"\\\"SF\\\"}\"}}]},\"index\":0}]}\n\n" +
		"data: {\"choices\":[{\"delta\":{},\"index\":0,\"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n"
	var r ResponseReader
	var resp Response
	assert.Zero(t, r.ReadStream([]byte(body), true, &resp))
	resp.Finish()
	require.Len(t, resp.Choices, 1)
	assert.Equal(t, []ToolCall{
		{ID: "call_a", Name: "w", Arguments: []byte(`{"l":"SEA"}`)},
		{ID: "call_b", Name: "w", Arguments: []byte(`{"l":"SF"}`)},
	}, resp.Choices[0].ToolCalls)
	assert.Equal(t, "tool_calls", resp.Choices[0].FinishReason)
	assert.True(t, resp.Done)
	assert.Equal(t, 5, resp.Chunks)

	legacy := "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"function_call\":{\"name\":\"get_future_temperature\",\"arguments\":\"\"}}}],\"usage\":null}\n\n" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"function_call\":{\"arguments\":\"{}\"}}}],\"usage\":null}\n\n" +
		"data: {\"choices\":[{\"index\":0,\"finish_reason\":\"function_call\",\"delta\":{}}],\"usage\":null}\n\ndata: [DONE]\n"
	resp = Response{}
	r.ReadStream([]byte(legacy), true, &resp)
	resp.Finish()
	assert.False(t, resp.Usage.Present)
	assert.Equal(t, []ToolCall{{Name: "get_future_temperature", Arguments: []byte("{}")}}, resp.Choices[0].ToolCalls)
	assert.Equal(t, "function_call", resp.Choices[0].FinishReason)
}

func TestResponsesStreamEvents(t *testing.T) {
	body := "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-5\",\"status\":\"in_progress\",\"output\":[]}}\n\n" +
		"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hel\"}\n\n" +
		"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"lo\"}\n\n"
	var r ResponseReader
	var resp Response
	r.ReadStream([]byte(body), true, &resp)
	resp.Finish()
	assert.Equal(t, "resp_1", resp.ID)
	assert.Equal(t, "Hello", string(resp.Choices[0].Text))
	assert.Equal(t, "error", resp.Choices[0].FinishReason, "cut before response.completed")

	done := body + "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\",\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"Hello\"}]}],\"usage\":{\"input_tokens\":5,\"output_tokens\":2,\"output_tokens_details\":{\"reasoning_tokens\":0}}}}\n\n"
	resp = Response{}
	r.ReadStream([]byte(done), true, &resp)
	resp.Finish()
	assert.Equal(t, "Hello", string(resp.Choices[0].Text), "the completed output replaces the deltas")
	assert.Equal(t, "stop", resp.Choices[0].FinishReason)
	assert.Equal(t, Int{V: 2, Set: true}, resp.Usage.Output)
	assert.True(t, resp.Done)
}

// An event whose response is not an object is still a good event: the
// reader skips that value once and goes on with the event's other members.
func TestResponsesStreamEventWithNonObjectResponse(t *testing.T) {
	body := "data: {\"type\":\"response.created\",\"response\":null,\"sequence_number\":1}\n\n" +
		"data: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n"
	var r ResponseReader
	var resp Response
	assert.Zero(t, r.ReadStream([]byte(body), true, &resp))
	assert.Equal(t, "Hi", string(resp.Choices[0].Text))
}

func TestResponsesIncompleteAndFilters(t *testing.T) {
	body := `{"id":"r","status":"incomplete","incomplete_details":{"reason":"content_filter"},"output":[],
	"content_filters":[{"blocked":true,"source_type":"completion","content_filter_results":{"violence":{"filtered":true,"severity":"high"}}}]}`
	var r ResponseReader
	var resp Response
	require.NoError(t, r.ReadBody([]byte(body), false, &resp))
	resp.Finish()
	assert.Equal(t, "content_filter", resp.Choices[0].FinishReason)
	assert.True(t, resp.Filter.Filtered)
	assert.Equal(t, []string{"violence"}, resp.Filter.Categories)
}

func TestOldPromptAnnotationsAndCustomBlocklists(t *testing.T) {
	body := `{"id":"x","prompt_annotations":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false}}}],
	"choices":[{"index":0,"finish_reason":"content_filter","content_filter_results":{"custom_blocklists":[{"filtered":true,"id":"b1"}],"error":{"code":"x"}}}]}`
	var r ResponseReader
	var resp Response
	require.NoError(t, r.ReadBody([]byte(body), false, &resp))
	assert.True(t, resp.Filter.Seen)
	assert.Equal(t, []string{"custom_blocklists"}, resp.Filter.Categories)
}

func TestChoicesBeyondTheBoundAreDropped(t *testing.T) {
	body := []byte(`{"choices":[`)
	for i := 0; i < 300; i++ {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, []byte(`{"index":`+itoa(i)+`,"finish_reason":"stop"}`)...)
	}
	body = append(body, "]}"...)
	var r ResponseReader
	var resp Response
	require.NoError(t, r.ReadBody(body, false, &resp))
	assert.Len(t, resp.Choices, MaxChoices)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestChatImageDetail(t *testing.T) {
	body := `{"messages":[{"role":"user","content":[{"type":"text","text":"what is it?"},{"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"high"}}]}]}`
	var r RequestReader
	var req Request
	require.NoError(t, r.Read([]byte(body), APIChat, true, &req))
	require.Len(t, req.Messages, 1)
	assert.Equal(t, Part{Type: "uri", Modality: "image", URI: "https://example.com/a.png", Detail: "high"}, req.Messages[0].Parts[1])
}
