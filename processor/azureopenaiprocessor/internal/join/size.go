package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

// The buffer is bounded in bytes, so it has to know what a span costs in
// memory. Marshalling every span to measure it would cost more than holding
// it; this walks the span once and adds the Go sizes of pdata's in-memory
// structures (pdata v1.67, 64-bit). BenchmarkPendingMemory compares the sum with
// the heap actually used.
const (
	spanStructBytes    = 224 // internal.Span, rounded to its allocation size class
	eventStructBytes   = 64  // internal.SpanEvent
	linkStructBytes    = 80  // internal.SpanLink
	keyValueBytes      = 48  // internal.KeyValue in its slice (40), plus append slack
	boxedValueBytes    = 16  // the AnyValue_* struct a value points to
	arrayHeaderBytes   = 32  // internal.ArrayValue / KeyValueList
	anyValueBytes      = 16  // an AnyValue in an array
	minStringBytes     = 8   // the smallest allocation a non-empty string takes
	pendingEntryBytes  = 256 // indexEntry (80), its spanExtra (32) and extras slot, key index slot, with room to spare
	originOverheadSize = 512 // spanOrigin, resource and scope structs, intern-map entry
	recordStructBytes  = 192 // source.Record, rounded to its allocation size class
	// storedEntryBytes is what RAM keeps of a span waiting in storage,
	// outside the heap (offheap.go): its indexEntry (80), its share of the
	// key index (6 to 12: 5 bytes a slot, 7/16 to 7/8 full) and the state of
	// its stored batch (8 in the store's live, when batches hold one span as
	// the gateway sends them, up to twice that in a ring half full), with
	// room for the batches deleted behind the oldest one still stored.
	storedEntryBytes = 128
)

// spanBytes is the approximate heap a span holds: its struct, strings,
// attributes, events and links.
func spanBytes(span ptrace.Span) int64 {
	n := int64(spanStructBytes) + stringBytes(span.Name()) + stringBytes(span.TraceState().AsRaw()) +
		stringBytes(span.Status().Message()) + mapBytes(span.Attributes())
	for i := 0; i < span.Events().Len(); i++ {
		e := span.Events().At(i)
		n += 8 + eventStructBytes + stringBytes(e.Name()) + mapBytes(e.Attributes())
	}
	for i := 0; i < span.Links().Len(); i++ {
		l := span.Links().At(i)
		n += 8 + linkStructBytes + stringBytes(l.TraceState().AsRaw()) + mapBytes(l.Attributes())
	}
	return n
}

func stringBytes(s string) int64 {
	if s == "" {
		return 0
	}
	return max(int64(len(s)), minStringBytes)
}

func mapBytes(m pcommon.Map) int64 {
	n := int64(0)
	for k, v := range m.All() {
		n += keyValueBytes + stringBytes(k) + valueBytes(v)
	}
	return n
}

func valueBytes(v pcommon.Value) int64 {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return boxedValueBytes + stringBytes(v.Str())
	case pcommon.ValueTypeBytes:
		return boxedValueBytes + 24 + int64(v.Bytes().Len())
	case pcommon.ValueTypeSlice:
		n := int64(boxedValueBytes + arrayHeaderBytes)
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			n += anyValueBytes + valueBytes(s.At(i))
		}
		return n
	case pcommon.ValueTypeMap:
		return boxedValueBytes + arrayHeaderBytes + mapBytes(v.Map())
	case pcommon.ValueTypeEmpty:
		return 0
	}
	return boxedValueBytes // int, double, bool
}

// recordBytes is the heap a record kept for a waiting span holds.
func recordBytes(rec *source.Record) int64 {
	n := int64(recordStructBytes)
	for _, s := range []string{
		rec.Operation, rec.ResultSignature, rec.CallerIP, rec.StreamType,
		rec.ModelName, rec.ModelVersion, rec.Deployment, rec.CallerObjectID,
	} {
		n += stringBytes(s)
	}
	return n
}
