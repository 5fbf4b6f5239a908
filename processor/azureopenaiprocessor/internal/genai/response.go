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
		if r.s.Err() == nil {
			return jsonscan.ErrSyntax
		}
		return r.s.Err()
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
	var eventType string
	for {
		key, ok := s.NextKey()
		if !ok {
			return
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
		case "status":
			if v, ok := s.Str(); ok {
				resp.Status = string(v)
			}
		case "incomplete_details":
			readIncomplete(s, resp)
		case "output":
			r.readOutput(resp)
		case "content_filters":
			readResponsesFilters(s, &resp.Filter)
		case "type":
			if v, ok := s.Str(); ok {
				eventType = string(v)
			}
		case "delta":
			r.readResponsesDelta(resp, eventType)
		case "item":
			r.readResponsesItem(resp, eventType)
		case "response":
			// Responses API stream events wrap the response object.
			if stream && s.EnterObject() {
				r.readTopLevel(resp, false)
				if eventType == "response.completed" || eventType == "response.incomplete" || eventType == "response.failed" {
					resp.Done = true
				}
			} else {
				s.Skip()
			}
		default:
			s.Skip()
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
	if !s.EnterArray() {
		return
	}
	for s.NextElem() {
		if !s.EnterObject() {
			continue
		}
		r.tmpText, r.tmpRefusal, r.tmpReasoning, r.tmpArgs, r.tmpCalls = r.tmpText[:0], r.tmpRefusal[:0], r.tmpReasoning[:0], r.tmpArgs[:0], r.tmpCalls[:0]
		idx, finish, role := 0, "", ""
		for {
			key, ok := s.NextKey()
			if !ok {
				break
			}
			switch string(key) {
			case "index":
				if v, ok := s.Int(); ok && v >= 0 && v < 1<<20 {
					idx = int(v)
				}
			case "finish_reason":
				if v, ok := s.Str(); ok {
					finish = internFinish(v)
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

// internFinish returns the well-known finish reasons without allocating.
func internFinish(v []byte) string {
	switch string(v) {
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
	case "":
		return ""
	}
	return string(v)
}

func internRole(v []byte) string {
	switch string(v) {
	case "assistant":
		return "assistant"
	case "":
		return ""
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
	if !s.EnterObject() {
		return role
	}
	for {
		key, ok := s.NextKey()
		if !ok {
			return role
		}
		switch string(key) {
		case "role":
			if v, ok := s.Str(); ok {
				role = internRole(v)
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
			r.readFunctionFragment(0)
		default:
			s.Skip()
		}
	}
}

func (r *ResponseReader) readToolCallFragments() {
	s := &r.s
	if !s.EnterArray() {
		return
	}
	for pos := 0; s.NextElem(); pos++ {
		if !s.EnterObject() {
			continue
		}
		f := callFragment{index: pos, start: len(r.tmpArgs)}
		for {
			key, ok := s.NextKey()
			if !ok {
				break
			}
			switch string(key) {
			case "index":
				if v, ok := s.Int(); ok && v >= 0 && v < MaxChoices {
					f.index = int(v)
				}
			case "id":
				if v, ok := s.Str(); ok {
					f.id = string(v)
				}
			case "function":
				r.readFunctionInto(&f)
			default:
				s.Skip()
			}
		}
		f.end = len(r.tmpArgs)
		r.tmpCalls = append(r.tmpCalls, f)
	}
}

func (r *ResponseReader) readFunctionFragment(idx int) {
	f := callFragment{index: idx, start: len(r.tmpArgs)}
	r.readFunctionInto(&f)
	f.end = len(r.tmpArgs)
	r.tmpCalls = append(r.tmpCalls, f)
}

func (r *ResponseReader) readFunctionInto(f *callFragment) {
	s := &r.s
	if !s.EnterObject() {
		return
	}
	for {
		key, ok := s.NextKey()
		if !ok {
			return
		}
		switch string(key) {
		case "name":
			if v, ok := s.Str(); ok && len(v) > 0 {
				f.name = string(v)
			}
		case "arguments":
			r.readText(&r.tmpArgs)
		default:
			s.Skip()
		}
	}
}

func readUsage(s *jsonscan.Scanner, u *Usage) {
	if !s.EnterObject() {
		return
	}
	u.Present = true
	for {
		key, ok := s.NextKey()
		if !ok {
			return
		}
		switch string(key) {
		case "prompt_tokens", "input_tokens":
			u.Input = setInt(s.Int())
		case "completion_tokens", "output_tokens":
			u.Output = setInt(s.Int())
		case "prompt_tokens_details", "input_tokens_details":
			readDetail(s, "cached_tokens", &u.CacheRead)
		case "completion_tokens_details", "output_tokens_details":
			readDetail(s, "reasoning_tokens", &u.Reasoning)
		default:
			s.Skip()
		}
	}
}

func readDetail(s *jsonscan.Scanner, name string, dst *Int) {
	if !s.EnterObject() {
		return
	}
	for {
		key, ok := s.NextKey()
		if !ok {
			return
		}
		if string(key) == name {
			*dst = setInt(s.Int())
			continue
		}
		s.Skip()
	}
}

func readError(s *jsonscan.Scanner, resp *Response) {
	if !s.EnterObject() {
		return
	}
	resp.Error.Present = true
	for {
		key, ok := s.NextKey()
		if !ok {
			return
		}
		switch string(key) {
		case "code":
			switch s.Peek() {
			case jsonscan.String:
				v, _ := s.Str()
				resp.Error.Code = string(v)
			case jsonscan.Number:
				resp.Error.Code = string(s.Raw())
			default:
				s.Skip()
			}
		case "type":
			if v, ok := s.Str(); ok {
				resp.Error.Type = string(v)
			}
		case "innererror", "inner_error":
			readInnerError(s, &resp.Filter)
		default:
			s.Skip()
		}
	}
}

func readInnerError(s *jsonscan.Scanner, f *Filter) {
	if !s.EnterObject() {
		return
	}
	for {
		key, ok := s.NextKey()
		if !ok {
			return
		}
		switch string(key) {
		case "content_filter_result", "content_filter_results":
			readFilterResults(s, f)
		default:
			s.Skip()
		}
	}
}

func readIncomplete(s *jsonscan.Scanner, resp *Response) {
	if !s.EnterObject() {
		return
	}
	for {
		key, ok := s.NextKey()
		if !ok {
			return
		}
		if string(key) == "reason" {
			if v, ok := s.Str(); ok {
				resp.IncompleteReason = string(v)
			}
			continue
		}
		s.Skip()
	}
}

// readOutput reads the Responses API output items into choice 0. A complete
// output replaces what stream deltas accumulated.
func (r *ResponseReader) readOutput(resp *Response) {
	s := &r.s
	if !s.EnterArray() {
		return
	}
	first := true
	for s.NextElem() {
		c := resp.choice(0)
		if c == nil || !s.EnterObject() {
			if c == nil {
				s.Skip()
			}
			continue
		}
		if first {
			c.Text, c.Refusal, c.Reasoning, c.ToolCalls = c.Text[:0], c.Refusal[:0], c.Reasoning[:0], c.ToolCalls[:0]
			first = false
		}
		r.readOutputItem(c)
	}
}

// readOutputItem reads one Responses output item (the '{' is consumed).
func (r *ResponseReader) readOutputItem(c *Choice) {
	s := &r.s
	var kind, callID, name string
	r.tmpArgs = r.tmpArgs[:0]
	for {
		key, ok := s.NextKey()
		if !ok {
			break
		}
		switch string(key) {
		case "type":
			if v, ok := s.Str(); ok {
				kind = string(v)
			}
		case "role":
			if v, ok := s.Str(); ok && c.Role == "" {
				c.Role = internRole(v)
			}
		case "content":
			r.readOutputContent(c)
		case "summary":
			r.readSummary(c)
		case "call_id":
			if v, ok := s.Str(); ok {
				callID = string(v)
			}
		case "name":
			if v, ok := s.Str(); ok {
				name = string(v)
			}
		case "arguments":
			r.readText(&r.tmpArgs)
		default:
			s.Skip()
		}
	}
	if kind == "function_call" && len(c.ToolCalls) < MaxChoices {
		c.ToolCalls = append(c.ToolCalls, ToolCall{ID: callID, Name: name, Arguments: append([]byte(nil), r.tmpArgs...)})
	}
}

func (r *ResponseReader) readOutputContent(c *Choice) {
	s := &r.s
	if !s.EnterArray() {
		return
	}
	for s.NextElem() {
		if !s.EnterObject() {
			continue
		}
		for {
			key, ok := s.NextKey()
			if !ok {
				break
			}
			switch string(key) {
			case "text":
				r.readText(&c.Text)
			case "refusal":
				r.readText(&c.Refusal)
			default:
				s.Skip()
			}
		}
	}
}

func (r *ResponseReader) readSummary(c *Choice) {
	s := &r.s
	if !s.EnterArray() {
		return
	}
	for s.NextElem() {
		if !s.EnterObject() {
			continue
		}
		for {
			key, ok := s.NextKey()
			if !ok {
				break
			}
			if string(key) == "text" {
				r.readText(&c.Reasoning)
				continue
			}
			s.Skip()
		}
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
	if eventType != "response.output_item.added" || !s.EnterObject() {
		if eventType != "response.output_item.added" {
			s.Skip()
		}
		return
	}
	var kind, callID, name string
	for {
		key, ok := s.NextKey()
		if !ok {
			break
		}
		switch string(key) {
		case "type":
			if v, ok := s.Str(); ok {
				kind = string(v)
			}
		case "call_id":
			if v, ok := s.Str(); ok {
				callID = string(v)
			}
		case "name":
			if v, ok := s.Str(); ok {
				name = string(v)
			}
		default:
			s.Skip()
		}
	}
	if kind != "function_call" {
		return
	}
	if c := resp.choice(0); c != nil && len(c.ToolCalls) < MaxChoices {
		c.ToolCalls = append(c.ToolCalls, ToolCall{ID: callID, Name: name})
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
