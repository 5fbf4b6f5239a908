package jsonlex // import "github.com/otelcol-aoai/otelcol-aoai/internal/jsonlex"

// Number reads the number that starts at src[i] and returns the index after
// it. Strict reads the grammar of RFC 8259; Lenient the run of bytes that can
// be part of a number.
func (m Mode) Number(src string, i int) (end int, p Problem) {
	if m == Lenient {
		for i < len(src) {
			if c := src[i]; (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
				i++
				continue
			}
			break
		}
		return i, OK
	}
	if i < len(src) && src[i] == '-' {
		i++
	}
	switch {
	case i < len(src) && src[i] == '0':
		i++
	case i < len(src) && src[i] >= '1' && src[i] <= '9':
		i = digits(src, i)
	default:
		return i, InvalidValue
	}
	if i < len(src) && src[i] == '.' {
		i++
		end := digits(src, i)
		if end == i {
			return i, InvalidNumber
		}
		i = end
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		end := digits(src, i)
		if end == i {
			return i, InvalidNumber
		}
		i = end
	}
	return i, OK
}

func digits(src string, i int) int {
	for i < len(src) && src[i] >= '0' && src[i] <= '9' {
		i++
	}
	return i
}
