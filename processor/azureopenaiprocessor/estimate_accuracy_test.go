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

// calibrationRecordings are the recordings the tool-call rendering of
// internal/tokens was measured on (output framing: #0s; parallel calls in the
// history: elastic's #1). They are listed in the table but not
// judged: the goals hold on the other recordings.
var calibrationRecordings = map[string]bool{
	"crewai/TestAzureToolCallStreaming.test_azure_streaming_emits_tool_call_events.yaml#0":                                        true,
	"elastic-otel-python/test_tools_with_followup_and_capture_message_content_log_events[azure_provider_chat_completions].yaml#0": true,
	"elastic-otel-python/test_tools_with_followup_and_capture_message_content_log_events[azure_provider_chat_completions].yaml#1": true,
}

// TestEstimateAccuracy estimates every recorded response that reports usage
// as if the usage were absent, and compares with the real usage. Goals,
// outside the calibration set: input within 3% or 1 token; on streams, output
// within ±2 tokens when no reasoning tokens were spent (text and tool calls).
func TestEstimateAccuracy(t *testing.T) {
	var table strings.Builder
	table.WriteString("| recording | model (encoding) | kind | input real / est / err | output real / est / err |\n|---|---|---|---|---|\n")
	n := 0
	for _, ex := range readRawExchanges(t) {
		stream := sse.LooksLikeStream([]byte(ex.responseBody))
		route := genai.ClassifyPath("POST", urlPathOf(ex.url))
		if !estimable(route.API) {
			continue
		}
		var resp genai.Response
		var rr genai.ResponseReader
		if stream {
			rr.ReadStream([]byte(ex.responseBody), true, &resp)
		} else if rr.ReadBody([]byte(ex.responseBody), true, &resp) != nil {
			continue
		}
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
		counter := tokens.ForModel(model)
		enc, _ := counter.Encoding()
		estOut := counter.Completion(resp.Choices)
		estIn := counter.Prompt(&req)
		if route.API == genai.APICompletions {
			estIn = counter.PromptText(&req)
		}
		realIn, realOut := int(resp.Usage.Input.V), int(resp.Usage.Output.V)

		kind := "text"
		for _, c := range resp.Choices {
			if len(c.ToolCalls) > 0 {
				kind = fmt.Sprintf("%d tool call(s)", len(c.ToolCalls))
			}
		}
		if len(resp.Choices) > 1 {
			kind += fmt.Sprintf(", n=%d", len(resp.Choices))
		}
		if len(req.Tools) > 0 {
			kind += ", tools offered"
		}
		if resp.Usage.Reasoning.V > 0 {
			kind += ", reasoning"
		}
		if !stream {
			kind += ", body"
		}
		calibration := calibrationRecordings[ex.name()]
		if calibration {
			kind += ", calibration"
		}
		inErr := 100 * float64(estIn-realIn) / float64(realIn)
		fmt.Fprintf(&table, "| %s | %s (%s) | %s | %d / %d / %+.1f%% | %d / %d / %+d |\n",
			ex.name(), model, enc, kind, realIn, estIn, inErr, realOut, estOut, estOut-realOut)
		n++

		if calibration {
			continue
		}
		// Bodies are judged on input only: a filtered or reasoning
		// completion hides output that a stream would show.
		if stream && resp.Usage.Reasoning.V == 0 {
			assert.LessOrEqual(t, abs(estOut-realOut), 2, "%s: output %d estimated as %d", ex.name(), realOut, estOut)
		}
		if abs(estIn-realIn) > 1 {
			assert.LessOrEqual(t, math.Abs(inErr), 3.0, "%s: input %d estimated as %d", ex.name(), realIn, estIn)
		}
	}
	t.Logf("estimate accuracy over %d recorded responses with usage:\n%s", n, table.String())
	assert.GreaterOrEqual(t, n, 6)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
