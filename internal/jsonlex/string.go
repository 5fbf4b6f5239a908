package jsonlex // import "github.com/otelcol-aoai/otelcol-aoai/internal/jsonlex"

import (
	"math/bits"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// String reads the string whose opening quote is at src[i] and returns the
// index after its closing quote. escaped reports whether its body holds an
// escape (then Decode gives its value; else the body is its value). valid
// is false when Strict finds the value is not UTF-8 text; Lenient leaves it
// true. On a problem, end is where it lies.
//
// Strict looks at every byte of the body, to refuse control characters and
// to see whether the text is UTF-8. Lenient looks only for quotes and
// backslashes, with the vectorised byte search once a string proves long,
// and checks the escapes it meets. (The two are one function, not two behind
// a switch on the mode, so that a read costs one call.)
func (m Mode) String(src string, i int) (end int, escaped, valid bool, p Problem) {
	i++
	valid = true
	if m == Lenient {
		// Keys and most values are short: a plain loop beats the call
		// overhead of the vectorised search until the string proves long.
		for limit := min(i+24, len(src)); i < limit; i++ {
			if c := src[i]; c == '"' {
				return i + 1, false, true, OK
			} else if c == '\\' {
				break
			}
		}
		quote := -1 // the first quote at or after i, once searched for
		for {
			if quote < i {
				q := strings.IndexByte(src[i:], '"')
				if q < 0 {
					return len(src), escaped, true, UnterminatedString
				}
				quote = i + q
			}
			b := strings.IndexByte(src[i:quote], '\\')
			if b < 0 {
				return quote + 1, escaped, true, OK
			}
			next, _, p := checkEscape(src, i+b)
			if p != OK {
				return i + b, escaped, true, p
			}
			escaped = true
			i = next
		}
	}
	for {
		j := firstSpecial(src, i)
		if j >= len(src) {
			return len(src), escaped, valid, UnterminatedString
		}
		switch c := src[j]; {
		case c == '"':
			return j + 1, escaped, valid, OK
		case c == '\\':
			next, escValid, p := checkEscape(src, j)
			if p != OK {
				return j, escaped, valid, p
			}
			escaped = true
			valid = valid && escValid
			i = next
		case c < 0x20:
			return j, escaped, valid, ControlCharacter
		default:
			r, size := utf8.DecodeRuneInString(src[j:])
			if r == utf8.RuneError && size == 1 {
				valid = false
			}
			i = j + size
		}
	}
}

// checkEscape checks the escape at src[j] ('\\') and returns the index after
// it; valid is false for a lone surrogate.
func checkEscape(src string, j int) (next int, valid bool, p Problem) {
	if j+1 >= len(src) {
		return j, false, UnterminatedEscape
	}
	switch src[j+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return j + 2, true, OK
	case 'u':
		r, ok := hex4(src, j+2)
		if !ok {
			return j, false, InvalidUnicodeEscape
		}
		next = j + 6
		if !utf16.IsSurrogate(r) {
			return next, true, OK
		}
		if r < 0xdc00 && next+6 <= len(src) && src[next] == '\\' && src[next+1] == 'u' {
			if r2, ok := hex4(src, next+2); ok && r2 >= 0xdc00 && r2 <= 0xdfff {
				return next + 6, true, OK
			}
		}
		return next, false, OK
	default:
		return j, false, InvalidEscape
	}
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for k := i; k < i+4; k++ {
		c := s[k]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// firstSpecial returns the index of the first byte at or after i that ends a
// plain run inside a JSON string for Strict: a quote, a backslash, a control
// character or a non-ASCII byte. It tests eight bytes at a time. Each of the
// word tests may flag bytes above a true hit (a borrow carries upward) but
// never below one, so the lowest flagged byte is the first special byte.
func firstSpecial(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		quote := x ^ (swarOnes * '"')
		backslash := x ^ (swarOnes * '\\')
		control := (x - swarOnes*0x20) &^ x
		hit := (control | ((quote - swarOnes) &^ quote) | ((backslash - swarOnes) &^ backslash) | x) & swarHigh
		if hit != 0 {
			return i + bits.TrailingZeros64(hit)/8
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return i
		}
	}
	return len(s)
}
