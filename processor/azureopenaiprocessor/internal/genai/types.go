// Package genai reads what an OpenAI / Azure OpenAI call says about itself:
// its HTTP method and path (which API, whether it runs a model) and its
// request and response bodies (chat completions, legacy completions,
// embeddings, the Responses API, error bodies and SSE streams of chunks),
// into plain structs, in one pass over the bytes and without building a
// generic tree. It knows nothing of pdata: the processor turns these structs
// into span attributes.
package genai // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/genai"

// Int is an integer that may be absent.
type Int struct {
	V   int64
	Set bool
}

// Float is a number that may be absent.
type Float struct {
	V   float64
	Set bool
}

func setInt(v int64, ok bool) Int       { return Int{V: v, Set: ok} }
func setFloat(v float64, ok bool) Float { return Float{V: v, Set: ok} }

// Part is one piece of a message, shaped after the semantic-convention message
// parts: text, tool_call, tool_call_response, uri, blob, reasoning.
type Part struct {
	Type      string
	Content   string
	ID        string
	Name      string
	Arguments string // raw JSON text of tool-call arguments
	Modality  string
	URI       string
	MimeType  string
	// Detail is an image's detail setting (low, high, auto), for the token
	// estimate.
	Detail string
}

// Message is one input message.
type Message struct {
	Role  string
	Name  string
	Parts []Part
}

// Tool is a function the request offers the model, with its parameters schema
// reduced to what token counting needs.
type Tool struct {
	Name        string
	Description string
	Params      *Schema
}

// Schema is a JSON schema node, as far as the chat-format token rule reads it.
type Schema struct {
	Type        string
	Description string
	Enum        []string
	Properties  []Property // in document order
	Required    []string
	Items       *Schema
}

// Property is a named member of an object schema.
type Property struct {
	Name   string
	Schema *Schema
}

// Request is what the processor reads from a request body.
type Request struct {
	Model            string
	MaxTokens        Int
	Seed             Int
	ChoiceCount      Int
	Temperature      Float
	TopP             Float
	FrequencyPenalty Float
	PresencePenalty  Float
	StopSequences    []string
	Stream           bool
	IncludeUsage     bool
	OutputType       string
	ServiceTier      string
	EncodingFormats  []string
	// AgentName and AgentID are an assistant's name (creating one) and the
	// assistant a run invokes (assistant_id).
	AgentName string
	AgentID   string

	// Filled only when messages were asked for.
	Messages           []Message
	SystemInstructions []Part
	Tools              []Tool
	// Function call forced by name (legacy function_call / tool_choice).
	ForcedFunction string
	ToolChoiceNone bool
}

// ToolCall is one call the model asked for; stream fragments of Arguments are
// concatenated in order.
type ToolCall struct {
	ID        string
	Name      string
	Arguments []byte
}

// Choice is one generation (one per index for n > 1).
type Choice struct {
	Index        int
	FinishReason string
	Role         string
	Text         []byte // content (chat) or text (legacy); only collected on request
	Refusal      []byte
	Reasoning    []byte
	ToolCalls    []ToolCall
}

// Usage is the token usage a body reported.
type Usage struct {
	Present   bool
	Input     Int
	Output    Int
	CacheRead Int
	Reasoning Int
}

// Error is an error body: {"error": {...}}.
type Error struct {
	Present bool
	Code    string
	Type    string
}

// Filter is what Azure's content filters reported anywhere in the body.
type Filter struct {
	// Seen is true when the body carried any content-filter result.
	Seen       bool
	Filtered   bool
	Categories []string // normalised, unique, in order of first appearance
}

// Response is what the processor reads from a response body or a stream.
type Response struct {
	ID                string
	Model             string
	SystemFingerprint string
	ServiceTier       string
	// Status of a Responses API object (completed, incomplete, failed, ...).
	Status           string
	IncompleteReason string
	Choices          []Choice
	Usage            Usage
	Error            Error
	Filter           Filter

	// Streams only.
	Stream bool
	Chunks int
	Done   bool // [DONE] or a terminal Responses event was seen
}

// MaxChoices bounds the choices and tool calls kept per response: OpenAI
// allows n up to 128, so anything beyond is hostile input.
const MaxChoices = 128
