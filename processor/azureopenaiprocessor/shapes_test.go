package azureopenaiprocessor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"go.yaml.in/yaml/v3"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadatatest"
	"github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver"
)

// shapesDir holds the traffic shapes: one exchange record per shape and the
// span a person derived from it and the API documentation, by hand (see its
// README).
const shapesDir = "../../testdata/shapes"

// knownFailing lists the shapes the pipeline does not get right yet, each
// with the open work item that fixes it. A listed shape is still run: while
// it fails it is skipped (its problems are logged with -v); once it passes,
// the test fails until its entry is removed, so the list only shrinks.
var knownFailing = map[string]string{}

// shapeExpectation is a shape's hand-written *.expected.yaml.
type shapeExpectation struct {
	// Name is the span name.
	Name   string `yaml:"name"`
	Status struct {
		// Code is unset, ok or error.
		Code string `yaml:"code"`
		// Message, when given, is the exact status message.
		Message *string `yaml:"message"`
	} `yaml:"status"`
	// Attributes are exact values: a YAML string is a string attribute, an
	// integer an int, a number with a fraction or exponent a double, true /
	// false a bool, a list a slice of those. Every gen_ai.* attribute the span
	// carries must be listed here.
	Attributes map[string]any `yaml:"attributes"`
	// Absent attributes must not be on the span.
	Absent []string `yaml:"absent"`
	// Secrets must not appear in any string of the output, besides the
	// values of the record's credential headers, which are never allowed.
	Secrets []string `yaml:"secrets"`
	// ParseFailures, when present, is the processor's parse-failure count by
	// kind (a kind not listed must be 0).
	ParseFailures map[string]int64 `yaml:"parse_failures"`
}

// TestShapes runs every shape's record through the real ai_gateway receiver
// (HTTP on localhost) and this processor with its default configuration, and
// compares the span with the shape's hand-written expectation: missing,
// wrong and unexpected gen_ai.* attributes all fail, every string must be
// UTF-8, and no credential from the record may appear anywhere.
func TestShapes(t *testing.T) {
	records, err := filepath.Glob(filepath.Join(shapesDir, "*.record.json"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(records), 30, "the shapes corpus is missing")
	for _, path := range records {
		shape := strings.TrimSuffix(filepath.Base(path), ".record.json")
		t.Run(shape, func(t *testing.T) {
			record, err := os.ReadFile(path)
			require.NoError(t, err)
			want := readShapeExpectation(t, filepath.Join(shapesDir, shape+".expected.yaml"))

			problems := runShape(t, record, want)

			reason, known := knownFailing[shape]
			switch {
			case known && len(problems) > 0:
				t.Skipf("known failing (%s); %d problems:\n  %s", reason, len(problems), strings.Join(problems, "\n  "))
			case known:
				t.Errorf("shape %s passes now: remove it from knownFailing (%s)", shape, reason)
			case len(problems) > 0:
				t.Errorf("shape %s: %d problems:\n  %s", shape, len(problems), strings.Join(problems, "\n  "))
			}
		})
	}
}

// TestKnownFailingShapesExist keeps knownFailing free of stale names.
func TestKnownFailingShapesExist(t *testing.T) {
	for shape := range knownFailing {
		_, err := os.Stat(filepath.Join(shapesDir, shape+".record.json"))
		require.NoError(t, err, "knownFailing names %q, which is not a shape", shape)
	}
}

func readShapeExpectation(t *testing.T, path string) shapeExpectation {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var want shapeExpectation
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(&want), path)
	require.NotEmpty(t, want.Name, "%s: name", path)
	require.Contains(t, []string{"unset", "ok", "error"}, want.Status.Code, "%s: status.code", path)
	return want
}

// runShape posts the record to a fresh receiver → processor → sink pipeline
// and returns every way the output differs from want.
func runShape(t *testing.T, record []byte, want shapeExpectation) []string {
	t.Helper()
	ctx := context.Background()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(ctx)) })
	sink := new(consumertest.TracesSink)
	proc, err := NewFactory().CreateTraces(ctx, metadatatest.NewSettings(tel), defaultConfig(), sink)
	require.NoError(t, err)
	require.NoError(t, proc.Start(ctx, componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, proc.Shutdown(ctx)) })

	url := startShapeReceiver(t, proc)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(record))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	if resp.StatusCode != http.StatusOK || sink.SpanCount() != 1 {
		return []string{fmt.Sprintf("the receiver answered %d %s and %d spans reached the sink, want 200 and 1 span",
			resp.StatusCode, answer, sink.SpanCount())}
	}
	td := sink.AllTraces()[0]
	span := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)

	secrets := append(credentialValues(t, record), expectedSecrets(want)...)
	problems := compareSpan(span, want)
	problems = append(problems, invalidUTF8(td)...)
	problems = append(problems, leakedSecrets(td, secrets)...)
	if want.ParseFailures != nil {
		problems = append(problems, parseFailureProblems(t, tel, want.ParseFailures)...)
	}
	// A failure report quotes output values; a leaked secret is named, not shown.
	for i := range problems {
		for _, sec := range secrets {
			if len(sec.value) >= 6 {
				problems[i] = strings.ReplaceAll(problems[i], sec.value, "<"+sec.from+">")
			}
		}
	}
	return problems
}

// startShapeReceiver runs the real ai_gateway receiver on localhost:0 in
// front of next and returns its URL; the bound port is read from the line
// the receiver logs when it starts.
func startShapeReceiver(t *testing.T, next consumer.Traces) string {
	t.Helper()
	factory := aigatewayreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig().(*aigatewayreceiver.Config)
	cfg.ServerConfig.NetAddr.Endpoint = "localhost:0"
	core, logs := observer.New(zapcore.InfoLevel)
	set := receivertest.NewNopSettings(factory.Type())
	set.Logger = zap.New(core)
	rcv, err := factory.CreateTraces(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	for _, entry := range logs.All() {
		if endpoint, ok := entry.ContextMap()["endpoint"].(string); ok {
			return "http://" + endpoint + cfg.Path
		}
	}
	t.Fatal("the receiver logged no endpoint when it started")
	return ""
}

// compareSpan lists every missing, wrong and unexpected part of the span.
func compareSpan(span ptrace.Span, want shapeExpectation) []string {
	var problems []string
	if span.Name() != want.Name {
		problems = append(problems, fmt.Sprintf("name: got %q, want %q", span.Name(), want.Name))
	}
	gotCode := map[ptrace.StatusCode]string{ptrace.StatusCodeUnset: "unset", ptrace.StatusCodeOk: "ok", ptrace.StatusCodeError: "error"}[span.Status().Code()]
	if gotCode != want.Status.Code {
		problems = append(problems, fmt.Sprintf("status: got %s %q, want %s", gotCode, span.Status().Message(), want.Status.Code))
	}
	wantMessage := want.Status.Message
	if wantMessage == nil && want.Status.Code == "unset" {
		wantMessage = new(string) // an unset status carries no message
	}
	if wantMessage != nil && span.Status().Message() != *wantMessage {
		problems = append(problems, fmt.Sprintf("status message: got %q, want %q", span.Status().Message(), *wantMessage))
	}

	attrs := span.Attributes()
	keys := make([]string, 0, len(want.Attributes))
	for k := range want.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		got, ok := attrs.Get(k)
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("missing %s, want %s", k, describeWant(want.Attributes[k])))
		case !valueMatches(want.Attributes[k], got):
			problems = append(problems, fmt.Sprintf("wrong %s: got %s, want %s", k, describeValue(got), describeWant(want.Attributes[k])))
		}
	}
	for _, k := range want.Absent {
		if got, ok := attrs.Get(k); ok {
			problems = append(problems, fmt.Sprintf("%s must be absent, got %s", k, describeValue(got)))
		}
	}
	var unexpected []string
	attrs.Range(func(k string, v pcommon.Value) bool {
		if _, listed := want.Attributes[k]; strings.HasPrefix(k, "gen_ai.") && !listed {
			unexpected = append(unexpected, fmt.Sprintf("unexpected %s = %s", k, describeValue(v)))
		}
		return true
	})
	sort.Strings(unexpected)
	return append(problems, unexpected...)
}

// valueMatches compares an attribute with a YAML value, type included.
func valueMatches(want any, got pcommon.Value) bool {
	switch w := want.(type) {
	case string:
		return got.Type() == pcommon.ValueTypeStr && got.Str() == w
	case int:
		return got.Type() == pcommon.ValueTypeInt && got.Int() == int64(w)
	case float64:
		return got.Type() == pcommon.ValueTypeDouble && math.Abs(got.Double()-w) <= 1e-9*math.Max(1, math.Abs(w))
	case bool:
		return got.Type() == pcommon.ValueTypeBool && got.Bool() == w
	case []any:
		if got.Type() != pcommon.ValueTypeSlice || got.Slice().Len() != len(w) {
			return false
		}
		for i, e := range w {
			if !valueMatches(e, got.Slice().At(i)) {
				return false
			}
		}
		return true
	}
	return false
}

func describeValue(v pcommon.Value) string {
	raw, _ := json.Marshal(v.AsRaw())
	return fmt.Sprintf("%s %s", strings.ToLower(v.Type().String()), raw)
}

func describeWant(w any) string {
	raw, _ := json.Marshal(w)
	kind := "unsupported"
	switch w.(type) {
	case string:
		kind = "str"
	case int:
		kind = "int"
	case float64:
		kind = "double"
	case bool:
		kind = "bool"
	case []any:
		kind = "slice"
	}
	return fmt.Sprintf("%s %s", kind, raw)
}

// outputStrings calls visit with every string of the output (names, status
// messages, attribute keys and string values, bytes values as text) and
// where it sits.
func outputStrings(td ptrace.Traces, visit func(where, s string)) {
	var walk func(where string, v pcommon.Value)
	walk = func(where string, v pcommon.Value) {
		switch v.Type() {
		case pcommon.ValueTypeStr:
			visit(where, v.Str())
		case pcommon.ValueTypeBytes:
			visit(where+" (bytes)", string(v.Bytes().AsRaw()))
		case pcommon.ValueTypeSlice:
			for i := 0; i < v.Slice().Len(); i++ {
				walk(fmt.Sprintf("%s[%d]", where, i), v.Slice().At(i))
			}
		case pcommon.ValueTypeMap:
			walkMap(where, v.Map(), visit, walk)
		}
	}
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		walkMap("resource", rs.Resource().Attributes(), visit, walk)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			visit("scope name", ss.Scope().Name())
			walkMap("scope", ss.Scope().Attributes(), visit, walk)
			for k := 0; k < ss.Spans().Len(); k++ {
				span := ss.Spans().At(k)
				visit("span name", span.Name())
				visit("status message", span.Status().Message())
				visit("trace state", span.TraceState().AsRaw())
				walkMap("span", span.Attributes(), visit, walk)
				for e := 0; e < span.Events().Len(); e++ {
					visit("event name", span.Events().At(e).Name())
					walkMap("event", span.Events().At(e).Attributes(), visit, walk)
				}
			}
		}
	}
}

func walkMap(where string, m pcommon.Map, visit func(where, s string), walk func(string, pcommon.Value)) {
	m.Range(func(k string, v pcommon.Value) bool {
		visit(where+" attribute key", k)
		walk(where+" "+k, v)
		return true
	})
}

// invalidUTF8 lists the output strings that are not UTF-8 (bytes values are
// bytes, not strings, and are exempt).
func invalidUTF8(td ptrace.Traces) []string {
	var problems []string
	outputStrings(td, func(where, s string) {
		if !utf8.ValidString(s) && !strings.HasSuffix(where, "(bytes)") {
			problems = append(problems, fmt.Sprintf("not UTF-8: %s %q", where, s))
		}
	})
	return problems
}

// credentialHeaders are request/response headers whose values are
// credentials, in any case: the receiver's fixed list and those of Azure
// Functions, App Service authentication and API Management.
var credentialHeaders = []string{
	"authorization", "proxy-authorization", "api-key", "x-api-key", "ocp-apim-subscription-key",
	"cookie", "set-cookie", "x-functions-key", "x-ms-token-aad-access-token", "x-ms-token-aad-id-token",
	"x-ms-token-aad-refresh-token", "x-ms-client-principal",
}

// secret is a value that must not appear in the output, and where it comes
// from (to name it in a failure without printing it).
type secret struct{ from, value string }

// credentialValues reads the record with encoding/json alone and returns the
// values of its credential headers (a Bearer token without its scheme too).
func credentialValues(t *testing.T, record []byte) []secret {
	t.Helper()
	var rec struct {
		Request  struct{ Headers map[string]json.RawMessage } `json:"request"`
		Response struct{ Headers map[string]json.RawMessage } `json:"response"`
	}
	require.NoError(t, json.Unmarshal(record, &rec))
	var out []secret
	for side, headers := range map[string]map[string]json.RawMessage{"request": rec.Request.Headers, "response": rec.Response.Headers} {
		for name, raw := range headers {
			if !containsFold(credentialHeaders, name) {
				continue
			}
			values := recordHeaderValues(t, raw)
			from := fmt.Sprintf("the value of the %s header %s", side, name)
			for _, v := range values {
				out = append(out, secret{from, v})
				if scheme, token, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "bearer") {
					out = append(out, secret{from, token})
				}
			}
		}
	}
	return out
}

// recordHeaderValues reads a record's header value: a string or strings.
func recordHeaderValues(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var values []string
	if json.Unmarshal(raw, &values) != nil {
		var one string
		require.NoError(t, json.Unmarshal(raw, &one))
		values = []string{one}
	}
	return values
}

func expectedSecrets(want shapeExpectation) []secret {
	out := make([]secret, 0, len(want.Secrets))
	for i, v := range want.Secrets {
		out = append(out, secret{fmt.Sprintf("secrets[%d] of the expectation", i), v})
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}

// leakedSecrets lists where a secret appears in the output, naming the
// secret by its origin, never by its value.
func leakedSecrets(td ptrace.Traces, secrets []secret) []string {
	var problems []string
	outputStrings(td, func(where, s string) {
		for _, sec := range secrets {
			if len(sec.value) >= 6 && strings.Contains(s, sec.value) {
				problems = append(problems, fmt.Sprintf("credential leak: %s appears in %s", sec.from, where))
			}
		}
	})
	return problems
}

// parseFailureProblems compares the processor's parse-failure counts by kind.
func parseFailureProblems(t *testing.T, tel *componenttest.Telemetry, want map[string]int64) []string {
	t.Helper()
	got := map[string]int64{}
	if m, err := tel.GetMetric("otelcol_processor_azure_openai_parse_failures"); err == nil {
		for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
			kind, _ := dp.Attributes.Value("kind")
			got[kind.AsString()] += dp.Value
		}
	}
	var problems []string
	for kind, n := range got {
		if n != want[kind] {
			problems = append(problems, fmt.Sprintf("parse failures of kind %s: got %d, want %d", kind, n, want[kind]))
		}
	}
	for kind, n := range want {
		if _, seen := got[kind]; !seen && n != 0 {
			problems = append(problems, fmt.Sprintf("parse failures of kind %s: got 0, want %d", kind, n))
		}
	}
	sort.Strings(problems)
	return problems
}
