package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Spans from the ai_gateway receiver hold substrings of the request body they
// arrived in: the decoder does not copy, because a span usually leaves within
// milliseconds. A span that waits minutes in the join buffer would keep that
// whole body alive with it — a 30 KB stream for one small attribute, or a
// whole NDJSON batch — so the buffer gives every string it holds its own
// memory. The copies are what spanBytes counts, so max_pending_bytes holds.

// detachSpan copies every string of span.
func detachSpan(span ptrace.Span) {
	span.SetName(strings.Clone(span.Name()))
	if ts := span.TraceState().AsRaw(); ts != "" {
		span.TraceState().FromRaw(strings.Clone(ts))
	}
	if msg := span.Status().Message(); msg != "" {
		span.Status().SetMessage(strings.Clone(msg))
	}
	detachMap(span.Attributes())
	for i := 0; i < span.Events().Len(); i++ {
		e := span.Events().At(i)
		e.SetName(strings.Clone(e.Name()))
		detachMap(e.Attributes())
	}
	for i := 0; i < span.Links().Len(); i++ {
		l := span.Links().At(i)
		if ts := l.TraceState().AsRaw(); ts != "" {
			l.TraceState().FromRaw(strings.Clone(ts))
		}
		detachMap(l.Attributes())
	}
}

// detachMap copies the string values of m. Keys need no copy: the receiver
// builds them (constants, or a prefix joined to a header name), so they never
// point into a body.
func detachMap(m pcommon.Map) {
	for _, v := range m.All() {
		detachValue(v)
	}
}

func detachValue(v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		v.SetStr(strings.Clone(v.Str()))
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			detachValue(s.At(i))
		}
	case pcommon.ValueTypeMap:
		detachMap(v.Map())
	}
}
