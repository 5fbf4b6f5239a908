package jsonlex // import "github.com/otelcol-aoai/otelcol-aoai/internal/jsonlex"

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// Decode returns the value of body, the text between the quotes of a string
// that String has read (so its escapes are well formed). The value is built
// in one allocation of len(body) bytes, an upper bound: every escape is
// longer than what it stands for.
func Decode(body string) string {
	b := AppendDecoded(make([]byte, 0, len(body)), body)
	// b is not used after this: the string may own its memory, as
	// strings.Builder's does.
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// AppendDecoded appends the value of body (as for Decode) to dst. An escape
// of a surrogate that is not one half of a pair decodes to U+FFFD, as
// encoding/json decodes it, in both modes: Strict has already reported the
// string as not UTF-8; Lenient passes the replacement on. Other bytes are
// copied as they are.
func AppendDecoded(dst []byte, body string) []byte {
	for {
		k := strings.IndexByte(body, '\\')
		if k < 0 {
			return append(dst, body...)
		}
		dst = append(dst, body[:k]...)
		switch c := body[k+1]; c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, _ := hex4(body, k+2)
			body = body[k+6:]
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if len(body) >= 6 && body[0] == '\\' && body[1] == 'u' {
					r2, _ = hex4(body, 2)
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					body = body[6:]
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, c)
		}
		body = body[k+2:]
	}
}
