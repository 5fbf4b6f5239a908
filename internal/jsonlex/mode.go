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
