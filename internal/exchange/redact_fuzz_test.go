package exchange

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// credentialHeaderShapes are header names that carry credentials in front
// of Azure OpenAI, Azure Functions, App Service and API Management.
var credentialHeaderShapes = []string{
	"Authorization", "api-key", "Ocp-Apim-Subscription-Key", "x-functions-key", "x-ms-token-aad-access-token",
	"x-ms-token-aad-id-token", "x-ms-client-principal", "Cookie", "Set-Cookie", "X-CSRF-Token", "x-my-secret",
	"x-session-id", "x-amz-security-token", "x-service-password", "x-goog-credential", "x-signature",
}

// credentialTextShapes quote a credential (%s) the way error texts do.
var credentialTextShapes = []string{
	"Bearer %s", "Authorization: Bearer %s", "api-key=%s", "https://h/p?api-version=1&api-key=%s", "sig=%s",
	`{"api-key":"%s"}`, "Ocp-Apim-Subscription-Key: %s", "Cookie: a=1; session=%s", "https://user:%s@h/",
	"https://h/cb#access_token=%s", "code=%s", "password=%s", "x-functions-key: %s", "SharedKey acct:%s",
}

// FuzzNoCredentialPasses puts a credential in every shape a record can
// carry it — a header (fuzzed name case), the URL's query and fragment, the
// error text between fuzzed words — and checks that its value occurs
// nowhere in the spans or the rejection messages.
func FuzzNoCredentialPasses(f *testing.F) {
	f.Add(uint8(0), uint8(0), "upstream failed:", "retry later", "abcDEF123", uint8(0))
	f.Add(uint8(3), uint8(5), "GET", "(401)", "zz9", uint8(7))
	f.Add(uint8(9), uint8(8), "\"", "\n", "QUJD", uint8(255))
	f.Add(uint8(15), uint8(13), "Authorization:", "; b=2", "x", uint8(1))
	dec := NewDecoder(Options{})
	f.Fuzz(func(t *testing.T, header, text uint8, before, after, secretTail string, caseBits uint8) {
		secret := "S3cr3tVal" + alnum(secretTail)
		name := []byte(credentialHeaderShapes[int(header)%len(credentialHeaderShapes)])
		for i := range name {
			if caseBits&(1<<(i%8)) != 0 {
				name[i] = byte(strings.ToUpper(string(name[i]))[0])
			}
		}
		value := secret
		if strings.EqualFold(string(name), "authorization") {
			value = "Bearer " + secret
		}
		shape := credentialTextShapes[int(text)%len(credentialTextShapes)]
		errorText := before + " " + strings.ReplaceAll(shape, "%s", secret) + " " + after
		basic := base64.StdEncoding.EncodeToString([]byte("user:" + secret))
		errorText += " proxy Basic " + basic
		record := map[string]any{
			"start_time": "2026-11-20T09:14:03Z", "duration_ms": 1, "error": errorText,
			"request": map[string]any{
				"method":  "POST",
				"url":     "https://u:" + secret + "@h/openai/x?sig=" + secret + "&code=" + secret + "#t=" + secret,
				"headers": map[string]any{string(name): value, "X-Other": "ok"},
			},
			"response": map[string]any{"status": 500, "headers": map[string]any{string(name): []string{value}}},
		}
		body, err := json.Marshal(record)
		if err != nil {
			t.Skip()
		}
		res, err := dec.Decode(body, FormatJSON)
		if err != nil {
			t.Fatalf("a valid record is refused: %v", err)
		}
		out, err := (&ptrace.JSONMarshaler{}).MarshalTraces(res.Traces)
		if err != nil {
			t.Fatal(err)
		}
		var everything strings.Builder
		everything.Write(out)
		for _, e := range res.Errors {
			everything.WriteString(e.Error())
		}
		for _, leaked := range []string{secret, basic} {
			if strings.Contains(everything.String(), leaked) {
				t.Fatalf("%q passed:\n%s", leaked, everything.String())
			}
		}
	})
}

// alnum keeps the letters and digits of s: a credential value is one token.
func alnum(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
