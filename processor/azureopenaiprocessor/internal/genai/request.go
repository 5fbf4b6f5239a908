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
		return jsonscan.ErrSyntax
	}
	// The loop over members is spelled out, not a range over s.Object: its
	// body is too large for the compiler to inline, and it runs for every
	// member of every request.
	for {
		key, ok := s.NextKey()
		if !ok {
			break
		}
		switch string(key) {
		case "model":
			s.StoreStr(&req.Model)
		case "max_tokens", "max_completion_tokens", "max_output_tokens":
			// Three names for one limit: a later one that is not a number
			// does not erase an earlier one.
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
			req.Stream, _ = s.Bool()
		case "stream_options":
			for range s.Member("include_usage") {
				req.IncludeUsage, _ = s.Bool()
			}
		case "response_format":
			req.OutputType = readFormatType(s)
		case "text":
			// The Responses API's text: {format: {type}}.
			for range s.Member("format") {
				req.OutputType = readFormatType(s)
			}
		case "service_tier":
			s.StoreStr(&req.ServiceTier)
		case "encoding_format":
			req.EncodingFormats = readStrings(s, req.EncodingFormats[:0])
		case "function_call", "tool_choice":
			readToolChoice(s, req)
		case "name":
			// Only an assistant's own name; elsewhere a top-level name is no
			// parameter of a model call.
			if api == APIAssistants {
				s.StoreStr(&req.AgentName)
			} else {
				s.Skip()
			}
		case "assistant_id":
			s.StoreStr(&req.AgentID)
		case "instructions":
			// Str even when the text is not kept: unlike Skip, it rejects a
			// malformed escape, which ends the read.
			if v, ok := s.Str(); ok && messages && len(v) > 0 {
				req.SystemInstructions = append(req.SystemInstructions, Part{Type: "text", Content: string(v)})
			}
		default:
			if !messages || !readConversation(s, key, api, req) {
				s.Skip()
			}
		}
	}
	return s.Err()
}

// readConversation reads the member key when it carries the conversation
// (messages, tools) and reports whether it did; the
// caller skips any other member. Read only pays for copying the conversation
// when content capture or a token estimate asks for it.
func readConversation(s *jsonscan.Scanner, key []byte, api API, req *Request) bool {
	switch string(key) {
	case "messages":
		req.Messages = readChatMessages(s, req.Messages)
	case "prompt":
		if api == APICompletions {
			req.Messages = readPrompt(s, req.Messages)
		} else {
			s.Skip()
		}
	case "input":
		if api == APIResponses {
			req.Messages = readResponsesInput(s, req.Messages)
		} else {
			s.Skip()
		}
	case "tools":
		req.Tools = readToolList(s, req.Tools, readToolDef)
	case "functions":
		req.Tools = readToolList(s, req.Tools, readFunctionDef)
	default:
		return false
	}
	return true
}

// readFormatType maps response_format.type (or text.format.type) to
// gen_ai.output.type.
func readFormatType(s *jsonscan.Scanner) string {
	out := ""
	for range s.Member("type") {
		v, _ := s.Str()
		switch string(v) {
		case "json_object", "json_schema":
			out = "json"
		case "text":
			out = "text"
		}
	}
	return out
}

func readToolChoice(s *jsonscan.Scanner, req *Request) {
	switch s.Peek() {
	case jsonscan.String:
		v, _ := s.Str()
		req.ToolChoiceNone = string(v) == "none"
	case jsonscan.Object:
		// Chat: {"type":"function","function":{"name":...}}; Responses:
		// {"type":"function","name":...}; legacy function_call: {"name":...}.
		for key := range s.Object() {
			switch string(key) {
			case "name":
				s.StoreStr(&req.ForcedFunction)
			case "function":
				for range s.Member("name") {
					s.StoreStr(&req.ForcedFunction)
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
		for range s.Array() {
			if v, ok := s.Str(); ok {
				dst = append(dst, string(v))
			}
		}
		return dst
	}
	s.Skip()
	return dst
}

// readInputRole reads the role of an input message in the semantic
// conventions' spelling, where developer is system and function is tool.
func readInputRole(s *jsonscan.Scanner, dst *string) {
	v, ok := s.Str()
	if !ok {
		return
	}
	switch string(v) {
	case "developer":
		*dst = "system"
	case "function":
		*dst = "tool"
	default:
		*dst = string(v)
	}
}

func readChatMessages(s *jsonscan.Scanner, dst []Message) []Message {
	for range s.Objects() {
		var (
			m          Message
			toolCallID string
			content    []Part
			calls      []Part
		)
		for key := range s.Object() {
			switch string(key) {
			case "role":
				readInputRole(s, &m.Role)
			case "name":
				s.StoreStr(&m.Name)
			case "tool_call_id":
				s.StoreStr(&toolCallID)
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
	if s.Peek() == jsonscan.String {
		v, _ := s.Str()
		return append(dst, Part{Type: "text", Content: string(v)})
	}
	for range s.Objects() {
		var p Part
		var kind string
		for key := range s.Object() {
			switch string(key) {
			case "type":
				s.StoreStr(&kind)
			case "text", "refusal":
				s.StoreStr(&p.Content)
			case "image_url":
				// Chat: {"url": ...}; Responses: a plain string.
				if s.Peek() == jsonscan.String {
					s.StoreStr(&p.URI)
				} else {
					for key := range s.Object() {
						switch string(key) {
						case "url":
							s.StoreStr(&p.URI)
						case "detail":
							s.StoreStr(&p.Detail)
						default:
							s.Skip()
						}
					}
				}
			case "detail":
				// Responses input_image: {"type":"input_image","image_url":...,"detail":...}.
				s.StoreStr(&p.Detail)
			case "file_id":
				s.StoreStr(&p.ID)
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
	for range s.Objects() {
		p := Part{Type: "tool_call"}
		for key := range s.Object() {
			switch string(key) {
			case "id":
				s.StoreStr(&p.ID)
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
	for key := range s.Object() {
		switch string(key) {
		case "name":
			s.StoreStr(&p.Name)
		case "arguments":
			p.Arguments = string(s.StrOrJSON())
		default:
			s.Skip()
		}
	}
	return p
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
	for range s.Objects() {
		var (
			item               responsesItem
			role, args, output string
			content            []Part
		)
		for key := range s.Object() {
			if item.read(s, key) {
				continue
			}
			switch string(key) {
			case "role":
				readInputRole(s, &role)
			case "content":
				content = readContent(s, content)
			case "arguments":
				s.StoreStr(&args)
			case "output":
				output = string(s.StrOrJSON())
			default:
				s.Skip()
			}
		}
		switch item.kind {
		case "function_call":
			dst = append(dst, Message{Role: "assistant", Parts: []Part{{Type: "tool_call", ID: item.callID, Name: item.name, Arguments: args}}})
		case "function_call_output":
			dst = append(dst, Message{Role: "tool", Parts: []Part{{Type: "tool_call_response", ID: item.callID, Content: output}}})
		default:
			if role == "" {
				role = "user"
			}
			dst = append(dst, Message{Role: role, Parts: content})
		}
	}
	return dst
}

// readToolList reads an array of tool definitions with readTool, keeping
// those that have a name.
func readToolList(s *jsonscan.Scanner, dst []Tool, readTool func(*jsonscan.Scanner) Tool) []Tool {
	for range s.Array() {
		if t := readTool(s); t.Name != "" {
			dst = append(dst, t)
		}
	}
	return dst
}

// readToolDef reads an element of tools: chat's
// {"type":"function","function":{name,description,parameters}} or the
// Responses API's {"type":"function",name,description,parameters}.
func readToolDef(s *jsonscan.Scanner) Tool {
	var t Tool
	for key := range s.Object() {
		if string(key) == "function" {
			t = readFunctionDef(s)
		} else {
			readFunctionMember(s, key, &t)
		}
	}
	return t
}

// readFunctionDef reads {name, description, parameters}: an element of the
// legacy functions, or the function of a chat tool.
func readFunctionDef(s *jsonscan.Scanner) Tool {
	var t Tool
	for key := range s.Object() {
		readFunctionMember(s, key, &t)
	}
	return t
}

func readFunctionMember(s *jsonscan.Scanner, key []byte, t *Tool) {
	switch string(key) {
	case "name":
		s.StoreStr(&t.Name)
	case "description":
		s.StoreStr(&t.Description)
	case "parameters":
		t.Params = readSchema(s, 0)
	default:
		s.Skip()
	}
}

func readSchema(s *jsonscan.Scanner, depth int) *Schema {
	if depth >= maxSchemaDepth {
		s.Skip()
		return nil
	}
	if !s.SkipUnless(jsonscan.Object) {
		return nil
	}
	sc := &Schema{}
	for key := range s.Object() {
		switch string(key) {
		case "type":
			// A list of types ("string","null") keeps the first.
			if types := readStrings(s, nil); len(types) > 0 {
				sc.Type = types[0]
			}
		case "description":
			s.StoreStr(&sc.Description)
		case "enum":
			for range s.Array() {
				if s.Peek() == jsonscan.String {
					v, _ := s.Str()
					sc.Enum = append(sc.Enum, `"`+string(v)+`"`)
				} else {
					sc.Enum = append(sc.Enum, string(s.Raw()))
				}
			}
		case "required":
			sc.Required = readStrings(s, sc.Required)
		case "items":
			sc.Items = readSchema(s, depth+1)
		case "properties":
			for name := range s.Object() {
				n := string(name) // before readSchema reuses the scanner
				sc.Properties = append(sc.Properties, Property{Name: n, Schema: readSchema(s, depth+1)})
			}
		default:
			s.Skip()
		}
	}
	return sc
}
