package jsonlex // import "github.com/otelcol-aoai/otelcol-aoai/internal/jsonlex"

// SkipSpace returns the index of the first byte at or after i that is not
// JSON whitespace, or len(src).
func SkipSpace(src string, i int) int {
	for i < len(src) {
		switch src[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// Literal reports whether word (true, false or null) is at src[i], and
// returns the index after it.
func Literal(src string, i int, word string) (int, bool) {
	if len(src)-i >= len(word) && src[i:i+len(word)] == word {
		return i + len(word), true
	}
	return i, false
}
