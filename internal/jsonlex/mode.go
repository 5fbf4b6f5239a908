package jsonlex // import "github.com/otelcol-aoai/otelcol-aoai/internal/jsonlex"

// Mode is how much of the JSON grammar a read checks. Both modes decode a
// string the same way (Decode); they differ in what they refuse.
type Mode uint8

const (
	// Strict checks all that RFC 8259 requires, and whether each string is
	// UTF-8 text. It is the exchange records' mode: a record becomes pdata,
	// where a byte that is not UTF-8, or a lone surrogate escape (which no
	// UTF-8 text can hold), must be refused rather than passed on. Nesting
	// is bounded by MaxDepth because Strict skips a value by recursion.
	Strict Mode = iota
	// Lenient checks only what finding the end of a token and decoding it
	// need: a string's closing quote and its escapes. Control characters and
	// bytes that are not UTF-8 pass through, a number is any run of number
	// characters (the caller's parse refuses a bad one), and a skipped
	// object or array is matched by its brackets without looking inside,
	// with a counter rather than recursion, so it needs no depth bound. It
	// is the mode of the processor's body reader, which reads what an API
	// wrote and must be fast on large bodies.
	Lenient
)

// MaxDepth bounds how deep a value Strict skips may nest, so that a body of
// twenty million '[' cannot exhaust the stack.
const MaxDepth = 512

// String reads the string whose opening quote is at src[i] and returns the
// index after its closing quote. escaped reports whether its body holds an
// escape (then Decode gives its value; else the body is its value). valid
// is false when Strict finds the value is not UTF-8 text; Lenient leaves it
// true. On a problem, end is where it lies.
func (m Mode) String(src string, i int) (end int, escaped, valid bool, p Problem) {
	if m == Lenient {
		end, escaped, p = findString(src, i)
		return end, escaped, true, p
	}
	return checkString(src, i)
}

// Number reads the number that starts at src[i] and returns the index after
// it.
func (m Mode) Number(src string, i int) (end int, p Problem) {
	if m == Lenient {
		return numberRun(src, i), OK
	}
	return checkNumber(src, i)
}

// Skip reads past the value that starts at or after src[i] (after
// whitespace) and returns the index after it. depth is how deep the value
// lies, for Strict's bound. valid is false when Strict finds a string in it
// that is not UTF-8 text; Lenient leaves it true.
func (m Mode) Skip(src string, i, depth int) (end int, valid bool, p Problem) {
	if m == Lenient {
		end, p = skipLenient(src, i)
		return end, true, p
	}
	return skipStrict(src, i, depth)
}
