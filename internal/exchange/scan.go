package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import (
	"strconv"

	"github.com/otelcol-aoai/otelcol-aoai/internal/jsonlex"
)

// syntaxError says where and why the input stopped being JSON. It never
// quotes the input: the input may hold a credential.
type syntaxError struct {
	offset int
	msg    string
}

func (e *syntaxError) Error() string {
	return e.msg + " at offset " + strconv.Itoa(e.offset)
}

// scanner reads JSON from src[pos:end] with the strict lexer: a record
// becomes pdata, so its strings must be UTF-8 text. It works on a string so
// that strings without escapes and numbers are substrings of the body: no
// copy, no allocation.
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

// failAt notes the lexer's problem p at offset pos.
func (s *scanner) failAt(pos int, p jsonlex.Problem) bool {
	s.pos = pos
	return s.fail(p.String())
}

// input is what the scanner may read: the body up to end.
func (s *scanner) input() string {
	return s.src[:s.end]
}

func (s *scanner) skipSpace() {
	s.pos = jsonlex.SkipSpace(s.input(), s.pos)
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

// scanString reads the string at s.pos (which holds '"'). With decode it
// returns the value: a substring of the input when it holds no escape,
// else a new string. valid is false when the value is not UTF-8 (a raw
// invalid byte or a lone surrogate escape): JSON text must be UTF-8 and so
// must pdata strings.
func (s *scanner) scanString(decode bool) (value string, valid, ok bool) {
	end, escaped, valid, p := jsonlex.Strict.String(s.input(), s.pos)
	if p != jsonlex.OK {
		return "", valid, s.failAt(end, p)
	}
	body := s.src[s.pos+1 : end-1]
	s.pos = end
	switch {
	case !decode:
		return "", valid, true
	case !escaped:
		return body, valid, true
	default:
		return jsonlex.Decode(body), valid, true
	}
}

// scanNumber reads a JSON number and returns its text.
func (s *scanner) scanNumber() (string, bool) {
	end, p := jsonlex.Strict.Number(s.input(), s.pos)
	if p != jsonlex.OK {
		return "", s.failAt(end, p)
	}
	text := s.src[s.pos:end]
	s.pos = end
	return text, true
}

// scanLiteral reads true, false or null.
func (s *scanner) scanLiteral(word string) bool {
	end, ok := jsonlex.Literal(s.input(), s.pos, word)
	if !ok {
		return s.fail(jsonlex.InvalidValue.String())
	}
	s.pos = end
	return true
}

// skipValue reads past one JSON value, checking its syntax. valid is false
// when a string inside it is not UTF-8.
func (s *scanner) skipValue(depth int) (valid, ok bool) {
	end, valid, p := jsonlex.Strict.Skip(s.input(), s.pos, depth)
	if p != jsonlex.OK {
		return false, s.failAt(end, p)
	}
	s.pos = end
	return valid, true
}

// member advances to the next member of an object whose '{' was consumed.
// It returns found=false at the closing '}'. With decode the key is left in
// s.key.
func (s *scanner) member(first *bool, decode bool) (found, ok bool) {
	next, found, p := jsonlex.NextMember(s.input(), s.pos, *first)
	if p != jsonlex.OK {
		return false, s.failAt(next, p)
	}
	s.pos = next
	if !found {
		return false, true
	}
	*first = false
	// A key that is not UTF-8 matches no field: it is skipped like any
	// unknown field, or refused by the header-name check.
	key, _, ok := s.scanString(decode)
	if !ok {
		return false, false
	}
	if next, p = jsonlex.Colon(s.input(), s.pos); p != jsonlex.OK {
		return false, s.failAt(next, p)
	}
	s.pos = next
	s.key = key
	return true, true
}

// element advances to the next element of an array whose '[' was consumed.
// It returns more=false at the closing ']'.
func (s *scanner) element(first *bool) (more, ok bool) {
	next, more, p := jsonlex.NextElement(s.input(), s.pos, *first)
	if p != jsonlex.OK {
		return false, s.failAt(next, p)
	}
	s.pos = next
	*first = false
	return more, true
}
