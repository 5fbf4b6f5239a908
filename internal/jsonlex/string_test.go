package jsonlex

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

func TestStringModes(t *testing.T) {
	long := strings.Repeat("x", 40)
	for _, tc := range []struct {
		in             string
		strict         Problem
		lenient        Problem
		escaped, valid bool // as Strict reports them
	}{
		{in: `"plain"`, escaped: false, valid: true},
		{in: `"` + long + `\n` + long + `"`, escaped: true, valid: true},
		{in: `"` + long + `\"` + long + `"`, escaped: true, valid: true},
		{in: `"\\"`, escaped: true, valid: true},
		{in: `"\ud83d\ude0a"`, escaped: true, valid: true},
		{in: `"\ud800"`, escaped: true, valid: false},
		{in: `"\udc00\ud800"`, escaped: true, valid: false},
		{in: "\"\xff\"", valid: false},
		{in: "\"tab\there\"", strict: ControlCharacter, valid: true},
		{in: `"\q"`, strict: InvalidEscape, lenient: InvalidEscape, valid: true},
		{in: `"` + long + `\u12"`, strict: InvalidUnicodeEscape, lenient: InvalidUnicodeEscape, valid: true},
		{in: `"\`, strict: UnterminatedEscape, lenient: UnterminatedString, valid: true},
		{in: `"` + long + `\"`, strict: UnterminatedString, lenient: UnterminatedString, escaped: true, valid: true},
		{in: `"open`, strict: UnterminatedString, lenient: UnterminatedString, valid: true},
	} {
		end, escaped, valid, p := Strict.String(tc.in, 0)
		assert.Equal(t, tc.strict, p, "strict %q", tc.in)
		if p == OK {
			assert.Equal(t, len(tc.in), end, tc.in)
			assert.Equal(t, tc.escaped, escaped, tc.in)
			assert.Equal(t, tc.valid, valid, tc.in)
		}
		end, lenientEscaped, valid, p := Lenient.String(tc.in, 0)
		assert.Equal(t, tc.lenient, p, "lenient %q", tc.in)
		assert.True(t, valid, "Lenient does not judge UTF-8")
		if p == OK {
			assert.Equal(t, len(tc.in), end, tc.in)
			assert.Equal(t, tc.escaped, lenientEscaped, tc.in)
		}
	}
}

func TestDecodeLoneSurrogates(t *testing.T) {
	for in, want := range map[string]string{
		`\ud800`:               "\uFFFD",
		`\ud800x`:              "\uFFFDx",
		`\ud800\u0041`:         "\uFFFDA",
		`\udc00\ud83d\ude0a`:   "\uFFFD😊",
		`a\u00e9\/\b\f\n\r\t`:  "aé/\b\f\n\r\t",
		`\ud83d\ude0a\"\\tail`: "😊\"\\tail",
	} {
		assert.Equal(t, want, Decode(in), in)
		assert.Equal(t, "pre"+want, string(AppendDecoded([]byte("pre"), in)), in)
	}
}
