package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import (
	"encoding/base64"
	"strings"
)

// credentialNameParts: a header whose lower-case name contains one of these
// carries a credential, a session or an identity token (x-functions-key,
// x-ms-token-aad-access-token, x-ms-client-principal, x-csrf-token, ...),
// unless it is one of harmlessCredentialLookalikes.
var credentialNameParts = []string{
	"key", "token", "secret", "password", "passwd", "signature", "credential",
	"auth", "principal", "cookie", "session", "jwt",
}

// harmlessCredentialLookalikes are headers whose names match a credential
// pattern but that carry counters and ids the processor lifts.
var harmlessCredentialLookalikes = map[string]struct{}{
	"x-ratelimit-remaining-tokens":     {},
	"x-ratelimit-limit-tokens":         {},
	"x-ratelimit-reset-tokens":         {},
	"x-ratelimit-renewalperiod-tokens": {},
	"azureml-model-session":            {},
	// Azure OpenAI's rate-limit bucket: the deployment name.
	"x-ratelimit-key": {},
}

// isCredentialName reports whether a lower-case header name is denied: on
// the fixed list, or matching a credential pattern and not a known harmless
// one. Names of headers are never secrets, so the name may still be logged.
func isCredentialName(lower string) bool {
	if _, ok := credentialHeaders[lower]; ok {
		return true
	}
	if _, ok := harmlessCredentialLookalikes[lower]; ok {
		return false
	}
	for _, part := range credentialNameParts {
		if strings.Contains(lower, part) {
			return true
		}
	}
	return false
}

// redactErrorText is redactText of the record's error, as readString
// returns it.
func redactErrorText(text string, _ bool) string {
	return redactText(text)
}

// redactText replaces the credentials a free text may quote — the record's
// error message — the way url.full is redacted: values of name=value and
// name: value pairs whose name is a sensitive query parameter or a
// credential header ("api-key=", "sig=", "Ocp-Apim-Subscription-Key: ",
// "\"api-key\":\""), the token after an HTTP auth scheme ("Bearer ...",
// "Basic ..."), bare JWTs, and the user info of URLs. A text with nothing to
// redact is returned as it is, without a copy.
func redactText(s string) string {
	var b strings.Builder
	done := 0 // s[:done] is in b (or, while b is empty, nothing was redacted)
	redact := func(from, to int) {
		if to <= from {
			return
		}
		if b.Len() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[done:from])
		b.WriteString(redactedValue)
		done = to
	}
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "://") {
			if at, ok := userinfoEnd(s, i+3); ok {
				redact(i+3, at)
				b.WriteString(":" + redactedValue)
				i = at
				continue
			}
			i += 3
			continue
		}
		if !isNameChar(s[i]) || (i > 0 && isNameChar(s[i-1])) {
			i++
			continue
		}
		end := i
		for end < len(s) && isNameChar(s[end]) {
			end++
		}
		name := s[i:end]
		if from, to, ok := schemeToken(s, name, end); ok {
			redact(from, to)
			i = to
			continue
		}
		if isJWT(name) {
			redact(i, end)
			i = end
			continue
		}
		if from, to, ok := pairValue(s, end); ok && isSensitiveName(name) {
			from, to = extendValue(s, name, from, to)
			// A value that is itself a name ("Auth: api-key: <key>") hides
			// what follows it too.
			for {
				nextFrom, nextTo, ok := pairValue(s, to)
				if !ok {
					break
				}
				_, to = extendValue(s, s[from:to], nextFrom, nextTo)
			}
			redact(from, to)
			i = to
			continue
		}
		i = end
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '%'
}

// isValueEnd: the bytes that end a quoted-out value in free text.
func isValueEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '&', ';', ',', '"', '\'', '#', '<', '>', '(', ')', '{', '}', '[', ']', '\\', '|':
		return true
	}
	return false
}

func isSensitiveName(name string) bool {
	return isSensitiveQueryParam(name) || isCredentialName(strings.ToLower(name))
}

// pairValue finds the value after a name: an optional closing quote, '=' or
// ':', spaces and an opening quote, then the value up to a delimiter.
func pairValue(s string, end int) (from, to int, ok bool) {
	j := end
	if j < len(s) && (s[j] == '"' || s[j] == '\'') {
		j++
	}
	for j < len(s) && s[j] == ' ' {
		j++
	}
	if j >= len(s) || (s[j] != '=' && s[j] != ':') {
		return 0, 0, false
	}
	if strings.HasPrefix(s[j:], "://") {
		return 0, 0, false
	}
	j++
	for j < len(s) && (s[j] == ' ' || s[j] == '"' || s[j] == '\'') {
		j++
	}
	from = j
	for j < len(s) && !isValueEnd(s[j]) && !isPairSeparator(s, j) {
		j++
	}
	return from, j, j > from
}

// isPairSeparator: a ':' that ends a name ("Key: value"), not one inside a
// value ("abc:def").
func isPairSeparator(s string, j int) bool {
	return s[j] == ':' && (j+1 == len(s) || s[j+1] == ' ')
}

// extendValue widens a redacted value that does not end at its delimiter:
// "Authorization: Bearer <token>" hides the token (and keeps the scheme),
// and a quoted cookie header hides every name=value pair of its list.
func extendValue(s, name string, from, to int) (int, int) {
	if tokenFrom, tokenTo, ok := schemeToken(s, s[from:to], to); ok {
		return tokenFrom, tokenTo
	}
	if !strings.Contains(strings.ToLower(name), "cookie") {
		return from, to
	}
	for to < len(s) && s[to] == ';' {
		j := to + 1
		for j < len(s) && s[j] == ' ' {
			j++
		}
		for j < len(s) && isNameChar(s[j]) {
			j++
		}
		if j >= len(s) || s[j] != '=' {
			break
		}
		for j++; j < len(s) && !isValueEnd(s[j]); j++ {
		}
		to = j
	}
	return from, to
}

// authSchemes are HTTP authentication schemes whose next word is a
// credential.
var authSchemes = []string{"bearer", "basic", "digest", "negotiate", "ntlm", "sharedkey", "sharedaccesssignature"}

// schemeToken returns the span of the credential after an auth scheme word.
// "Basic" is also an English word: its token must decode as user:password.
func schemeToken(s, word string, end int) (from, to int, ok bool) {
	scheme := ""
	for _, a := range authSchemes {
		if strings.EqualFold(word, a) {
			scheme = a
			break
		}
	}
	if scheme == "" || end >= len(s) || s[end] != ' ' {
		return 0, 0, false
	}
	from = end
	for from < len(s) && s[from] == ' ' {
		from++
	}
	to = from
	for to < len(s) && !isValueEnd(s[to]) {
		to++
	}
	if to == from {
		return 0, 0, false
	}
	if scheme == "basic" {
		decoded, err := base64.StdEncoding.DecodeString(s[from:to])
		if err != nil || !strings.Contains(string(decoded), ":") {
			return 0, 0, false
		}
	}
	return from, to, true
}

// isJWT: three base64url parts, the first a JSON object ("eyJ").
func isJWT(word string) bool {
	return len(word) > 20 && strings.HasPrefix(word, "eyJ") && strings.Count(word, ".") == 2
}

// userinfoEnd finds the '@' that ends the user info of the URL whose
// authority starts at i.
func userinfoEnd(s string, i int) (int, bool) {
	for j := i; j < len(s); j++ {
		switch c := s[j]; {
		case c == '@':
			return j, j > i
		case c == '/' || c == '?' || c == '#' || isValueEnd(c):
			return 0, false
		}
	}
	return 0, false
}
