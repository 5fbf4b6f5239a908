package exchange

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// TestFirstSpecial checks the word-at-a-time scan against a byte loop on
// every position of strings built from the bytes that matter.
func TestFirstSpecial(t *testing.T) {
	naive := func(s string, i int) int {
		for ; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
				return i
			}
		}
		return len(s)
	}
	alphabet := []byte{'a', ' ', 0x1f, 0x20, '"', '\\', 0x7f, 0x80, 0xff, '!', '#', '[', ']', 0x00, 0x21, 0x5b, 0x5d}
	for _, a := range alphabet {
		for _, b := range alphabet {
			for pos := range 20 {
				buf := []byte(strings.Repeat("x", 24))
				buf[pos] = a
				buf[(pos+3)%24] = b
				s := string(buf)
				for i := range len(s) {
					assert.Equal(t, naive(s, i), firstSpecial(s, i), "%q from %d", s, i)
				}
			}
		}
	}
}
