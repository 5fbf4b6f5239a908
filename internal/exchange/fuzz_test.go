package exchange

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/testbed/recordings"
)

// FuzzDecode feeds the decoder arbitrary bodies, seeded with every recorded
// exchange as a record (alone, in an array, as NDJSON) and the bad inputs of
// the tests. The seeds run in every `go test`.
func FuzzDecode(f *testing.F) {
	all, err := recordings.LoadAll()
	require.NoError(f, err)
	for _, ex := range all {
		f.Add(ex.Record, false)
	}
	for i := 0; i+1 < len(all); i += 2 {
		f.Add([]byte("["+string(all[i].Record)+","+string(all[i+1].Record)+"]"), false)
		f.Add([]byte(string(all[i].Record)+"\n"+string(all[i+1].Record)+"\n"), true)
	}
	for _, seed := range []string{validRecord, fullRecord, "", "[]", "[1,", `{"a":"\ud800"}`, "{\"request\":{\"body\":\"\xff\"}}", "\n\n" + validRecord + "\nx"} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	dec := NewDecoder(Options{RecordConfig: RecordConfig{RedactHeaders: []string{"x-secret"}}})
	f.Fuzz(func(t *testing.T, body []byte, ndjson bool) {
		format := FormatJSON
		if ndjson {
			format = FormatNDJSON
		}
		res, err := dec.Decode(body, format)
		if err != nil {
			require.Equal(t, 0, res.Traces.SpanCount())
			if !ndjson && json.Valid(body) {
				// encoding/json agrees the body is JSON: the only reasons left
				// are no record, or nesting past our bound.
				msg := err.Error()
				require.True(t, msg == "body holds no record" || strings.Contains(msg, "nesting too deep"), msg)
			}
			return
		}
		if !ndjson {
			require.True(t, json.Valid(body) || !utf8.Valid(body), "accepted a body encoding/json refuses")
		}
		require.Equal(t, res.Accepted, res.Traces.SpanCount())
		require.LessOrEqual(t, len(res.Errors), MaxReportedErrors)
		total := 0
		for _, n := range res.RejectedByReason {
			total += n
		}
		require.Equal(t, res.Rejected, total)
		for _, e := range res.Errors {
			require.True(t, utf8.ValidString(e.Error()))
		}
		checkStrings(t, res.Traces)
		_, err = (&ptrace.ProtoMarshaler{}).MarshalTraces(res.Traces)
		require.NoError(t, err)
		if bytes.Contains(body, []byte("x-secret")) {
			out, _ := (&ptrace.JSONMarshaler{}).MarshalTraces(res.Traces)
			require.NotContains(t, string(out), "http.request.header.x-secret")
		}
	})
}

// checkStrings asserts every string of every span is UTF-8, so that no
// exporter chokes on what the receiver let through.
func checkStrings(t *testing.T, td ptrace.Traces) {
	for i := range td.ResourceSpans().Len() {
		rs := td.ResourceSpans().At(i)
		checkMap(t, rs.Resource().Attributes())
		for j := range rs.ScopeSpans().Len() {
			spans := rs.ScopeSpans().At(j).Spans()
			for k := range spans.Len() {
				span := spans.At(k)
				require.True(t, utf8.ValidString(span.Name()))
				require.True(t, utf8.ValidString(span.Status().Message()))
				checkMap(t, span.Attributes())
			}
		}
	}
}

func checkMap(t *testing.T, m pcommon.Map) {
	for k, v := range m.All() {
		require.True(t, utf8.ValidString(k), k)
		switch v.Type() {
		case pcommon.ValueTypeStr:
			require.True(t, utf8.ValidString(v.Str()), k)
		case pcommon.ValueTypeSlice:
			for i := range v.Slice().Len() {
				require.True(t, utf8.ValidString(v.Slice().At(i).Str()), k)
			}
		}
	}
}
