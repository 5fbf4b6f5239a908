package genai

import (
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/jsonscan"
)

// maxSchemaDepth bounds how deep a tool's parameter schema is read; deeper
// levels are skipped (and counted as nothing by the token rule).
const maxSchemaDepth = 8

// RequestReader reads request bodies. It keeps its scanner's scratch buffer
// between calls; use one per goroutine.
type RequestReader struct {
	s jsonscan.Scanner
}

// Read parses body into req. With messages set it also collects the messages,
// system instructions and tools (for content capture and token estimates);
// otherwise they are skipped without copying. It returns jsonscan.ErrSyntax
// when the body is not (complete) JSON; what was read before stays in req.
func (r *RequestReader) Read(body []byte, api API, messages bool, req *Request) error {
	s := &r.s
	s.Reset(body)
	if !s.EnterObject() {
		if s.Err() == nil {
			return jsonscan.ErrSyntax
		}
		return s.Err()
	}
	for {
		key, ok := s.NextKey()
		if !ok {
			break
		}
		switch string(key) {
		case "model":
			if v, ok := s.Str(); ok {
				req.Model = string(v)
			}
		case "max_tokens", "max_completion_tokens", "max_output_tokens":
			if v, ok := s.Int(); ok {
				req.MaxTokens = setInt(v, true)
			}
		case "seed":
			req.Seed = setInt(s.Int())
		case "n":
			req.ChoiceCount = setInt(s.Int())
		case "temperature":
			req.Temperature = setFloat(s.Float())
		case "top_p":
			req.TopP = setFloat(s.Float())
		case "frequency_penalty":
			req.FrequencyPenalty = setFloat(s.Float())
		case "presence_penalty":
			req.PresencePenalty = setFloat(s.Float())
		case "stop":
			req.StopSequences = readStrings(s, req.StopSequences[:0])
		case "stream":
			v, _ := s.Bool()
			req.Stream = v
		case "stream_options":
			readStreamOptions(s, req)
		case "response_format":
			req.OutputType = readFormatType(s)
		case "text":
			readTextConfig(s, req)
		case "service_tier":
			if v, ok := s.Str(); ok {
				req.ServiceTier = string(v)
			}
		case "encoding_format":
			req.EncodingFormats = readStrings(s, req.EncodingFormats[:0])
		case "messages":
			if messages {
				req.Messages = readChatMessages(s, req.Messages)
			} else {
				s.Skip()
			}
		case "prompt":
			if messages && api == APICompletions {
				req.Messages = readPrompt(s, req.Messages)
			} else {
				s.Skip()
			}
		case "input":
			if messages && api == APIResponses {
				req.Messages = readResponsesInput(s, req.Messages)
			} else {
				s.Skip()
			}
		case "instructions":
			if v, ok := s.Str(); ok && messages && len(v) > 0 {
				req.SystemInstructions = append(req.SystemInstructions, Part{Type: "text", Content: string(v)})
			}
		case "tools":
			if messages {
				req.Tools = readTools(s, req.Tools)
			} else {
				s.Skip()
			}
		case "functions":
			if messages {
				req.Tools = readFunctions(s, req.Tools)
			} else {
				s.Skip()
			}
		case "function_call", "tool_choice":
			readToolChoice(s, req)
		default:
			s.Skip()
		}
	}
	return s.Err()
}

func readStreamOptions(s *jsonscan.Scanner, req *Request) {
	if !s.EnterObject() {
		return
	}
	for {
		key, ok := s.NextKey()
		if !ok {
			return
		}
		if string(key) == "include_usage" {
			v, _ := s.Bool()
			req.IncludeUsage = v
			continue
		}
		s.Skip()
	}
}

// readFormatType maps response_format.type (or text.format.type) to
// gen_ai.output.type.
func readFormatType(s *jsonscan.Scanner) string {
	if !s.EnterObject() {
		return ""
	}
	out := ""
	for {
		key, ok := s.NextKey()
		if !ok {
			return out
		}
		if string(key) != "type" {
			s.Skip()
			continue
		}
		v, _ := s.Str()
		switch string(v) {
		case "json_object", "json_schema":
			out = "json"
		case "text":
			out = "text"
		}
	}
}

// readTextConfig reads the Responses API's text: {format: {type}}.
func readTextConfig(s *jsonscan.Scanner, req *Request) {
	if !s.EnterObject() {
		return
	}
	for {
		key, ok := s.NextKey()
		if !ok {
			return
		}
		if string(key) == "format" {
			req.OutputType = readFormatType(s)
			continue
		}
		s.Skip()
	}
}

func readToolChoice(s *jsonscan.Scanner, req *Request) {
	switch s.Peek() {
	case jsonscan.String:
		v, _ := s.Str()
		req.ToolChoiceNone = string(v) == "none"
	case jsonscan.Object:
		s.EnterObject()
		for {
			key, ok := s.NextKey()
			if !ok {
				return
			}
			switch string(key) {
			case "name":
				if v, ok := s.Str(); ok {
					req.ForcedFunction = string(v)
				}
			case "function":
				if s.EnterObject() {
					for {
						k, ok := s.NextKey()
						if !ok {
							break
						}
						if string(k) != "name" {
							s.Skip()
							continue
						}
						if v, ok := s.Str(); ok {
							req.ForcedFunction = string(v)
						}
					}
				}
			default:
				s.Skip()
			}
		}
	default:
		s.Skip()
	}
}

// readStrings reads a string or an array of strings.
func readStrings(s *jsonscan.Scanner, dst []string) []string {
	switch s.Peek() {
	case jsonscan.String:
		v, _ := s.Str()
		return append(dst, string(v))
	case jsonscan.Array:
		s.EnterArray()
		for s.NextElem() {
			if v, ok := s.Str(); ok {
				dst = append(dst, string(v))
			}
		}
		return dst
	}
	s.Skip()
	return dst
}

func normaliseRole(role string) string {
	switch role {
	case "developer":
		return "system"
	case "function":
		return "tool"
	}
	return role
}

func readChatMessages(s *jsonscan.Scanner, dst []Message) []Message {
	if !s.EnterArray() {
		return dst
	}
	for s.NextElem() {
		if !s.EnterObject() {
			continue
		}
		var (
			m          Message
			toolCallID string
			content    []Part
			calls      []Part
		)
		for {
			key, ok := s.NextKey()
			if !ok {
				break
			}
			switch string(key) {
			case "role":
				if v, ok := s.Str(); ok {
					m.Role = normaliseRole(string(v))
				}
			case "name":
				if v, ok := s.Str(); ok {
					m.Name = string(v)
				}
			case "tool_call_id":
				if v, ok := s.Str(); ok {
					toolCallID = string(v)
				}
			case "content":
				content = readContent(s, content)
			case "tool_calls":
				calls = readToolCallParts(s, calls)
			case "function_call":
				calls = append(calls, readFunctionPart(s))
			default:
				s.Skip()
			}
		}
		if m.Role == "tool" {
			// A tool message's content is the tool's answer to call toolCallID.
			var text []byte
			for _, p := range content {
				text = append(text, p.Content...)
			}
			m.Parts = append(m.Parts, Part{Type: "tool_call_response", ID: toolCallID, Content: string(text)})
		} else {
			m.Parts = append(content, calls...)
		}
		dst = append(dst, m)
	}
	return dst
}

// readContent reads a message content: a string, or an array of parts
// (text, image_url, input_audio, file; Responses input_text/output_text/
// input_image/input_file).
func readContent(s *jsonscan.Scanner, dst []Part) []Part {
	switch s.Peek() {
	case jsonscan.String:
		v, _ := s.Str()
		return append(dst, Part{Type: "text", Content: string(v)})
	case jsonscan.Array:
	default:
		s.Skip()
		return dst
	}
	s.EnterArray()
	for s.NextElem() {
		if !s.EnterObject() {
			continue
		}
		var p Part
		var kind string
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
			case "text", "refusal":
				if v, ok := s.Str(); ok {
					p.Content = string(v)
				}
			case "image_url":
				// Chat: {"url": ...}; Responses: a plain string.
				if s.Peek() == jsonscan.String {
					v, _ := s.Str()
					p.URI = string(v)
				} else if s.EnterObject() {
					for {
						k, ok := s.NextKey()
						if !ok {
							break
						}
						if string(k) != "url" {
							s.Skip()
							continue
						}
						if v, ok := s.Str(); ok {
							p.URI = string(v)
						}
					}
				}
			case "file_id":
				if v, ok := s.Str(); ok {
					p.ID = string(v)
				}
			default:
				s.Skip()
			}
		}
		switch kind {
		case "text", "input_text", "output_text", "refusal", "":
			p.Type = "text"
		case "image_url", "input_image":
			p.Type, p.Modality = "uri", "image"
			if mime, data, ok := dataURL(p.URI); ok {
				p.Type, p.MimeType, p.Content, p.URI = "blob", mime, data, ""
			}
		case "input_audio":
			p.Type, p.Modality = "blob", "audio"
		case "file", "input_file":
			p.Type, p.Modality = "file", "document"
		default:
			p.Type = kind
		}
		dst = append(dst, p)
	}
	return dst
}

// dataURL splits data:<mime>;base64,<data>.
func dataURL(u string) (mime, data string, ok bool) {
	const prefix = "data:"
	if len(u) < len(prefix) || u[:len(prefix)] != prefix {
		return "", "", false
	}
	rest := u[len(prefix):]
	for i := 0; i < len(rest); i++ {
		if rest[i] == ',' {
			meta := rest[:i]
			for j := 0; j < len(meta); j++ {
				if meta[j] == ';' {
					meta = meta[:j]
					break
				}
			}
			return meta, rest[i+1:], true
		}
	}
	return "", "", false
}

func readToolCallParts(s *jsonscan.Scanner, dst []Part) []Part {
	if !s.EnterArray() {
		return dst
	}
	for s.NextElem() {
		if !s.EnterObject() {
			continue
		}
		p := Part{Type: "tool_call"}
		for {
			key, ok := s.NextKey()
			if !ok {
				break
			}
			switch string(key) {
			case "id":
				if v, ok := s.Str(); ok {
					p.ID = string(v)
				}
			case "function":
				f := readFunctionPart(s)
				p.Name, p.Arguments = f.Name, f.Arguments
			default:
				s.Skip()
			}
		}
		dst = append(dst, p)
	}
	return dst
}

// readFunctionPart reads {"name": ..., "arguments": "<json text>"}.
func readFunctionPart(s *jsonscan.Scanner) Part {
	p := Part{Type: "tool_call"}
	if !s.EnterObject() {
		return p
	}
	for {
		key, ok := s.NextKey()
		if !ok {
			return p
		}
		switch string(key) {
		case "name":
			if v, ok := s.Str(); ok {
				p.Name = string(v)
			}
		case "arguments":
			if s.Peek() == jsonscan.String {
				v, _ := s.Str()
				p.Arguments = string(v)
			} else {
				p.Arguments = string(s.Raw())
			}
		default:
			s.Skip()
		}
	}
}

// readPrompt reads the legacy completions prompt: a string or strings.
func readPrompt(s *jsonscan.Scanner, dst []Message) []Message {
	texts := readStrings(s, nil)
	if len(texts) == 0 {
		return dst
	}
	m := Message{Role: "user"}
	for _, t := range texts {
		m.Parts = append(m.Parts, Part{Type: "text", Content: t})
	}
	return append(dst, m)
}

// readResponsesInput reads the Responses API input: a string, or items that
// are messages, function calls or function call outputs.
func readResponsesInput(s *jsonscan.Scanner, dst []Message) []Message {
	if s.Peek() == jsonscan.String {
		v, _ := s.Str()
		return append(dst, Message{Role: "user", Parts: []Part{{Type: "text", Content: string(v)}}})
	}
	if !s.EnterArray() {
		return dst
	}
	for s.NextElem() {
		if !s.EnterObject() {
			continue
		}
		var (
			kind, role, callID, name, args, output string
			content                                []Part
		)
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
				if v, ok := s.Str(); ok {
					role = normaliseRole(string(v))
				}
			case "content":
				content = readContent(s, content)
			case "call_id":
				if v, ok := s.Str(); ok {
					callID = string(v)
				}
			case "name":
				if v, ok := s.Str(); ok {
					name = string(v)
				}
			case "arguments":
				if v, ok := s.Str(); ok {
					args = string(v)
				}
			case "output":
				if s.Peek() == jsonscan.String {
					v, _ := s.Str()
					output = string(v)
				} else {
					output = string(s.Raw())
				}
			default:
				s.Skip()
			}
		}
		switch kind {
		case "function_call":
			dst = append(dst, Message{Role: "assistant", Parts: []Part{{Type: "tool_call", ID: callID, Name: name, Arguments: args}}})
		case "function_call_output":
			dst = append(dst, Message{Role: "tool", Parts: []Part{{Type: "tool_call_response", ID: callID, Content: output}}})
		default:
			if role == "" {
				role = "user"
			}
			dst = append(dst, Message{Role: role, Parts: content})
		}
	}
	return dst
}

// readTools reads tools: [{"type":"function","function":{name,description,parameters}}]
// and the Responses form [{"type":"function",name,description,parameters}].
func readTools(s *jsonscan.Scanner, dst []Tool) []Tool {
	if !s.EnterArray() {
		return dst
	}
	for s.NextElem() {
		if !s.EnterObject() {
			continue
		}
		var t Tool
		for {
			key, ok := s.NextKey()
			if !ok {
				break
			}
			switch string(key) {
			case "function":
				t = readFunctionDef(s)
			case "name", "description", "parameters":
				readFunctionMember(s, string(key), &t)
			default:
				s.Skip()
			}
		}
		if t.Name != "" {
			dst = append(dst, t)
		}
	}
	return dst
}

// readFunctions reads the legacy functions: [{name, description, parameters}].
func readFunctions(s *jsonscan.Scanner, dst []Tool) []Tool {
	if !s.EnterArray() {
		return dst
	}
	for s.NextElem() {
		t := readFunctionDef(s)
		if t.Name != "" {
			dst = append(dst, t)
		}
	}
	return dst
}

func readFunctionDef(s *jsonscan.Scanner) Tool {
	var t Tool
	if !s.EnterObject() {
		return t
	}
	for {
		key, ok := s.NextKey()
		if !ok {
			return t
		}
		readFunctionMember(s, string(key), &t)
	}
}

func readFunctionMember(s *jsonscan.Scanner, key string, t *Tool) {
	switch key {
	case "name":
		if v, ok := s.Str(); ok {
			t.Name = string(v)
		}
	case "description":
		if v, ok := s.Str(); ok {
			t.Description = string(v)
		}
	case "parameters":
		t.Params = readSchema(s, 0)
	default:
		s.Skip()
	}
}

func readSchema(s *jsonscan.Scanner, depth int) *Schema {
	if depth >= maxSchemaDepth || !s.EnterObject() {
		if depth >= maxSchemaDepth {
			s.Skip()
		}
		return nil
	}
	sc := &Schema{}
	for {
		key, ok := s.NextKey()
		if !ok {
			return sc
		}
		switch string(key) {
		case "type":
			// A list of types ("string","null") keeps the first.
			if types := readStrings(s, nil); len(types) > 0 {
				sc.Type = types[0]
			}
		case "description":
			if v, ok := s.Str(); ok {
				sc.Description = string(v)
			}
		case "enum":
			if s.EnterArray() {
				for s.NextElem() {
					if s.Peek() == jsonscan.String {
						v, _ := s.Str()
						sc.Enum = append(sc.Enum, `"`+string(v)+`"`)
					} else {
						sc.Enum = append(sc.Enum, string(s.Raw()))
					}
				}
			}
		case "required":
			sc.Required = readStrings(s, sc.Required)
		case "items":
			sc.Items = readSchema(s, depth+1)
		case "properties":
			if s.EnterObject() {
				for {
					name, ok := s.NextKey()
					if !ok {
						break
					}
					n := string(name)
					sc.Properties = append(sc.Properties, Property{Name: n, Schema: readSchema(s, depth+1)})
				}
			}
		default:
			s.Skip()
		}
	}
}
