package genai

import (
	"slices"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/jsonscan"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/sse"
)

// ResponseReader reads response bodies and streams. It keeps scratch buffers
// between calls (so steady-state reading does not allocate per chunk); use one
// per goroutine.
type ResponseReader struct {
	s   jsonscan.Scanner
	sse sse.Reader

	// text makes the reader collect generated text and tool-call arguments.
	text bool

	// Per-choice scratch: a choice's index may come after its delta, so the
	// delta is held here until the choice object ends.
	tmpText      []byte
	tmpRefusal   []byte
	tmpReasoning []byte
	tmpArgs      []byte
	tmpCalls     []callFragment
}

type callFragment struct {
	index      int
	id, name   string
	start, end int // arguments in tmpArgs
}

// ReadBody parses a JSON response body (chat, completions, embeddings,
// Responses API, or an error body). With text set it also collects the
// generated text and tool calls. It returns jsonscan.ErrSyntax for a body that
// is not (complete) JSON; what was read before stays in resp.
func (r *ResponseReader) ReadBody(body []byte, text bool, resp *Response) error {
	r.text = text
	r.s.Reset(body)
	if !r.s.EnterObject() {
		return jsonscan.ErrSyntax
	}
	r.readTopLevel(resp, false)
	if err := r.s.Err(); err != nil {
		return err
	}
	if !r.s.AtEnd() {
		return jsonscan.ErrSyntax
	}
	return nil
}

// ReadStream parses an SSE body of chunks event by event. It returns the
// number of events whose data was not a (complete) JSON object; those events
// are skipped and the rest of the stream is still read.
func (r *ResponseReader) ReadStream(body []byte, text bool, resp *Response) (badEvents int) {
	r.text = text
	resp.Stream = true
	r.sse.Reset(body)
	for {
		ev, ok := r.sse.Next()
		if !ok {
			return badEvents
		}
		if ev.Done() {
			resp.Done = true
			continue
		}
		resp.Chunks++
		r.s.Reset(ev.Data)
		// Several JSON values in one event happen when a gateway dropped the
		// blank lines between events: read them all.
		for !r.s.AtEnd() {
			if !r.s.EnterObject() {
				badEvents++
				break
			}
			r.readTopLevel(resp, true)
			if r.s.Err() != nil {
				badEvents++
				break
			}
		}
	}
}

// readTopLevel reads the members of a response object, a stream chunk or a
// Responses API event (the '{' is consumed).
func (r *ResponseReader) readTopLevel(resp *Response, stream bool) {
	s := &r.s
	var eventType, eventCode string
	// The loop over members is spelled out, not a range over s.Object: its
	// body is too large for the compiler to inline, and this is the one loop
	// that runs for every member of every stream chunk.
	for {
		key, ok := s.NextKey()
		if !ok {
			break
		}
		switch string(key) {
		case "id":
			firstString(s, &resp.ID)
		case "model":
			firstString(s, &resp.Model)
		case "system_fingerprint":
			firstString(s, &resp.SystemFingerprint)
		case "service_tier":
			firstString(s, &resp.ServiceTier)
		case "choices":
			r.readChoices(resp)
		case "prompt_filter_results", "prompt_annotations":
			readPromptFilters(s, &resp.Filter)
		case "usage":
			readUsage(s, &resp.Usage)
		case "error":
			readError(s, resp)
		case "code":
			// Of a Responses stream error event: {"type":"error","code":...}.
			readErrorCode(s, &eventCode)
		case "status":
			s.StoreStr(&resp.Status)
		case "incomplete_details":
			for range s.Member("reason") {
				s.StoreStr(&resp.IncompleteReason)
			}
		case "output":
			r.readOutput(resp)
		case "content_filters":
			readResponsesFilters(s, &resp.Filter)
		case "type":
			s.StoreStr(&eventType)
		case "delta":
			r.readResponsesDelta(resp, eventType)
		case "item":
			r.readResponsesItem(resp, eventType)
		case "response":
			// Responses API stream events wrap the response object. (EnterObject
			// skips a value of another kind itself: skipping again would eat
			// the rest of the event.)
			if !stream {
				s.Skip()
			} else if s.EnterObject() {
				r.readTopLevel(resp, false)
				if eventType == "response.completed" || eventType == "response.incomplete" || eventType == "response.failed" {
					resp.Done = true
				}
			}
		default:
			s.Skip()
		}
	}
	if eventType == "error" {
		// The stream failed: an error event ends it as an error body would.
		resp.Error.Present = true
		if eventCode != "" {
			resp.Error.Code = eventCode
		}
	}
}

// firstString keeps the first non-empty value: stream chunks repeat id and
// model, and Azure's first chunk carries them empty.
func firstString(s *jsonscan.Scanner, dst *string) {
	if *dst != "" {
		s.Skip()
		return
	}
	storeNonEmpty(s, dst)
}

// storeNonEmpty is StoreStr for the fields that stream chunks repeat, empty
// after the first: an empty value does not erase the one read before.
func storeNonEmpty(s *jsonscan.Scanner, dst *string) {
	if v, ok := s.Str(); ok && len(v) > 0 {
		*dst = string(v)
	}
}

// choice returns the choice with index idx, adding it when new. It returns nil
// past MaxChoices.
func (resp *Response) choice(idx int) *Choice {
	for i := range resp.Choices {
		if resp.Choices[i].Index == idx {
			return &resp.Choices[i]
		}
	}
	if len(resp.Choices) >= MaxChoices || idx < 0 {
		return nil
	}
	resp.Choices = append(resp.Choices, Choice{Index: idx})
	return &resp.Choices[len(resp.Choices)-1]
}

func (r *ResponseReader) readChoices(resp *Response) {
	s := &r.s
	for range s.Objects() {
		r.tmpText, r.tmpRefusal, r.tmpReasoning, r.tmpArgs, r.tmpCalls = r.tmpText[:0], r.tmpRefusal[:0], r.tmpReasoning[:0], r.tmpArgs[:0], r.tmpCalls[:0]
		idx, finish, role := 0, "", ""
		for key := range s.Object() {
			switch string(key) {
			case "index":
				readIndex(s, 1<<20, &idx)
			case "finish_reason":
				if v, ok := s.Str(); ok {
					finish = intern(v)
				}
			case "message", "delta":
				role = r.readMessage(role)
			case "text":
				r.readText(&r.tmpText)
			case "content_filter_results":
				readFilterResults(s, &resp.Filter)
			default:
				s.Skip()
			}
		}
		c := resp.choice(idx)
		if c == nil {
			continue
		}
		if finish != "" {
			c.FinishReason = finish
		}
		if c.Role == "" {
			c.Role = role
		}
		c.Text = append(c.Text, r.tmpText...)
		c.Refusal = append(c.Refusal, r.tmpRefusal...)
		c.Reasoning = append(c.Reasoning, r.tmpReasoning...)
		for _, f := range r.tmpCalls {
			tc := c.toolCall(f.index)
			if tc == nil {
				continue
			}
			if tc.ID == "" {
				tc.ID = f.id
			}
			if tc.Name == "" {
				tc.Name = f.name
			}
			tc.Arguments = append(tc.Arguments, r.tmpArgs[f.start:f.end]...)
		}
	}
}

// readIndex reads an index of choices or tool calls into *dst when it is a
// whole number in [0, limit); anything else leaves *dst, so that hostile
// input cannot make the reader grow a slice to its size.
func readIndex(s *jsonscan.Scanner, limit int64, dst *int) {
	if v, ok := s.Int(); ok && v >= 0 && v < limit {
		*dst = int(v)
	}
}

// intern returns the well-known finish reasons and roles without allocating,
// since every stream chunk repeats them; other values are copied.
func intern(v []byte) string {
	switch string(v) {
	case "":
		return ""
	case "assistant":
		return "assistant"
	case "stop":
		return "stop"
	case "length":
		return "length"
	case "tool_calls":
		return "tool_calls"
	case "content_filter":
		return "content_filter"
	case "function_call":
		return "function_call"
	}
	return string(v)
}

// toolCall returns the tool call at position idx (the stream's tool_calls
// index), adding empty ones up to it. It returns nil past MaxChoices.
func (c *Choice) toolCall(idx int) *ToolCall {
	if idx < 0 || idx >= MaxChoices {
		return nil
	}
	for len(c.ToolCalls) <= idx {
		c.ToolCalls = append(c.ToolCalls, ToolCall{})
	}
	return &c.ToolCalls[idx]
}

func (r *ResponseReader) readText(dst *[]byte) {
	if !r.text {
		r.s.Skip()
		return
	}
	if v, ok := r.s.Str(); ok {
		*dst = append(*dst, v...)
	}
}

// readMessage reads a choice's message (non-stream) or delta (stream).
func (r *ResponseReader) readMessage(role string) string {
	s := &r.s
	for key := range s.Object() {
		switch string(key) {
		case "role":
			if v, ok := s.Str(); ok {
				role = intern(v)
			}
		case "content":
			r.readText(&r.tmpText)
		case "refusal":
			r.readText(&r.tmpRefusal)
		case "reasoning_content":
			r.readText(&r.tmpReasoning)
		case "tool_calls":
			r.readToolCallFragments()
		case "function_call":
			// The legacy single function call stands where tool call 0 would.
			f := r.startFragment(0)
			r.readFunctionInto(&f)
			r.endFragment(f)
		default:
			s.Skip()
		}
	}
	return role
}

func (r *ResponseReader) readToolCallFragments() {
	s := &r.s
	for pos := range s.Objects() {
		f := r.startFragment(pos)
		for key := range s.Object() {
			switch string(key) {
			case "index":
				readIndex(s, MaxChoices, &f.index)
			case "id":
				s.StoreStr(&f.id)
			case "function":
				r.readFunctionInto(&f)
			default:
				s.Skip()
			}
		}
		r.endFragment(f)
	}
}

// startFragment starts the tool-call fragment at position index, whose
// arguments the reader appends to tmpArgs from here on.
func (r *ResponseReader) startFragment(index int) callFragment {
	return callFragment{index: index, start: len(r.tmpArgs)}
}

// endFragment ends f where its arguments end and keeps it for the choice.
func (r *ResponseReader) endFragment(f callFragment) {
	f.end = len(r.tmpArgs)
	r.tmpCalls = append(r.tmpCalls, f)
}

func (r *ResponseReader) readFunctionInto(f *callFragment) {
	s := &r.s
	for key := range s.Object() {
		switch string(key) {
		case "name":
			storeNonEmpty(s, &f.name)
		case "arguments":
			r.readText(&r.tmpArgs)
		default:
			s.Skip()
		}
	}
}

func readUsage(s *jsonscan.Scanner, u *Usage) {
	if !s.SkipUnless(jsonscan.Object) {
		return
	}
	u.Present = true
	for key := range s.Object() {
		switch string(key) {
		case "prompt_tokens", "input_tokens":
			u.Input = setInt(s.Int())
		case "completion_tokens", "output_tokens":
			u.Output = setInt(s.Int())
		case "prompt_tokens_details", "input_tokens_details":
			for range s.Member("cached_tokens") {
				u.CacheRead = setInt(s.Int())
			}
		case "completion_tokens_details", "output_tokens_details":
			for range s.Member("reasoning_tokens") {
				u.Reasoning = setInt(s.Int())
			}
		default:
			s.Skip()
		}
	}
}

func readError(s *jsonscan.Scanner, resp *Response) {
	if !s.SkipUnless(jsonscan.Object) {
		return
	}
	resp.Error.Present = true
	for key := range s.Object() {
		switch string(key) {
		case "code":
			readErrorCode(s, &resp.Error.Code)
		case "type":
			s.StoreStr(&resp.Error.Type)
		case "innererror", "inner_error":
			readInnerError(s, &resp.Filter)
		default:
			s.Skip()
		}
	}
}

// readErrorCode reads an error code, a string or a number (Azure's "429").
func readErrorCode(s *jsonscan.Scanner, dst *string) {
	switch s.Peek() {
	case jsonscan.String:
		s.StoreStr(dst)
	case jsonscan.Number:
		*dst = string(s.Raw())
	default:
		s.Skip()
	}
}

func readInnerError(s *jsonscan.Scanner, f *Filter) {
	for key := range s.Object() {
		switch string(key) {
		case "content_filter_result", "content_filter_results":
			readFilterResults(s, f)
		default:
			s.Skip()
		}
	}
}

// readOutput reads the Responses API output items into choice 0. A complete
// output replaces what stream deltas accumulated.
func (r *ResponseReader) readOutput(resp *Response) {
	s := &r.s
	first := true
	for range s.Array() {
		c := resp.choice(0)
		if c == nil {
			s.Skip()
			continue
		}
		if !s.SkipUnless(jsonscan.Object) {
			continue
		}
		if first {
			c.Text, c.Refusal, c.Reasoning, c.ToolCalls = c.Text[:0], c.Refusal[:0], c.Reasoning[:0], c.ToolCalls[:0]
			first = false
		}
		r.readOutputItem(c)
	}
}

// readOutputItem reads one Responses output item.
func (r *ResponseReader) readOutputItem(c *Choice) {
	s := &r.s
	var item responsesItem
	r.tmpArgs = r.tmpArgs[:0]
	for key := range s.Object() {
		if item.read(s, key) {
			continue
		}
		switch string(key) {
		case "role":
			if v, ok := s.Str(); ok && c.Role == "" {
				c.Role = intern(v)
			}
		case "content":
			// [{"type":"output_text","text":...},{"type":"refusal","refusal":...}]
			for range s.Array() {
				for partKey := range s.Object() {
					switch string(partKey) {
					case "text":
						r.readText(&c.Text)
					case "refusal":
						r.readText(&c.Refusal)
					default:
						s.Skip()
					}
				}
			}
		case "summary":
			// Of a reasoning item: [{"type":"summary_text","text":...}].
			for range s.Array() {
				for range s.Member("text") {
					r.readText(&c.Reasoning)
				}
			}
		case "arguments":
			r.readText(&r.tmpArgs)
		default:
			s.Skip()
		}
	}
	if item.kind == "function_call" {
		c.addToolCall(ToolCall{ID: item.callID, Name: item.name, Arguments: append([]byte(nil), r.tmpArgs...)})
	}
}

// addToolCall keeps tc unless the choice already holds MaxChoices calls.
func (c *Choice) addToolCall(tc ToolCall) {
	if len(c.ToolCalls) < MaxChoices {
		c.ToolCalls = append(c.ToolCalls, tc)
	}
}

// readResponsesDelta appends a Responses stream delta to choice 0.
func (r *ResponseReader) readResponsesDelta(resp *Response, eventType string) {
	switch eventType {
	case "response.output_text.delta":
		if c := resp.choice(0); c != nil {
			r.readText(&c.Text)
			return
		}
	case "response.function_call_arguments.delta":
		if c := resp.choice(0); c != nil {
			if len(c.ToolCalls) == 0 {
				c.ToolCalls = append(c.ToolCalls, ToolCall{})
			}
			r.readText(&c.ToolCalls[len(c.ToolCalls)-1].Arguments)
			return
		}
	}
	r.s.Skip()
}

// readResponsesItem starts a tool call when a Responses stream adds a
// function_call output item.
func (r *ResponseReader) readResponsesItem(resp *Response, eventType string) {
	s := &r.s
	if eventType != "response.output_item.added" {
		s.Skip()
		return
	}
	var item responsesItem
	for key := range s.Object() {
		if !item.read(s, key) {
			s.Skip()
		}
	}
	if item.kind != "function_call" {
		return
	}
	if c := resp.choice(0); c != nil {
		c.addToolCall(ToolCall{ID: item.callID, Name: item.name})
	}
}

// Finish completes a response after reading: choices in index order, finish
// reasons derived for the Responses API, and "error" for a stream choice that
// never got a finish reason (the stream was cut).
func (resp *Response) Finish() {
	slices.SortFunc(resp.Choices, func(a, b Choice) int { return a.Index - b.Index })
	if resp.Status != "" && len(resp.Choices) <= 1 {
		c := resp.choice(0)
		if c != nil && c.FinishReason == "" {
			c.FinishReason = responsesFinish(resp, c)
		}
	}
	if resp.Stream {
		for i := range resp.Choices {
			if resp.Choices[i].FinishReason == "" {
				resp.Choices[i].FinishReason = "error"
			}
		}
	}
}

func responsesFinish(resp *Response, c *Choice) string {
	switch resp.Status {
	case "completed":
		if len(c.ToolCalls) > 0 {
			return "tool_calls"
		}
		return "stop"
	case "incomplete":
		switch resp.IncompleteReason {
		case "max_output_tokens":
			return "length"
		case "content_filter":
			return "content_filter"
		}
		return "error"
	case "failed", "cancelled":
		return "error"
	}
	return ""
}
