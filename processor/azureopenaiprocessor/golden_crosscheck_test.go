package azureopenaiprocessor

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/testbed/recordings"
)

// knownGoldenDisagreements lists where a golden file of the recordings replay
// disagrees with what an independent reading of the raw recording says, as
// "<golden file> <fact>" → why. While the disagreement stands it is logged;
// once the golden agrees, the test fails until the entry is removed.
var knownGoldenDisagreements = map[string]string{}

// rawFacts are the facts of one exchange, read from its raw record with
// encoding/json alone (none of this module's decoders); a nil field means
// the recording does not say.
type rawFacts struct {
	inputTokens, outputTokens *int64
	responseModel, responseID *string
	finishReasons             []string
	errorStatus               bool
	region                    *string
}

// TestGoldenFilesAgreeWithRawRecordings is a second, independent reader of
// the replay goldens (testdata/golden): for every recorded exchange it reads
// usage, response model, response id, finish reasons, the span status and the
// region from the raw record with encoding/json, and compares them with the
// golden span's attributes. The goldens were written by the code itself; this
// test is what checks they are right.
func TestGoldenFilesAgreeWithRawRecordings(t *testing.T) {
	exs := readRawExchanges(t)
	require.GreaterOrEqual(t, len(exs), 57)
	seen := map[string]bool{}
	said := map[string]int{}
	var disagreements []string
	for _, ex := range exs {
		file := recordings.GoldenName(ex.file) + ".yaml"
		td, err := golden.ReadTraces(filepath.Join("testdata", "golden", file))
		require.NoError(t, err, file)
		span := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
		raw := readRawFacts(t, ex.record)
		raw.count(said)
		for _, d := range compareGolden(span, raw) {
			key := file + " " + d.fact
			if reason, known := knownGoldenDisagreements[key]; known {
				seen[key] = true
				t.Logf("known disagreement %s: %s (%s)", key, d.detail, reason)
				continue
			}
			disagreements = append(disagreements, key+": "+d.detail)
		}
	}
	t.Logf("values the recordings state, compared with the goldens: %v", said)
	for _, fact := range []string{"input_tokens", "output_tokens", "response_model", "response_id", "finish_reasons", "region", "error_status"} {
		require.Positive(t, said[fact], "no recording states %s: the reader reads nothing", fact)
	}
	for key, reason := range knownGoldenDisagreements {
		if !seen[key] {
			t.Errorf("%s agrees now: remove it from knownGoldenDisagreements (%s)", key, reason)
		}
	}
	if len(disagreements) > 0 {
		t.Errorf("%d golden values disagree with the raw recordings:\n  %s", len(disagreements), strings.Join(disagreements, "\n  "))
	}
}

type goldenDisagreement struct{ fact, detail string }

// compareGolden compares the golden span with the raw facts.
func compareGolden(span ptrace.Span, raw rawFacts) []goldenDisagreement {
	attrs := span.Attributes()
	var out []goldenDisagreement
	check := func(fact, key string, want *string) {
		got, ok := attrs.Get(key)
		switch {
		case want == nil && ok:
			out = append(out, goldenDisagreement{fact, fmt.Sprintf("golden %s = %s, the recording has none", key, got.AsString())})
		case want != nil && !ok:
			out = append(out, goldenDisagreement{fact, fmt.Sprintf("golden has no %s, the recording says %s", key, *want)})
		case want != nil && got.AsString() != *want:
			out = append(out, goldenDisagreement{fact, fmt.Sprintf("golden %s = %s, the recording says %s", key, got.AsString(), *want)})
		}
	}
	source, _ := attrs.Get("azure.openai.usage.source")
	if source.Str() != "estimate" { // an estimate is the processor's own count, not in the recording
		check("input_tokens", "gen_ai.usage.input_tokens", intText(raw.inputTokens))
		check("output_tokens", "gen_ai.usage.output_tokens", intText(raw.outputTokens))
	}
	check("response_model", "gen_ai.response.model", raw.responseModel)
	check("response_id", "gen_ai.response.id", raw.responseID)
	var reasons *string
	if raw.finishReasons != nil {
		text, _ := json.Marshal(raw.finishReasons)
		s := string(text)
		reasons = &s
	}
	check("finish_reasons", "gen_ai.response.finish_reasons", reasons)
	check("region", "azure.openai.region", raw.region)
	if wantError := raw.errorStatus; wantError != (span.Status().Code() == ptrace.StatusCodeError) {
		out = append(out, goldenDisagreement{"status", fmt.Sprintf("golden status %s, the recording says error=%t", span.Status().Code(), wantError)})
	}
	return out
}

// count adds the facts the recording states to said.
func (f rawFacts) count(said map[string]int) {
	for fact, stated := range map[string]bool{
		"input_tokens": f.inputTokens != nil, "output_tokens": f.outputTokens != nil,
		"response_model": f.responseModel != nil, "response_id": f.responseID != nil,
		"finish_reasons": f.finishReasons != nil, "region": f.region != nil, "error_status": f.errorStatus,
	} {
		if stated {
			said[fact]++
		}
	}
}

func intText(n *int64) *string {
	if n == nil {
		return nil
	}
	s := strconv.FormatInt(*n, 10)
	return &s
}

// rawRecord is the part of an exchange record this reader needs.
type rawRecord struct {
	Request struct {
		URL string `json:"url"`
	} `json:"request"`
	Response struct {
		Status     int                        `json:"status"`
		Headers    map[string]json.RawMessage `json:"headers"`
		Body       json.RawMessage            `json:"body"`
		BodyBase64 string                     `json:"body_base64"`
	} `json:"response"`
}

func readRawFacts(t *testing.T, record []byte) rawFacts {
	t.Helper()
	var rec rawRecord
	require.NoError(t, json.Unmarshal(record, &rec))
	headers := map[string]string{}
	for name, raw := range rec.Response.Headers {
		if values := recordHeaderValues(t, raw); len(values) > 0 {
			headers[strings.ToLower(name)] = values[0]
		}
	}
	body := rawBodyText(t, rec.Response.Body, rec.Response.BodyBase64)

	var facts rawFacts
	if region, ok := headers["x-ms-region"]; ok {
		facts.region = &region
	}
	if strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), "data:") || strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), "event:") {
		facts.readStream(body)
	} else {
		var obj map[string]any
		if json.Unmarshal([]byte(body), &obj) == nil {
			facts.readObject(obj)
			if _, isError := obj["error"].(map[string]any); isError {
				facts.errorStatus = true
			}
		}
	}
	facts.errorStatus = facts.errorStatus || rec.Response.Status >= 400
	path := rec.Request.URL
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	if served, ok := headers["x-ms-served-model"]; ok && strings.HasSuffix(path, "/responses") {
		facts.responseModel = &served
	}
	return facts
}

// rawBodyText returns a record body as text: a JSON string is the body, any
// other JSON value is its JSON text, body_base64 is decoded.
func rawBodyText(t *testing.T, body json.RawMessage, b64 string) string {
	t.Helper()
	if b64 != "" {
		data, err := base64.StdEncoding.DecodeString(b64)
		require.NoError(t, err)
		return string(data)
	}
	var s string
	if json.Unmarshal(body, &s) == nil {
		return s
	}
	return string(body)
}

// readObject reads a non-streamed body: chat / completions / embeddings
// objects and Responses API objects.
func (f *rawFacts) readObject(obj map[string]any) {
	f.responseID = nonEmptyString(obj["id"])
	f.responseModel = nonEmptyString(obj["model"])
	f.readUsage(obj["usage"])
	if choices, ok := obj["choices"].([]any); ok && len(choices) > 0 {
		byIndex := map[int]string{}
		for i, c := range choices {
			choice, _ := c.(map[string]any)
			index := i
			if n, ok := choice["index"].(float64); ok {
				index = int(n)
			}
			reason, _ := choice["finish_reason"].(string)
			if reason == "" {
				reason = "error"
			}
			byIndex[index] = reason
		}
		f.finishReasons = inIndexOrder(byIndex)
	}
	if obj["object"] == "response" {
		f.finishReasons = responsesFinishReasons(obj)
	}
}

// responsesFinishReasons maps a Responses API object's status as the
// processor's README documents: completed → stop (tool_calls when it called a
// function), incomplete for max_output_tokens → length, content_filter →
// content_filter, anything else → error.
func responsesFinishReasons(obj map[string]any) []string {
	status, _ := obj["status"].(string)
	switch status {
	case "completed":
		output, _ := obj["output"].([]any)
		for _, item := range output {
			if m, _ := item.(map[string]any); m["type"] == "function_call" {
				return []string{"tool_calls"}
			}
		}
		return []string{"stop"}
	case "incomplete":
		details, _ := obj["incomplete_details"].(map[string]any)
		switch details["reason"] {
		case "max_output_tokens":
			return []string{"length"}
		case "content_filter":
			return []string{"content_filter"}
		}
	case "":
		return nil
	}
	return []string{"error"}
}

// readStream reads an SSE body event by event: the first non-empty id and
// model, each choice's last finish reason ("error" if it never got one), the
// usage chunk; for Responses API events, the embedded response object.
func (f *rawFacts) readStream(body string) {
	byIndex := map[int]string{}
	var data []string
	flush := func() {
		payload := strings.Join(data, "\n")
		data = data[:0]
		if payload == "" || payload == "[DONE]" {
			return
		}
		var event map[string]any
		if json.Unmarshal([]byte(payload), &event) != nil {
			return
		}
		if resp, ok := event["response"].(map[string]any); ok {
			event = resp
			if f.responseID == nil {
				f.responseID = nonEmptyString(event["id"])
			}
			if f.responseModel == nil {
				f.responseModel = nonEmptyString(event["model"])
			}
			f.readUsage(event["usage"])
			if reasons := responsesFinishReasons(event); reasons != nil && event["status"] != "in_progress" {
				f.finishReasons = reasons
			}
			return
		}
		if f.responseID == nil {
			f.responseID = nonEmptyString(event["id"])
		}
		if f.responseModel == nil {
			f.responseModel = nonEmptyString(event["model"])
		}
		f.readUsage(event["usage"])
		choices, _ := event["choices"].([]any)
		for i, c := range choices {
			choice, _ := c.(map[string]any)
			index := i
			if n, ok := choice["index"].(float64); ok {
				index = int(n)
			}
			if reason, _ := choice["finish_reason"].(string); reason != "" {
				byIndex[index] = reason
			} else if _, had := byIndex[index]; !had {
				byIndex[index] = ""
			}
		}
	}
	scanner := bufio.NewScanner(strings.NewReader(strings.ReplaceAll(body, "\r\n", "\n")))
	scanner.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for scanner.Scan() {
		line := scanner.Text()
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	flush()
	if len(byIndex) > 0 {
		for i, r := range byIndex {
			if r == "" {
				byIndex[i] = "error"
			}
		}
		f.finishReasons = inIndexOrder(byIndex)
	}
}

// readUsage takes chat usage (prompt/completion tokens) or Responses usage
// (input/output tokens) when the value is a usage object.
func (f *rawFacts) readUsage(v any) {
	usage, ok := v.(map[string]any)
	if !ok {
		return
	}
	for _, k := range []string{"prompt_tokens", "input_tokens"} {
		if n, ok := usage[k].(float64); ok {
			v := int64(n)
			f.inputTokens = &v
		}
	}
	for _, k := range []string{"completion_tokens", "output_tokens"} {
		if n, ok := usage[k].(float64); ok {
			v := int64(n)
			f.outputTokens = &v
		}
	}
}

func nonEmptyString(v any) *string {
	if s, ok := v.(string); ok && s != "" {
		return &s
	}
	return nil
}

func inIndexOrder(byIndex map[int]string) []string {
	indexes := make([]int, 0, len(byIndex))
	for i := range byIndex {
		indexes = append(indexes, i)
	}
	sort.Ints(indexes)
	out := make([]string, 0, len(indexes))
	for _, i := range indexes {
		out = append(out, byIndex[i])
	}
	return out
}
