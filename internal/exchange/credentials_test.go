package exchange

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// realShapedJWT builds an Entra-style access token: header.payload.signature,
// base64url without padding.
func realShapedJWT(claims string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"typ":"JWT","alg":"RS256","kid":"L1KfKFI_jnXbwWc22xZxw1sUHH0"}`)) + "." +
		enc.EncodeToString([]byte(claims)) + "." +
		enc.EncodeToString([]byte("signature-bytes-that-nobody-verifies-here-0123456789"))
}

func TestBearerClaimsFillCaller(t *testing.T) {
	token := realShapedJWT(`{"aud":"https://cognitiveservices.azure.com","iss":"https://sts.windows.net/t/","oid":"oid-1","azp":"azp-1","tid":"tid-1","name":"Ada"}`)
	record := `{"caller":{"tenant_id":"from-record"},"start_time":"2026-11-20T09:14:03Z","duration_ms":1,` +
		`"request":{"method":"POST","url":"https://h/p","headers":{"Authorization":"Bearer ` + token + `"}},"response":{"status":200}}`
	span := decodeOne(t, Options{}, record)
	raw := span.Attributes().AsRaw()
	assert.Equal(t, "oid-1", raw["ai_gateway.caller.object_id"])
	assert.Equal(t, "azp-1", raw["ai_gateway.caller.app_id"], "azp when there is no appid")
	assert.Equal(t, "from-record", raw["ai_gateway.caller.tenant_id"], "the record's own ids win")
	assert.NotContains(t, raw, "http.request.header.authorization")
}

func TestBearerClaimsIgnoreGarbage(t *testing.T) {
	for _, value := range []string{"Basic dXNlcjpwYXNz", "Bearer not-a-jwt", "Bearer a.!!!.c", "Bearer " + realShapedJWT(`[1,2]`), "Bearer " + realShapedJWT(`{"oid":5}`)} {
		var c caller
		fillCallerFromBearer(&c, []string{value})
		assert.Equal(t, caller{}, c, value)
	}
}

func TestCredentialsNeverPass(t *testing.T) {
	secrets := []string{"sk-apikey-0001", "apim-subkey-0002", "session=cookie-0003", "proxy-0004", "xapikey-0005", "setcookie-0006", "sigvalue0007", "custom-0008", "userpass0009"}
	token := realShapedJWT(`{"oid":"o","appid":"a","tid":"t"}`)
	record := `{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST",` +
		`"url":"https://user:userpass0009@h.openai.azure.com/p?api-version=1&sig=sigvalue0007&SIG=sigvalue0007&Key=sigvalue0007&code=sigvalue0007&x-amz-signature=sigvalue0007&keep=1",` +
		`"headers":{"api-key":"sk-apikey-0001","Ocp-Apim-Subscription-Key":["apim-subkey-0002"],"Cookie":"session=cookie-0003",` +
		`"Proxy-Authorization":"proxy-0004","X-API-Key":"xapikey-0005","Authorization":"Bearer ` + token + `","X-Custom-Secret":"custom-0008"}},` +
		`"response":{"status":200,"headers":{"Set-Cookie":["setcookie-0006"]}}}`
	res, err := NewDecoder(Options{RecordConfig: RecordConfig{RedactHeaders: []string{"x-custom-secret"}}}).Decode([]byte(record), FormatJSON)
	require.NoError(t, err)
	require.Equal(t, 1, res.Accepted, "%v", res.Errors)
	out, err := (&ptrace.JSONMarshaler{}).MarshalTraces(res.Traces)
	require.NoError(t, err)
	for _, s := range append(secrets, token) {
		assert.NotContains(t, string(out), s)
	}
	span := res.Traces.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	full, _ := span.Attributes().Get("url.full")
	assert.Equal(t, "https://REDACTED:REDACTED@h.openai.azure.com/p?api-version=1&sig=REDACTED&SIG=REDACTED&Key=REDACTED&code=REDACTED&x-amz-signature=REDACTED&keep=1", full.Str())
}

// TestCredentialsNeverInErrors: an error about a credential header names
// the field, never the value.
func TestCredentialsNeverInErrors(t *testing.T) {
	records := []string{
		"{\"start_time\":\"x\",\"request\":{\"method\":\"POST\",\"url\":\"https://h/p\",\"headers\":{\"api-key\":[\"sk-secret-1\",7]}}}",
		"{\"request\":{\"headers\":{\"authorization\":\"Bearer sk-secret-1\xff\"}}}",
		"{\"request\":{\"url\":\"https://u:sk-secret-1@h:99999/p\"}}",
		"{\"request\":{\"url\":\"sk-secret-1\"}}",
		"{\"request\":{\"method\":\"sk-secret-1 x\"}}",
		"{\"request\":{\"headers\":{\"sk-secret-1 x\":\"v\"}}}",
		"{\"id\":\"sk-secret-1\",\"version\":\"sk-secret-1\"}",
	}
	dec := NewDecoder(Options{})
	for _, r := range records {
		res, err := dec.Decode([]byte(r), FormatJSON)
		require.NoError(t, err)
		require.Len(t, res.Errors, 1)
		assert.NotContains(t, res.Errors[0].Error(), "sk-secret-1", r)
	}
	for _, body := range []string{`{"api-key":"sk-secret-1"`, `{"x":"sk-secret-1`, `["sk-secret-1"`} {
		_, err := dec.Decode([]byte(body), FormatJSON)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "sk-secret-1")
	}
}

func TestRedactURL(t *testing.T) {
	tests := map[string]string{
		"https://h/p?api-version=2024-10-21":         "https://h/p?api-version=2024-10-21",
		"https://h/p?Signature=s&X-Goog-Signature=g": "https://h/p?Signature=REDACTED&X-Goog-Signature=REDACTED",
		"https://h/p?x%2Damz%2Dsignature=s#frag":     "https://h/p?x%2Damz%2Dsignature=REDACTED",
		"https://h/cb#access_token=t&state=1":        "https://h/cb",
		"https://h/p?subscription-key=k&sig":         "https://h/p?subscription-key=REDACTED&sig",
		"wss://a@h:444/realtime?api-key=k":           "wss://REDACTED:REDACTED@h:444/realtime?api-key=REDACTED",
		"https://h:443/p?api-version=1":              "https://h/p?api-version=1",
		"HTTPS://a:b@h:443/p?key=k":                  "HTTPS://REDACTED:REDACTED@h/p?key=REDACTED",
		"http://[::1]:80/p":                          "http://[::1]/p",
		"http://h:443/p":                             "http://h:443/p",
		"https://h:0443":                             "https://h",
	}
	for in, want := range tests {
		u, problem := parseAbsoluteURL(in)
		require.Empty(t, problem, in)
		assert.Equal(t, want, redactURL(&u), in)
	}
	u, _ := parseAbsoluteURL("https://h/p?a=1")
	assert.Equal(t, strings.Clone(u.full), redactURL(&u))
}
