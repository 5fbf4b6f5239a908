package aigatewayencodingextension

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/recordings"
)

// FuzzUnmarshalTraces feeds the auto framing arbitrary messages, seeded with
// every recorded exchange (alone, paired as NDJSON and as an array) and the
// shapes of the unit tests; the seeds run in every `go test`. The decoder
// itself is fuzzed in internal/exchange; this checks the choice of framing:
// never a panic, a success always has spans, and the spans are exactly those
// of a JSON or an NDJSON reading of the same message.
func FuzzUnmarshalTraces(f *testing.F) {
	all, err := recordings.LoadAll()
	require.NoError(f, err)
	for _, ex := range all {
		f.Add(ex.Record)
	}
	for i := 0; i+1 < len(all); i += 2 {
		f.Add([]byte(string(all[i].Record) + "\n" + string(all[i+1].Record)))
		f.Add([]byte("[" + string(all[i].Record) + "," + string(all[i+1].Record) + "]"))
	}
	for _, seed := range []string{
		record("a"), badStatusRecord("a"), "", " \n", "[]", "hello",
		record("a")[:300], `{"id":"a",` + "\n" + record("b"),
		record("a") + "\n" + badStatusRecord("b") + "\n" + "{oops",
	} {
		f.Add([]byte(seed))
	}
	ext := newTestExtension(f, createDefaultConfig().(*Config), nil)
	dec := exchange.NewDecoder(exchange.Options{})
	f.Fuzz(func(t *testing.T, message []byte) {
		td, err := ext.UnmarshalTraces(message)
		if err != nil {
			return
		}
		require.Positive(t, td.SpanCount())
		asJSON, errJSON := dec.Decode(message, exchange.FormatJSON)
		asNDJSON, errNDJSON := dec.Decode(message, exchange.FormatNDJSON)
		require.True(t,
			(errJSON == nil && sameSpans(td, asJSON.Traces)) || (errNDJSON == nil && sameSpans(td, asNDJSON.Traces)),
			"the spans are neither the JSON nor the NDJSON reading of the message")
	})
}

// sameSpans compares two results of deterministic records; spans of records
// without any id have random ids, so only counts and names are compared.
func sameSpans(a, b ptrace.Traces) bool {
	if a.SpanCount() != b.SpanCount() || a.ResourceSpans().Len() != b.ResourceSpans().Len() {
		return false
	}
	for i := range a.ResourceSpans().Len() {
		sa := a.ResourceSpans().At(i).ScopeSpans().At(0).Spans()
		sb := b.ResourceSpans().At(i).ScopeSpans().At(0).Spans()
		if sa.Len() != sb.Len() {
			return false
		}
		for j := range sa.Len() {
			if sa.At(j).Name() != sb.At(j).Name() || sa.At(j).StartTimestamp() != sb.At(j).StartTimestamp() {
				return false
			}
		}
	}
	return true
}
