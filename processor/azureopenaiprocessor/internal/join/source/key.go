package source // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"

// IsGUID reports whether s is a GUID in its canonical 8-4-4-4-12 hex form, the
// shape of an apim-request-id (every key a source is asked about) and of a
// workspace id.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
