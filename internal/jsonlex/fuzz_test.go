package jsonlex

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// FuzzAgainstEncodingJSON holds the lexer to encoding/json: Strict accepts
// a value exactly when encoding/json does (within MaxDepth); a string either
// mode accepts decodes as encoding/json decodes it; and Strict calls a
// string not valid exactly where encoding/json has to make U+FFFD of it.
func FuzzAgainstEncodingJSON(f *testing.F) {
	for _, seed := range []string{
		`"plain"`, `"a\"b\\c\u00e9\ud83d\ude0a\n"`, `"\ud800"`, `"\ud800\u0041"`, `"\udc00"`, "\"\xff\"",
		"\"\x01\"", `"\q"`, `"\u12"`, `"\ufffd"`, `{"a":[1,-2.5e+3,true,null,{"b":"c"}]}`, `[1,]`, `{"a" 1}`,
		`01`, `-`, `1.`, `[`, ` "x" `, `"` + "\u2028" + `"`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		end, _, p := Strict.Skip(in, 0, 0)
		if p != TooDeep {
			whole := p == OK && SkipSpace(in, end) == len(in)
			require.Equal(t, json.Valid([]byte(in)), whole, "Strict and encoding/json disagree on %q (%s)", in, p)
		}

		i := SkipSpace(in, 0)
		if i >= len(in) || in[i] != '"' {
			return
		}
		var want string
		wantErr := json.Unmarshal([]byte(in), &want)
		for _, m := range []Mode{Strict, Lenient} {
			end, escaped, valid, p := m.String(in, i)
			if p != OK || SkipSpace(in, end) != len(in) {
				continue
			}
			if m == Lenient && wantErr != nil {
				continue // Lenient passes control characters through
			}
			require.NoError(t, wantErr, "mode %d accepted %q", m, in)
			body := in[i+1 : end-1]
			got := body
			if escaped {
				got = Decode(body)
			}
			if !utf8.ValidString(body) {
				require.False(t, valid && m == Strict, "Strict called %q UTF-8", in)
				continue // encoding/json replaces such bytes; the lexer leaves them to the caller
			}
			require.Equal(t, want, got, "mode %d decodes %q", m, in)
			if m == Strict && !valid {
				require.Contains(t, want, "\uFFFD", "Strict refused %q", in)
			}
			if m == Strict && valid && !strings.Contains(strings.ToLower(body), "fffd") && !strings.ContainsRune(body, utf8.RuneError) {
				require.NotContains(t, want, "\uFFFD", "Strict missed a lone surrogate in %q", in)
			}
		}
	})
}
