package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import (
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxNesting bounds how deep a JSON value may nest, so that a body of
// twenty million '[' cannot exhaust the stack.
const maxNesting = 512

// syntaxError says where and why the input stopped being JSON. It never
// quotes the input: the input may hold a credential.
type syntaxError struct {
	offset int
	msg    string
}

func (e *syntaxError) Error() string {
	return e.msg + " at offset " + strconv.Itoa(e.offset)
}

// scanner reads JSON from src[pos:end]. It works on a string so that strings
// without escapes and numbers are substrings of the body: no copy, no
// allocation.
type scanner struct {
	src string
	pos int
	end int
	key string // the key member read last
	err *syntaxError
}

func (s *scanner) reset(src string, pos, end int) {
	s.src, s.pos, s.end, s.err = src, pos, end, nil
}

func (s *scanner) fail(msg string) bool {
	if s.err == nil {
		s.err = &syntaxError{offset: s.pos, msg: msg}
	}
	return false
}

func (s *scanner) skipSpace() {
	for s.pos < s.end {
		switch s.src[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// atEnd reports whether only spaces are left.
func (s *scanner) atEnd() bool {
	s.skipSpace()
	return s.pos >= s.end
}

// peek returns the next non-space byte, or 0 at the end (a NUL byte in the
// input is never valid where peek is used, so the two need no telling apart
// except through atEnd).
func (s *scanner) peek() byte {
	s.skipSpace()
	if s.pos >= s.end {
		return 0
	}
	return s.src[s.pos]
}

// consume skips b if it is the next non-space byte.
func (s *scanner) consume(b byte) bool {
	if s.peek() == b {
		s.pos++
		return true
	}
	return false
}

const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// firstSpecial returns the index of the first byte at or after i that ends a
// plain run inside a JSON string: a quote, a backslash, a control character
// or a non-ASCII byte. It tests eight bytes at a time. Each of the word
// tests may flag bytes above a true hit (a borrow carries upward) but never
// below one, so the lowest flagged byte is the first special byte.
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

// scanString reads the string at s.pos (which holds '"'). With decode it
// returns the value: a substring of the input when it holds no escape,
// else a new string unescaped in a second pass. valid is false when the
// value is not UTF-8 (a raw invalid byte or a lone surrogate escape): JSON
// text must be UTF-8 and so must pdata strings.
func (s *scanner) scanString(decode bool) (value string, valid, ok bool) {
	src := s.src[:s.end]
	start := s.pos + 1
	i := start
	escaped := false
	valid = true
	for {
		j := firstSpecial(src, i)
		if j >= len(src) {
			s.pos = len(src)
			return "", valid, s.fail("unterminated string")
		}
		switch c := src[j]; {
		case c == '"':
			s.pos = j + 1
			switch {
			case !decode:
				return "", valid, true
			case !escaped:
				return src[start:j], valid, true
			default:
				return unescape(src[start:j]), valid, true
			}
		case c == '\\':
			next, escValid, escOK := s.checkEscape(src, j)
			if !escOK {
				return "", valid, false
			}
			escaped = true
			valid = valid && escValid
			i = next
		case c < 0x20:
			s.pos = j
			return "", valid, s.fail("control character in string")
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
func (s *scanner) checkEscape(src string, j int) (next int, valid, ok bool) {
	if j+1 >= len(src) {
		s.pos = j
		return 0, false, s.fail("unterminated escape")
	}
	switch src[j+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return j + 2, true, true
	case 'u':
		r, ok := hex4(src, j+2)
		if !ok {
			s.pos = j
			return 0, false, s.fail(`invalid \u escape`)
		}
		next = j + 6
		if !utf16.IsSurrogate(r) {
			return next, true, true
		}
		if r < 0xdc00 && next+6 <= len(src) && src[next] == '\\' && src[next+1] == 'u' {
			if r2, ok := hex4(src, next+2); ok && r2 >= 0xdc00 && r2 <= 0xdfff {
				return next + 6, true, true
			}
		}
		return next, false, true
	default:
		s.pos = j
		return 0, false, s.fail("invalid escape in string")
	}
}

// unescape decodes the escapes of raw, a string body that checkEscape has
// already checked. The result is built in one allocation of len(raw) bytes
// (an upper bound: every escape is longer than what it stands for).
func unescape(raw string) string {
	var b strings.Builder
	b.Grow(len(raw))
	for {
		k := strings.IndexByte(raw, '\\')
		if k < 0 {
			b.WriteString(raw)
			return b.String()
		}
		b.WriteString(raw[:k])
		switch c := raw[k+1]; c {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, _ := hex4(raw, k+2)
			raw = raw[k+6:]
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if len(raw) >= 6 && raw[0] == '\\' && raw[1] == 'u' {
					r2, _ = hex4(raw, 2)
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					raw = raw[6:]
				} else {
					r = utf8.RuneError
				}
			}
			b.WriteRune(r)
			continue
		default: // '"', '\\', '/'
			b.WriteByte(c)
		}
		raw = raw[k+2:]
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

// scanNumber reads a JSON number and returns its text.
func (s *scanner) scanNumber() (string, bool) {
	src := s.src[:s.end]
	start, i := s.pos, s.pos
	if i < len(src) && src[i] == '-' {
		i++
	}
	switch {
	case i < len(src) && src[i] == '0':
		i++
	case i < len(src) && src[i] >= '1' && src[i] <= '9':
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
	default:
		s.pos = i
		return "", s.fail("invalid value")
	}
	if i < len(src) && src[i] == '.' {
		i++
		digits := i
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
		if i == digits {
			s.pos = i
			return "", s.fail("invalid number")
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		digits := i
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
		if i == digits {
			s.pos = i
			return "", s.fail("invalid number")
		}
	}
	s.pos = i
	return src[start:i], true
}

// scanLiteral reads true, false or null.
func (s *scanner) scanLiteral(word string) bool {
	if s.end-s.pos >= len(word) && s.src[s.pos:s.pos+len(word)] == word {
		s.pos += len(word)
		return true
	}
	return s.fail("invalid value")
}

// skipValue reads past one JSON value, checking its syntax. valid is false
// when a string inside it is not UTF-8.
func (s *scanner) skipValue(depth int) (valid, ok bool) {
	if s.atEnd() {
		return false, s.fail("unexpected end of input")
	}
	switch s.src[s.pos] {
	case '"':
		_, valid, ok = s.scanString(false)
		return valid, ok
	case '{':
		if depth >= maxNesting {
			return false, s.fail("nesting too deep")
		}
		s.pos++
		valid = true
		for first := true; ; {
			found, ok := s.member(&first, false)
			if !ok {
				return false, false
			}
			if !found {
				return valid, true
			}
			v, ok := s.skipValue(depth + 1)
			if !ok {
				return false, false
			}
			valid = valid && v
		}
	case '[':
		if depth >= maxNesting {
			return false, s.fail("nesting too deep")
		}
		s.pos++
		valid = true
		for first := true; ; {
			more, ok := s.element(&first)
			if !ok {
				return false, false
			}
			if !more {
				return valid, true
			}
			v, ok := s.skipValue(depth + 1)
			if !ok {
				return false, false
			}
			valid = valid && v
		}
	case 't':
		return true, s.scanLiteral("true")
	case 'f':
		return true, s.scanLiteral("false")
	case 'n':
		return true, s.scanLiteral("null")
	default:
		_, ok = s.scanNumber()
		return true, ok
	}
}

// member advances to the next member of an object whose '{' was consumed.
// It returns found=false at the closing '}'. With decode the key is left in
// s.key.
func (s *scanner) member(first *bool, decode bool) (found, ok bool) {
	c := s.peek()
	if c == '}' {
		s.pos++
		return false, true
	}
	if !*first {
		if c != ',' {
			if s.pos >= s.end {
				return false, s.fail("unexpected end of input in object")
			}
			return false, s.fail("expected , or } in object")
		}
		s.pos++
		c = s.peek()
	}
	*first = false
	if c != '"' || s.pos >= s.end {
		if s.pos >= s.end {
			return false, s.fail("unexpected end of input in object")
		}
		return false, s.fail("expected a string key in object")
	}
	// A key that is not UTF-8 matches no field: it is skipped like any
	// unknown field, or refused by the header-name check.
	key, _, ok := s.scanString(decode)
	if !ok {
		return false, false
	}
	if !s.consume(':') {
		return false, s.fail("expected : after object key")
	}
	s.key = key
	return true, true
}

// element advances to the next element of an array whose '[' was consumed.
// It returns more=false at the closing ']'.
func (s *scanner) element(first *bool) (more, ok bool) {
	c := s.peek()
	if s.pos >= s.end {
		return false, s.fail("unexpected end of input in array")
	}
	if c == ']' && *first {
		s.pos++
		return false, true
	}
	if !*first {
		switch c {
		case ']':
			s.pos++
			return false, true
		case ',':
			s.pos++
			if s.peek() == ']' {
				return false, s.fail("trailing comma in array")
			}
		default:
			return false, s.fail("expected , or ] in array")
		}
	}
	*first = false
	return true, true
}
