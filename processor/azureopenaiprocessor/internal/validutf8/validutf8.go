// Package validutf8 makes every string of a span valid UTF-8, replacing
// invalid bytes with U+FFFD, and counts the strings it changed. OTLP
// requires valid UTF-8 strings; a body can hold any bytes, and so can the
// strings of spans that other sources send.
package validutf8 // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/validutf8"

import (
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Fix returns s with every run of invalid bytes replaced by U+FFFD, and
// whether it had any. A valid string is returned as it is, without a copy
// (utf8.ValidString checks eight ASCII bytes at a time).
func Fix(s string) (string, bool) {
	if utf8.ValidString(s) {
		return s, false
	}
	return strings.ToValidUTF8(s, string(utf8.RuneError)), true
}

// Resource fixes the resource's attributes; it returns the number of
// strings changed, as the functions below do.
func Resource(r pcommon.Resource) int {
	return Map(r.Attributes())
}

// Scope fixes the scope's name, version and attributes.
func Scope(s pcommon.InstrumentationScope) int {
	n := 0
	if v, bad := Fix(s.Name()); bad {
		s.SetName(v)
		n++
	}
	if v, bad := Fix(s.Version()); bad {
		s.SetVersion(v)
		n++
	}
	return n + Map(s.Attributes())
}

// Span fixes the span's name, trace state, status message and attributes,
// and the names and attributes of its events and links.
func Span(span ptrace.Span) int {
	return SpanExceptAttributes(span) + Map(span.Attributes())
}

// SpanExceptAttributes is Span without the span's own attributes, for a
// caller that already knows whether those hold anything to fix.
func SpanExceptAttributes(span ptrace.Span) int {
	n := 0
	if v, bad := Fix(span.Name()); bad {
		span.SetName(v)
		n++
	}
	n += traceState(span.TraceState())
	if v, bad := Fix(span.Status().Message()); bad {
		span.Status().SetMessage(v)
		n++
	}
	events := span.Events()
	for i := 0; i < events.Len(); i++ {
		e := events.At(i)
		if v, bad := Fix(e.Name()); bad {
			e.SetName(v)
			n++
		}
		n += Map(e.Attributes())
	}
	links := span.Links()
	for i := 0; i < links.Len(); i++ {
		n += traceState(links.At(i).TraceState())
		n += Map(links.At(i).Attributes())
	}
	return n
}

func traceState(ts pcommon.TraceState) int {
	if v, bad := Fix(ts.AsRaw()); bad {
		ts.FromRaw(v)
		return 1
	}
	return 0
}

// Map fixes the keys and the string values of m, in slices and maps too.
func Map(m pcommon.Map) int {
	n := 0
	badKeys := 0
	m.Range(func(k string, v pcommon.Value) bool {
		if !utf8.ValidString(k) {
			badKeys++
		}
		n += Value(v)
		return true
	})
	if badKeys > 0 {
		n += fixKeys(m)
	}
	return n
}

// fixKeys moves the values of keys with invalid bytes to their fixed keys
// (a key that exists already keeps its value: it was set on purpose).
func fixKeys(m pcommon.Map) int {
	var bad []string
	m.Range(func(k string, _ pcommon.Value) bool {
		if !utf8.ValidString(k) {
			bad = append(bad, k)
		}
		return true
	})
	for _, k := range bad {
		fixed, _ := Fix(k)
		if _, exists := m.Get(fixed); !exists {
			// Copied aside first: putting a key may move the map's values.
			v, _ := m.Get(k)
			held := pcommon.NewValueEmpty()
			v.CopyTo(held)
			held.MoveTo(m.PutEmpty(fixed))
		}
		m.Remove(k)
	}
	return len(bad)
}

// Value fixes a string value, or the strings of a slice or map value.
func Value(v pcommon.Value) int {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if s, bad := Fix(v.Str()); bad {
			v.SetStr(s)
			return 1
		}
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		n := 0
		for i := 0; i < s.Len(); i++ {
			n += Value(s.At(i))
		}
		return n
	case pcommon.ValueTypeMap:
		return Map(v.Map())
	}
	return 0
}
