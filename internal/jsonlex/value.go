package jsonlex // import "github.com/otelcol-aoai/otelcol-aoai/internal/jsonlex"

// NextMember steps to the next member of an object whose '{' was read: past
// the ',' before it (unless first) to the opening quote of its key, which
// is at next. found is false at the closing '}', which is read.
func NextMember(src string, i int, first bool) (next int, found bool, p Problem) {
	i = SkipSpace(src, i)
	if i < len(src) && src[i] == '}' {
		return i + 1, false, OK
	}
	if !first {
		if i >= len(src) {
			return i, false, EndInObject
		}
		if src[i] != ',' {
			return i, false, ExpectedCommaOrBrace
		}
		i = SkipSpace(src, i+1)
	}
	if i >= len(src) {
		return i, false, EndInObject
	}
	if src[i] != '"' {
		return i, false, ExpectedKey
	}
	return i, true, OK
}

// Colon reads the ':' after an object key.
func Colon(src string, i int) (int, Problem) {
	i = SkipSpace(src, i)
	if i < len(src) && src[i] == ':' {
		return i + 1, OK
	}
	return i, ExpectedColon
}

// NextElement steps to the next element of an array whose '[' was read:
// past the ',' before it (unless first) to where it starts. more is false at
// the closing ']', which is read.
func NextElement(src string, i int, first bool) (next int, more bool, p Problem) {
	i = SkipSpace(src, i)
	if i >= len(src) {
		return i, false, EndInArray
	}
	switch c := src[i]; {
	case c == ']':
		return i + 1, false, OK
	case first:
		return i, true, OK
	case c != ',':
		return i, false, ExpectedCommaOrBracket
	}
	i = SkipSpace(src, i+1)
	if i < len(src) && src[i] == ']' {
		return i, false, TrailingComma
	}
	return i, true, OK
}

// Skip reads past the value that starts at or after src[i] (after
// whitespace) and returns the index after it. depth is how deep the value
// lies, for Strict's bound. valid is false when Strict finds a string in it
// that is not UTF-8 text; Lenient leaves it true.
func (m Mode) Skip(src string, i, depth int) (end int, valid bool, p Problem) {
	i = SkipSpace(src, i)
	if i >= len(src) {
		return i, false, UnexpectedEnd
	}
	switch c := src[i]; c {
	case '"':
		end, _, valid, p = m.String(src, i)
		return end, valid, p
	case '{', '[':
		if m == Lenient {
			end, p = matchBrackets(src, i)
			return end, true, p
		}
		return skipContainer(src, i, depth)
	case 't', 'f', 'n':
		end, p = skipLiteral(src, i)
		return end, true, p
	default:
		if m == Lenient && c != '-' && (c < '0' || c > '9') {
			return i, true, InvalidValue
		}
		end, p = m.Number(src, i)
		return end, true, p
	}
}

// skipLiteral reads the true, false or null that starts at src[i], known by
// its first byte.
func skipLiteral(src string, i int) (int, Problem) {
	word := "null"
	switch src[i] {
	case 't':
		word = "true"
	case 'f':
		word = "false"
	}
	if end, ok := Literal(src, i, word); ok {
		return end, OK
	}
	return i, InvalidValue
}

// skipContainer skips the object or array at src[i], checking its syntax:
// members and elements are stepped to by NextMember and NextElement, as the
// decoders that read objects step to them.
func skipContainer(src string, i, depth int) (end int, valid bool, p Problem) {
	if depth >= MaxDepth {
		return i, false, TooDeep
	}
	object := src[i] == '{'
	i++
	valid = true
	for first := true; ; first = false {
		var more bool
		if object {
			i, more, p = NextMember(src, i, first)
			if p == OK && more {
				// A key that is not UTF-8 leaves the value valid: no key of
				// a skipped value is kept.
				i, _, _, p = Strict.String(src, i)
				if p == OK {
					i, p = Colon(src, i)
				}
			}
		} else {
			i, more, p = NextElement(src, i, first)
		}
		if p != OK {
			return i, false, p
		}
		if !more {
			return i, valid, OK
		}
		var v bool
		if i, v, p = Strict.Skip(src, i, depth+1); p != OK {
			return i, false, p
		}
		valid = valid && v
	}
}

// matchBrackets skips the object or array at src[i] by counting brackets
// outside strings, never recursing, so deep input cannot exhaust the stack.
func matchBrackets(src string, i int) (int, Problem) {
	depth := 0
	for i < len(src) {
		switch src[i] {
		case '{', '[':
			depth++
			i++
		case '}', ']':
			depth--
			i++
			if depth == 0 {
				return i, OK
			}
		case '"':
			end, _, _, p := Lenient.String(src, i)
			if p != OK {
				return end, p
			}
			i = end
		default:
			i++
		}
	}
	return i, UnexpectedEnd
}
