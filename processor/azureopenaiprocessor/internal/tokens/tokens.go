// Package tokens estimates token usage with the tokenizer of the model family
// (o200k_base for gpt-4o / 4.1 / 4.5 / 5 / o-series, cl100k_base for gpt-4 /
// gpt-3.5 / embeddings), when a stream carried no usage. The vocabularies ship
// inside github.com/tiktoken-go/tokenizer: nothing is downloaded at run time.
//
// Input tokens follow the chat-format counting rule published with OpenAI's
// cookbook (3 tokens per message, 1 per name, 3 to prime the reply), extended
// with the known rendering of function definitions.
package tokens // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/tokens"

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tiktoken-go/tokenizer"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/genai"
)

// MaxTokenizedBytes bounds the text handed to the tokenizer per estimate; the
// count of longer text is extrapolated from its first MaxTokenizedBytes, so a
// huge body cannot stall the pipeline.
const MaxTokenizedBytes = 256 << 10

// window is the most text the tokenizer's splitting expression sees at once.
// Its backtracking engine is quadratic on some inputs (long runs of mixed
// spaces and newlines: 40 KB of " \n" take seconds), so text is tokenized in
// windows cut at word starts, where tiktoken's pieces begin anyway.
const window = 512

// Encoding is a tokenizer vocabulary.
type Encoding string

// The encodings of current OpenAI models.
const (
	O200kBase  Encoding = "o200k_base"
	Cl100kBase Encoding = "cl100k_base"
)

// EncodingFor returns the encoding of a model name (a model or an Azure
// deployment named after one). Names that say nothing (custom deployment
// names) get o200k_base, the encoding of every model Azure currently sells.
func EncodingFor(model string) Encoding {
	enc, _ := Lookup(model)
	return enc
}

// Lookup returns the encoding of a model name and whether the name told it;
// when it did not, the encoding is o200k_base, assumed.
func Lookup(model string) (Encoding, bool) {
	m := strings.ToLower(model)
	for _, p := range []string{"gpt-4o", "gpt-4.1", "gpt-41", "gpt-4.5", "gpt-5", "chatgpt-4o", "gpt-oss", "o1", "o3", "o4", "codex"} {
		if strings.HasPrefix(m, p) {
			return O200kBase, true
		}
	}
	for _, p := range []string{"gpt-4", "gpt-35", "gpt-3.5", "text-embedding", "ada"} {
		if strings.HasPrefix(m, p) {
			return Cl100kBase, true
		}
	}
	return O200kBase, false
}

var (
	codecs   = map[Encoding]*lazyCodec{O200kBase: {enc: tokenizer.O200kBase}, Cl100kBase: {enc: tokenizer.Cl100kBase}}
	fallback = codecs[O200kBase]
)

type lazyCodec struct {
	once  sync.Once
	enc   tokenizer.Encoding
	codec tokenizer.Codec
}

// get builds the codec on first use (the vocabulary is decoded once per
// process, tens of milliseconds).
func (l *lazyCodec) get() tokenizer.Codec {
	l.once.Do(func() {
		c, err := tokenizer.Get(l.enc)
		if err == nil {
			l.codec = c
		}
	})
	return l.codec
}

// Counter counts tokens with one encoding and one chat format.
type Counter struct {
	codec tokenizer.Codec
	enc   Encoding
	// assumed: the model name did not tell the encoding.
	assumed bool
	// replyPrime is the tokens that open the assistant's reply.
	replyPrime int
	// perChoice is the tokens a completion spends on its framing, beyond
	// its text.
	perChoice int
}

// NewCounter returns a counter for the encoding (o200k_base when unknown),
// with the classic chat format (gpt-4o, gpt-4.1, gpt-4, gpt-3.5).
func NewCounter(enc Encoding) Counter {
	l, ok := codecs[enc]
	if !ok {
		l, enc = fallback, O200kBase
	}
	return Counter{codec: l.get(), enc: enc, replyPrime: 3}
}

// Encoding returns the counter's encoding, and whether it was assumed because
// the model name did not tell it.
func (c Counter) Encoding() (enc Encoding, assumed bool) { return c.enc, c.assumed }

// ForModel returns the counter for a model name: its encoding, and its chat
// format. The gpt-5 family frames messages differently: its reply opens with
// 2 tokens, not 3, and each completion spends 4 framing tokens beyond its text
// (measured on the recorded gpt-5.2 stream and the gpt-5.4 Responses call,
// both without reasoning tokens).
func ForModel(model string) Counter {
	enc, known := Lookup(model)
	c := NewCounter(enc)
	c.assumed = !known
	if strings.HasPrefix(strings.ToLower(model), "gpt-5") {
		c.replyPrime, c.perChoice = 2, 4
	}
	return c
}

// Text returns the number of tokens of s.
func (c Counter) Text(s string) int {
	if s == "" || c.codec == nil {
		return 0
	}
	if len(s) <= MaxTokenizedBytes {
		return c.windowed(s)
	}
	head := s[:cutPoint(s, MaxTokenizedBytes)]
	n := c.windowed(head)
	if n == 0 || len(head) == 0 {
		return approximate(len(s))
	}
	return int(float64(n) * float64(len(s)) / float64(len(head)))
}

// windowed counts s window by window.
func (c Counter) windowed(s string) int {
	total := 0
	for len(s) > 0 {
		cut := len(s)
		if cut > window {
			cut = cutPoint(s, window)
		}
		n, err := c.codec.Count(s[:cut])
		if err != nil {
			n = approximate(cut)
		}
		total += n
		s = s[cut:]
	}
	return total
}

// cutPoint returns where to cut s at or before max: before a space that
// follows a non-space (a word start) in the second half of the window, else
// at a UTF-8 boundary.
func cutPoint(s string, max int) int {
	for i := max; i > max/2; i-- {
		if s[i] == ' ' && !isSpace(s[i-1]) {
			return i
		}
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	if i == 0 {
		return max
	}
	return i
}

func isSpace(b byte) bool { return b == ' ' || b == '\n' || b == '\r' || b == '\t' }

// approximate is the rule of thumb of four bytes per token, for text the
// tokenizer refused.
func approximate(n int) int { return (n + 3) / 4 }

// Completion estimates the output tokens of the choices: their text, refusals
// and tool calls.
func (c Counter) Completion(choices []genai.Choice) int {
	total := 0
	for i := range choices {
		ch := &choices[i]
		total += c.perChoice
		total += c.Text(string(ch.Text))
		total += c.Text(string(ch.Refusal))
		switch calls := ch.ToolCalls; len(calls) {
		case 0:
		case 1:
			total += c.Text("functions."+calls[0].Name) + c.Text(string(calls[0].Arguments)) + singleCallFraming
		default:
			total += c.parallelCalls(calls) + parallelCallFraming
		}
	}
	return total
}

// Framing of the tool calls a model writes, beyond the text that
// toolCallText renders. Measured on gpt-4o-mini recordings that report usage:
// singleCallFraming on crewai's streamed get_current_temperature call,
// parallelCallFraming on elastic-otel-python's two get_weather calls (see the
// processor README for the recordings it was checked against).
const (
	singleCallFraming   = 7
	parallelCallFraming = 4
)

// parallelCalls counts the calls of one message when there are several: the
// model writes one call of the multi_tool_use.parallel wrapper, whose JSON
// lists each call's recipient ("functions.<name>") and parameters. (One call
// alone is written to "functions.<name>" with its JSON arguments.)
func (c Counter) parallelCalls(calls []genai.ToolCall) int {
	var b strings.Builder
	b.WriteString(`{"tool_uses":[`)
	for i := range calls {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"recipient_name":"functions.`)
		b.WriteString(calls[i].Name)
		b.WriteString(`","parameters":`)
		args := calls[i].Arguments
		if len(args) == 0 {
			args = []byte("{}")
		}
		b.Write(args)
		b.WriteByte('}')
	}
	b.WriteString(`]}`)
	return c.Text("multi_tool_use.parallel") + c.Text(b.String())
}

// PromptText estimates the input tokens of a legacy completions request: the
// prompt text only, which the model reads without chat framing.
func (c Counter) PromptText(req *genai.Request) int {
	total := 0
	for _, m := range req.Messages {
		for _, p := range m.Parts {
			total += c.Text(p.Content)
		}
	}
	return total
}

// Prompt estimates the input tokens of a chat request with the chat-format
// counting rule.
func (c Counter) Prompt(req *genai.Request) int {
	const (
		perMessage = 3
		perName    = 1
	)
	total := 0
	paddedSystem := false
	hasSystem := false
	var calls []genai.ToolCall
	names := calledFunctions(req.Messages)
	for _, m := range req.Messages {
		n := perMessage
		if name := answeredFunction(names, m); name != "" {
			// A tool's reply is written as from the function it answers.
			n += c.Text("functions." + name)
		} else {
			n += c.Text(m.Role)
		}
		if m.Name != "" {
			n += c.Text(m.Name) + perName
		}
		var text strings.Builder
		calls = calls[:0]
		for _, p := range m.Parts {
			switch p.Type {
			case "text", "tool_call_response":
				text.WriteString(p.Content)
			case "tool_call":
				calls = append(calls, genai.ToolCall{Name: p.Name, Arguments: []byte(p.Arguments)})
			case "uri", "blob":
				if p.Modality == "image" {
					n += Image(p)
				}
			}
		}
		switch len(calls) {
		case 0:
		case 1:
			// The history's single call keeps the rule measured before
			// parallel calls were: name, arguments and 3.
			n += c.Text(calls[0].Name) + c.Text(string(calls[0].Arguments)) + 3
		default:
			n += c.parallelCalls(calls)
		}
		content := text.String()
		if m.Role == "system" {
			hasSystem = true
			// With functions, the system message is rendered with a trailing newline.
			if len(req.Tools) > 0 && !paddedSystem {
				content += "\n"
				paddedSystem = true
			}
		}
		n += c.Text(content)
		total += n
	}
	for _, p := range req.SystemInstructions {
		total += perMessage + c.Text("system") + c.Text(p.Content)
	}
	if len(req.Messages) > 0 || len(req.SystemInstructions) > 0 {
		total += c.replyPrime
	}
	if len(req.Tools) > 0 {
		total += c.Text(FunctionDefinitions(req.Tools)) + 9
		if hasSystem {
			total -= 4
		}
	}
	switch {
	case req.ToolChoiceNone:
		total++
	case req.ForcedFunction != "":
		total += c.Text(req.ForcedFunction) + 4
	}
	return total
}

// calledFunctions maps the call ids of the messages' tool calls to their
// function names, or returns nil when no tool message needs one.
func calledFunctions(msgs []genai.Message) map[string]string {
	var names map[string]string
	for _, m := range msgs {
		for _, p := range m.Parts {
			if p.Type == "tool_call" && p.ID != "" {
				if names == nil {
					names = make(map[string]string)
				}
				names[p.ID] = p.Name
			}
		}
	}
	return names
}

// answeredFunction returns the function that a tool message answers, or "".
func answeredFunction(names map[string]string, m genai.Message) string {
	if m.Role != "tool" {
		return ""
	}
	for _, p := range m.Parts {
		if p.Type == "tool_call_response" {
			if name := names[p.ID]; name != "" {
				return name
			}
		}
	}
	return ""
}

// FunctionDefinitions renders tools the way the models see them: a
// TypeScript-like namespace of function types.
func FunctionDefinitions(tools []genai.Tool) string {
	var b strings.Builder
	b.WriteString("namespace functions {\n\n")
	for _, t := range tools {
		if t.Description != "" {
			b.WriteString("// " + t.Description + "\n")
		}
		if t.Params != nil && len(t.Params.Properties) > 0 {
			b.WriteString("type " + t.Name + " = (_: {\n")
			b.WriteString(objectProperties(t.Params, 0))
			b.WriteString("\n}) => any;\n")
		} else {
			b.WriteString("type " + t.Name + " = () => any;\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("} // namespace functions")
	return b.String()
}

func objectProperties(obj *genai.Schema, indent int) string {
	lines := make([]string, 0, len(obj.Properties)*2)
	for _, p := range obj.Properties {
		if p.Schema != nil && p.Schema.Description != "" && indent < 2 {
			lines = append(lines, "// "+p.Schema.Description)
		}
		required := false
		for _, r := range obj.Required {
			if r == p.Name {
				required = true
				break
			}
		}
		sep := "?: "
		if required {
			sep = ": "
		}
		lines = append(lines, p.Name+sep+formatType(p.Schema, indent)+",")
	}
	pad := strings.Repeat(" ", indent)
	for i := range lines {
		lines[i] = pad + lines[i]
	}
	return strings.Join(lines, "\n")
}

func formatType(s *genai.Schema, indent int) string {
	if s == nil {
		return ""
	}
	switch s.Type {
	case "string", "number", "integer":
		if len(s.Enum) > 0 {
			return strings.Join(s.Enum, " | ")
		}
		if s.Type == "string" {
			return "string"
		}
		return "number"
	case "boolean":
		return "boolean"
	case "null":
		return "null"
	case "object":
		return "{\n" + objectProperties(s, indent+2) + "\n}"
	case "array":
		if s.Items != nil {
			return formatType(s.Items, indent) + "[]"
		}
		return "any[]"
	}
	return ""
}
