package exchange

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

func TestRedactText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"upstream timed out after 30s", "upstream timed out after 30s"},
		{"GET https://h/p?api-version=1&api-key=abc123&sig=s%3D failed", "GET https://h/p?api-version=1&api-key=REDACTED&sig=REDACTED failed"},
		{"https://user:pa55@h/p", "https://REDACTED:REDACTED@h/p"},
		{"Authorization: Bearer eyJabc.def.ghi, retry", "Authorization: Bearer REDACTED, retry"},
		{"sent bearer tok-123", "sent bearer REDACTED"},
		{"Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA==", "Proxy-Authorization: Basic REDACTED"},
		{"the basic tier has no access", "the basic tier has no access"},
		{"Ocp-Apim-Subscription-Key : k-1; next", "Ocp-Apim-Subscription-Key : REDACTED; next"},
		{`body {"api-key": "k-2", "model":"gpt-4o"}`, `body {"api-key": "REDACTED", "model":"gpt-4o"}`},
		{"Cookie: a=1; b=2; then more", "Cookie: REDACTED; then more"},
		{"x-functions-key=fk&code=c0de#access_token=at", "x-functions-key=REDACTED&code=REDACTED#access_token=REDACTED"},
		{"token eyJhbGciOiJSUzI1NiJ9.eyJvaWQiOiIxIn0.c2ln expired", "token REDACTED expired"},
		{"x-ratelimit-remaining-tokens: 0 left", "x-ratelimit-remaining-tokens: 0 left"},
		{"SharedAccessSignature sr=x&sig=y", "SharedAccessSignature REDACTED&sig=REDACTED"},
		{"password=", "password="},
	} {
		assert.Equal(t, tc.want, redactText(tc.in), tc.in)
	}
	s := "nothing to hide here: 429 Too Many Requests"
	assert.Same(t, unsafeData(s), unsafeData(redactText(s)), "no copy when nothing is redacted")
}

func TestCredentialNames(t *testing.T) {
	for _, name := range []string{
		"authorization", "api-key", "x-functions-key", "x-ms-token-aad-access-token", "x-ms-client-principal",
		"x-ms-client-principal-id", "x-csrf-token", "x-session-id", "x-my-secret", "x-db-password", "x-amz-security-token",
		"x-goog-credential", "x-signature", "set-cookie", "x-jwt-assertion",
	} {
		assert.True(t, isCredentialName(name), name)
	}
	for _, name := range []string{
		"x-ratelimit-remaining-tokens", "x-ratelimit-limit-tokens", "x-ratelimit-reset-tokens", "x-ratelimit-renewalperiod-tokens",
		"azureml-model-session", "x-ratelimit-key", "x-ms-client-request-id", "apim-request-id", "x-ms-region", "content-type", "x-ms-served-model",
	} {
		assert.False(t, isCredentialName(name), name)
	}
}

func unsafeData(s string) *byte { return unsafe.StringData(s) }
