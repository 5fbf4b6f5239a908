package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"strings"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

// joinKey returns the key a span joins on, lower-cased, and whether it is one:
// only GUIDs go to a source, so a request id that is anything else (a proxy's
// own format, or a hostile string) never reaches a query.
func joinKey(requestID string) (string, bool) {
	if !source.IsGUID(requestID) {
		return "", false
	}
	return strings.ToLower(requestID), true
}

// joinID is a join key as the buffer holds it: the GUID's 16 bytes, a third
// of the memory of its text and no allocation of its own.
type joinID [16]byte

// guidDigits are the offsets of the 32 hex digits in a canonical GUID.
var guidDigits = [...]int{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

// parseJoinID reads a key joinKey accepted; ok is false for anything else.
func parseJoinID(key string) (id joinID, ok bool) {
	if !source.IsGUID(key) {
		return id, false
	}
	for i, at := range guidDigits {
		id[i] = hexDigit(key[at])<<4 | hexDigit(key[at+1])
	}
	return id, true
}

func hexDigit(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// String is the key as sources are asked about it: lower-case, 8-4-4-4-12.
func (id joinID) String() string {
	const hexChars = "0123456789abcdef"
	b := []byte("00000000-0000-0000-0000-000000000000")
	for i, at := range guidDigits {
		b[at], b[at+1] = hexChars[id[i]>>4], hexChars[id[i]&0x0f]
	}
	return string(b)
}
