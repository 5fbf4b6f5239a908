package azureopenaiprocessor

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/genai"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/sse"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/tokens"
)

// TestEstimateAccuracy estimates every recorded stream that carries a usage
// chunk as if the chunk were absent, and compares with the real usage. Goals:
// output within ±2 tokens on text-only completions, input within 3%.
func TestEstimateAccuracy(t *testing.T) {
	var table strings.Builder
	table.WriteString("| recording | model (encoding) | kind | input real / est / err | output real / est / err |\n|---|---|---|---|---|\n")
	n := 0
	for _, ex := range readRawExchanges(t) {
		if !sse.LooksLikeStream([]byte(ex.responseBody)) {
			continue
		}
		route := genai.ClassifyPath("POST", urlPathOf(ex.url))
		var resp genai.Response
		var rr genai.ResponseReader
		rr.ReadStream([]byte(ex.responseBody), true, &resp)
		resp.Finish()
		if !resp.Usage.Present {
			continue
		}
		var req genai.Request
		var qr genai.RequestReader
		_ = qr.Read([]byte(ex.requestBody), route.API, true, &req)

		model := resp.Model
		if model == "" {
			model = req.Model
		}
		enc := tokens.EncodingFor(model)
		counter := tokens.ForModel(model)
		estOut := counter.Completion(resp.Choices)
		estIn := counter.Prompt(&req)
		realIn, realOut := int(resp.Usage.Input.V), int(resp.Usage.Output.V)

		textOnly := true
		for _, c := range resp.Choices {
			if len(c.ToolCalls) > 0 {
				textOnly = false
			}
		}
		kind := "text"
		if !textOnly {
			kind = "tool calls"
		}
		if len(resp.Choices) > 1 {
			kind += fmt.Sprintf(", n=%d", len(resp.Choices))
		}
		if len(req.Tools) > 0 {
			kind += ", tools offered"
		}
		inErr := 100 * float64(estIn-realIn) / float64(realIn)
		fmt.Fprintf(&table, "| %s | %s (%s) | %s | %d / %d / %+.1f%% | %d / %d / %+d |\n",
			ex.name(), model, enc, kind, realIn, estIn, inErr, realOut, estOut, estOut-realOut)
		n++

		if textOnly && resp.Usage.Reasoning.V == 0 {
			assert.LessOrEqual(t, abs(estOut-realOut), 2, "%s: output %d estimated as %d", ex.name(), realOut, estOut)
		}
		assert.LessOrEqual(t, math.Abs(inErr), 3.0, "%s: input %d estimated as %d", ex.name(), realIn, estIn)
	}
	t.Logf("estimate accuracy over %d recorded streams with a usage chunk:\n%s", n, table.String())
	assert.GreaterOrEqual(t, n, 6)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
