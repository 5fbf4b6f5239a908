package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import (
	"encoding/binary"
	"math/rand/v2"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// traceContext is a parsed W3C traceparent.
type traceContext struct {
	traceID pcommon.TraceID
	spanID  pcommon.SpanID
	flags   byte
}

// parseTraceparent reads "00-<32 hex>-<16 hex>-<2 hex>" (W3C Trace Context
// level 1). Later versions are read by the same prefix, as the
// recommendation asks; version ff and all-zero ids are invalid.
func parseTraceparent(s string) (traceContext, bool) {
	var tc traceContext
	if len(s) < 55 || (len(s) > 55 && s[55] != '-') || s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return tc, false
	}
	version, ok := hexByte(s[0], s[1])
	if !ok || version == 0xff || (version == 0 && len(s) != 55) {
		return tc, false
	}
	if !readHexID(tc.traceID[:], s[3:35]) || !readHexID(tc.spanID[:], s[36:52]) {
		return tc, false
	}
	tc.flags, ok = hexByte(s[53], s[54])
	return tc, ok
}

// readHexID fills id from hex, two digits a byte. An id that is not hex or
// is all zero is invalid.
func readHexID(id []byte, hex string) bool {
	zero := true
	for i := range id {
		b, ok := hexByte(hex[2*i], hex[2*i+1])
		if !ok {
			return false
		}
		id[i] = b
		zero = zero && b == 0
	}
	return !zero
}

// hexByte reads two lower-case hex digits (the W3C format has no upper case).
func hexByte(hi, lo byte) (byte, bool) {
	h, ok1 := hexDigit(hi)
	l, ok2 := hexDigit(lo)
	return h<<4 | l, ok1 && ok2
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// derivedIDs hashes key (the record's id, else apim-request-id) into a trace
// id and a span id, so that a record resent after a timeout becomes the same
// span, which backends deduplicate. The three 64-bit words come from FNV-1a
// with different offset bases, each mixed with a SplitMix64 finalizer so
// that the bits samplers read are uniform.
func derivedIDs(key string) (pcommon.TraceID, pcommon.SpanID) {
	var tid pcommon.TraceID
	var sid pcommon.SpanID
	binary.BigEndian.PutUint64(tid[:8], mix64(fnv1a(0xcbf29ce484222325, key)))
	binary.BigEndian.PutUint64(tid[8:], mix64(fnv1a(0x84222325cbf29ce4, key)))
	binary.BigEndian.PutUint64(sid[:], nonZero(mix64(fnv1a(0x9e3779b97f4a7c15, key))))
	return tid, sid
}

func randomIDs() (pcommon.TraceID, pcommon.SpanID) {
	var tid pcommon.TraceID
	var sid pcommon.SpanID
	binary.BigEndian.PutUint64(tid[:8], rand.Uint64())
	binary.BigEndian.PutUint64(tid[8:], nonZero(rand.Uint64()))
	binary.BigEndian.PutUint64(sid[:], nonZero(rand.Uint64()))
	return tid, sid
}

func fnv1a(basis uint64, s string) uint64 {
	h := basis
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// nonZero keeps an id word from being all zero, which means "no id".
func nonZero(x uint64) uint64 {
	if x == 0 {
		return 1
	}
	return x
}
