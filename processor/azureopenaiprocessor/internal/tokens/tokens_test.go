package tokens

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/genai"
)

func TestEncodingFor(t *testing.T) {
	for model, want := range map[string]Encoding{
		"gpt-4o-2024-11-20": O200kBase, "gpt-4.1-mini": O200kBase, "gpt-5.2-2025-12-11": O200kBase, "o3-mini": O200kBase,
		"gpt-4-0613": Cl100kBase, "gpt-4-32k": Cl100kBase, "gpt-35-turbo": Cl100kBase, "text-embedding-ada-002": Cl100kBase,
		"openllmetry-testing": O200kBase, "": O200kBase,
	} {
		assert.Equal(t, want, EncodingFor(model), model)
	}
}

func TestCounts(t *testing.T) {
	c := ForModel("gpt-4o")
	assert.Equal(t, 8, c.Text("Hello there, how are you today?"))
	assert.Equal(t, 0, c.Text(""))
	// 3 per message + role + content, 3 to prime the reply.
	req := &genai.Request{Messages: []genai.Message{{Role: "user", Parts: []genai.Part{{Type: "text", Content: "Say hello"}}}}}
	assert.Equal(t, 9, c.Prompt(req))
	assert.Equal(t, 8, ForModel("gpt-5.2").Prompt(req))
	assert.Equal(t, 4+1, ForModel("gpt-5.4").Completion([]genai.Choice{{Text: []byte("Paris")}}))
}

func TestFunctionDefinitionsRendering(t *testing.T) {
	tools := []genai.Tool{{Name: "get_weather", Description: "Get the weather", Params: &genai.Schema{Type: "object",
		Properties: []genai.Property{
			{Name: "location", Schema: &genai.Schema{Type: "string", Description: "City"}},
			{Name: "unit", Schema: &genai.Schema{Type: "string", Enum: []string{`"c"`, `"f"`}}},
			{Name: "days", Schema: &genai.Schema{Type: "array", Items: &genai.Schema{Type: "integer"}}},
		}, Required: []string{"location"}}}, {Name: "noop"}}
	assert.Equal(t, strings.Join([]string{
		"namespace functions {", "", "// Get the weather", "type get_weather = (_: {", "// City", "location: string,",
		`unit?: "c" | "f",`, "days?: number[],", "}) => any;", "", "type noop = () => any;", "", "} // namespace functions",
	}, "\n"), FunctionDefinitions(tools))
}

func TestHugeTextIsExtrapolated(t *testing.T) {
	c := ForModel("gpt-4o")
	n := c.Text(strings.Repeat(" word", (MaxTokenizedBytes/5)*2))
	assert.InDelta(t, (MaxTokenizedBytes/5)*2, n, 10)
}
