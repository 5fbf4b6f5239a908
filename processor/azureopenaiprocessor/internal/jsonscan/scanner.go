// Package jsonscan is a single-pass, allocation-free JSON reader over a byte
// slice. It reads the shapes the processor needs (objects, arrays, strings,
// numbers, booleans) in document order and skips everything else without
// building a tree. It never panics: malformed input stops the scan, Err reports
// it, and every later call returns "nothing more".
//
// The scanner is lenient where leniency costs nothing (it reads tokens with the
// lexer's Lenient mode, does not validate skipped values and does not reject a
// stray comma); it is strict enough that a truncated or non-JSON body is
// reported as an error.
package jsonscan // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/jsonscan"

import (
	"errors"
	"iter"
	"strconv"
	"unsafe"

	"github.com/otelcol-aoai/otelcol-aoai/internal/jsonlex"
)

// Kind is the type of the next value.
type Kind uint8

// Value kinds returned by Peek.
const (
	Invalid Kind = iota
	Object
	Array
	String
	Number
	Bool
	Null
)

// ErrSyntax is returned by Err when the input is not well-formed JSON where it
// was read, or ends early.
var ErrSyntax = errors.New("malformed or truncated JSON")

// Scanner reads one JSON document. The zero value is ready after Reset.
type Scanner struct {
	data []byte
	// src is data viewed as a string, for the lexer; it is never kept past
	// the next Reset.
	src string
	pos int
	err error
	// buf holds the unescaped form of the last string that had escapes.
	buf []byte
}

// Reset points the scanner at data and clears any error. The scratch buffer is
// kept, so a reused Scanner does not allocate again for escaped strings.
func (s *Scanner) Reset(data []byte) {
	s.data = data
	s.src = bytesString(data)
	s.pos = 0
	s.err = nil
	s.buf = s.buf[:0]
}

// Err returns ErrSyntax once the scanner met malformed input.
func (s *Scanner) Err() error { return s.err }

func (s *Scanner) fail() {
	if s.err == nil {
		s.err = ErrSyntax
	}
	s.pos = len(s.data)
}

func (s *Scanner) skipSpace() {
	s.pos = jsonlex.SkipSpace(s.src, s.pos)
}

// Peek returns the kind of the next value without consuming it.
func (s *Scanner) Peek() Kind {
	s.skipSpace()
	if s.err != nil || s.pos >= len(s.data) {
		return Invalid
	}
	switch c := s.data[s.pos]; c {
	case '{':
		return Object
	case '[':
		return Array
	case '"':
		return String
	case 't', 'f':
		return Bool
	case 'n':
		return Null
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return Number
		}
		return Invalid
	}
}

// AtEnd reports whether only whitespace remains.
func (s *Scanner) AtEnd() bool {
	s.skipSpace()
	return s.pos >= len(s.data)
}

// SkipUnless reports whether the next value is of kind k, leaving it in
// place. A value of another kind is skipped (without error), as the typed
// reads do, so that a reader meeting an unexpected shape moves on. It serves
// readers that record an object's presence, even an empty one's, before
// walking it with Object.
func (s *Scanner) SkipUnless(k Kind) bool {
	if s.Peek() == k {
		return true
	}
	s.Skip()
	return false
}

// EnterObject consumes '{'. It returns false (without error) when the next
// value is not an object; the value is then skipped.
func (s *Scanner) EnterObject() bool { return s.enter('{') }

// EnterArray consumes '['. It returns false (without error) when the next
// value is not an array; the value is then skipped.
func (s *Scanner) EnterArray() bool { return s.enter('[') }

func (s *Scanner) enter(open byte) bool {
	if !s.at(open) {
		s.Skip()
		return false
	}
	s.pos++
	return true
}

// at reports whether the next value starts with the byte c. It is Peek for
// the scanner's own hot paths: small enough to be inlined. (After an error
// the scanner stands at the end, so at is false, as Peek is Invalid.)
func (s *Scanner) at(c byte) bool {
	s.skipSpace()
	return s.pos < len(s.data) && s.data[s.pos] == c
}

// NextKey reads the next member name of the object entered last, and the ':'
// after it. It returns false at the closing '}' (consumed) or on error. The key
// is only valid until the next call on the scanner.
func (s *Scanner) NextKey() ([]byte, bool) {
	// The separator step is spelled out here and in NextElem rather than
	// shared: this is the scanner's hottest path, and a helper would cost a
	// call per member.
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ',' {
		s.pos++
		s.skipSpace()
	}
	if s.pos >= len(s.data) {
		s.fail()
		return nil, false
	}
	if s.data[s.pos] == '}' {
		s.pos++
		return nil, false
	}
	if s.data[s.pos] != '"' {
		s.fail()
		return nil, false
	}
	key, ok := s.readString()
	if !ok {
		return nil, false
	}
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != ':' {
		s.fail()
		return nil, false
	}
	s.pos++
	return key, true
}

// NextElem moves to the next element of the array entered last. It returns
// false at the closing ']' (consumed) or on error.
func (s *Scanner) NextElem() bool {
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ',' {
		s.pos++
		s.skipSpace()
	}
	if s.pos >= len(s.data) {
		s.fail()
		return false
	}
	if s.data[s.pos] == ']' {
		s.pos++
		return false
	}
	return true
}

// Object enters an object and yields the name of each member in turn, with
// the scanner on the member's value: the loop body reads or skips that value
// before asking for the next name. A value that is not an object is skipped
// and yields nothing. A name is only valid until the next call on the
// scanner; a loop that stops early leaves the scanner inside the object.
//
// It is the loop of EnterObject and NextKey that every reader of an object
// needs. The compiler inlines the iterator; a loop body too large to be
// inlined in turn costs a call per member, which shows only on the hottest
// loops (the top level of a request or a stream chunk).
func (s *Scanner) Object() iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		if !s.EnterObject() {
			return
		}
		for {
			key, ok := s.NextKey()
			if !ok || !yield(key) {
				return
			}
		}
	}
}

// Member is Object for readers that want one member: it yields once for
// each member named key (JSON allows a name to repeat, and every occurrence
// is read), with the scanner on its value for the loop body to read or skip,
// and skips the other members.
//
// Its loop is spelled out rather than ranging over Object: a range-over-func
// loop inside an iterator moves the loop's state to the heap.
func (s *Scanner) Member(key string) func(yield func() bool) {
	return func(yield func() bool) {
		if !s.EnterObject() {
			return
		}
		for {
			k, ok := s.NextKey()
			if !ok {
				return
			}
			if string(k) != key {
				s.Skip()
			} else if !yield() {
				return
			}
		}
	}
}

// Array enters an array and yields the position of each element in turn,
// with the scanner on the element: the loop body reads or skips it. A value
// that is not an array is skipped and yields nothing.
func (s *Scanner) Array() iter.Seq[int] { return s.elements(0) }

// Objects is Array for arrays of objects: it yields only the elements that
// are objects, by their position among all elements, and leaves each for the
// loop body to read with Object or Member; other elements are skipped.
func (s *Scanner) Objects() iter.Seq[int] { return s.elements('{') }

// elements is Array when start is 0, and otherwise yields only the elements
// that start with the byte start. (Its loop is spelled out for the reason
// given at Member.)
func (s *Scanner) elements(start byte) iter.Seq[int] {
	return func(yield func(int) bool) {
		if !s.EnterArray() {
			return
		}
		for i := 0; s.NextElem(); i++ {
			if start != 0 && !s.at(start) {
				s.Skip()
			} else if !yield(i) {
				return
			}
		}
	}
}

// StoreStr reads a string value into *dst, as a new Go string, and reports
// true. Any other value is skipped and *dst keeps what it held, so a member
// of the wrong type does not erase a value read before.
func (s *Scanner) StoreStr(dst *string) bool {
	v, ok := s.Str()
	if ok {
		*dst = string(v)
	}
	return ok
}

// StrOrJSON returns the content of a string value, or the JSON text of any
// other value: senders give members such as tool-call arguments either as a
// JSON-encoded string or as the JSON itself. The result is only valid until
// the next call on the scanner.
func (s *Scanner) StrOrJSON() []byte {
	if s.Peek() == String {
		v, _ := s.readString()
		return v
	}
	return s.Raw()
}

// Str reads a string value. Any other kind is skipped and reported as not ok.
// The result aliases the input or the scratch buffer: it is only valid until
// the next call on the scanner.
func (s *Scanner) Str() ([]byte, bool) {
	if s.Peek() != String {
		s.Skip()
		return nil, false
	}
	return s.readString()
}

// StrCopy reads a string value into a new Go string.
func (s *Scanner) StrCopy() (string, bool) {
	b, ok := s.Str()
	if !ok {
		return "", false
	}
	return string(b), true
}

// Int reads a number that is an integer (or a float with an integral value,
// such as 800.0). Any other value is skipped and reported as not ok.
func (s *Scanner) Int() (int64, bool) {
	num, ok := s.number()
	if !ok {
		return 0, false
	}
	if v, err := strconv.ParseInt(bytesString(num), 10, 64); err == nil {
		return v, true
	}
	f, err := strconv.ParseFloat(bytesString(num), 64)
	if err != nil || f != float64(int64(f)) {
		return 0, false
	}
	return int64(f), true
}

// Float reads a number. Any other value is skipped and reported as not ok.
func (s *Scanner) Float() (float64, bool) {
	num, ok := s.number()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(bytesString(num), 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// Bool reads true or false. Any other value is skipped and reported as not ok.
func (s *Scanner) Bool() (bool, bool) {
	if s.Peek() != Bool {
		s.Skip()
		return false, false
	}
	if s.literal("true") {
		return true, true
	}
	if s.literal("false") {
		return false, true
	}
	s.fail()
	return false, false
}

// Null consumes a null and reports true; any other value is left in place.
func (s *Scanner) Null() bool {
	if s.Peek() != Null {
		return false
	}
	if s.literal("null") {
		return true
	}
	s.fail()
	return false
}

// Raw returns the bytes of the next value, whatever its kind, and consumes it.
func (s *Scanner) Raw() []byte {
	s.skipSpace()
	start := s.pos
	if !s.Skip() {
		return nil
	}
	return s.data[start:s.pos]
}

func (s *Scanner) literal(word string) bool {
	end, ok := jsonlex.Literal(s.src, s.pos, word)
	s.pos = end
	return ok
}

func (s *Scanner) number() ([]byte, bool) {
	if s.Peek() != Number {
		s.Skip()
		return nil, false
	}
	start := s.pos
	s.pos, _ = jsonlex.Lenient.Number(s.src, start)
	return s.data[start:s.pos], true
}

// Skip consumes the next value of any kind without checking its syntax beyond
// its strings' escapes. Nesting is tracked with a counter, never with
// recursion, so deep input cannot exhaust the stack. It reports false on
// error.
func (s *Scanner) Skip() bool {
	end, _, p := jsonlex.Lenient.Skip(s.src, s.pos, 0)
	if p != jsonlex.OK {
		s.fail()
		return false
	}
	s.pos = end
	return true
}

// readString consumes a string starting at '"'. Without escapes it returns a
// slice of the input; with escapes it decodes into the scratch buffer.
func (s *Scanner) readString() ([]byte, bool) {
	end, escaped, _, p := jsonlex.Lenient.String(s.src, s.pos)
	if p != jsonlex.OK {
		s.fail()
		return nil, false
	}
	start := s.pos + 1
	s.pos = end
	if !escaped {
		return s.data[start : end-1], true
	}
	s.buf = jsonlex.AppendDecoded(s.buf[:0], s.src[start:end-1])
	return s.buf, true
}

// bytesString views b as a string without copying, for parsing calls that do
// not keep their argument.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
