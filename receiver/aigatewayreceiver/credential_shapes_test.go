package aigatewayreceiver

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver/internal/metadata"
)

// TestCredentialShapesNeverPass sends every credential shape found in front
// of Azure OpenAI, Azure Functions, App Service authentication, API
// Management and storage SAS URLs: headers beyond the fixed list, query
// parameters, URL fragments and an error text quoting them. No value may
// occur in the spans or the logs; the harmless Azure headers whose names
// look like credentials (x-ratelimit-*-tokens, azureml-model-session) stay.
func TestCredentialShapesNeverPass(t *testing.T) {
	principal := base64.StdEncoding.EncodeToString([]byte(`{"auth_typ":"aad","claims":[{"typ":"name","val":"Principal Person"}]}`))
	secrets := map[string]string{
		"x-functions-key":             "fnkey-Q2hhbmdlTWU0NTY3ODkw",
		"x-ms-token-aad-access-token": "eyJ0eXAiOiJKV1QiAADACCESS.payload.sig",
		"x-ms-token-aad-id-token":     "eyJ0eXAiOiJKV1QiAADIDTOKEN.payload.sig",
		"x-ms-client-principal":       principal,
		"x-ms-client-principal-name":  "principal.person@contoso.com",
		"x-custom-secret":             "custom-secret-5151",
		"x-service-password":          "hunter2-password-value",
		"x-signature":                 "sig-hdr-77aa88bb",
		"x-goog-credential":           "goog-credential-value-1",
		"x-csrf-token":                "csrf-0a0a0a0a0a",
		"x-session-id":                "sess-1b1b1b1b1b",
		"ocp-apim-subscription-key":   "apim-subkey-2c2c2c2c",
		"response x-ms-auth-token":    "resp-token-3d3d3d3d",
		"set-cookie":                  "refresh-cookie-4e4e4e4e",
		"cookie":                      "request-cookie-5f5f5f5f",
		"api-key query":               "query-api-key-6a6a6a6a",
		"code query":                  "functions-code-7b7b7b7b",
		"sig query":                   "sas-sig-8c8c8c8c",
		"fragment":                    "fragment-token-9d9d9d9d",
		"error url key":               "error-url-key-0e0e0e0e",
		"error bearer":                "eyJhbGciOiJSUzI1NiJ9.errorbearer.sig",
		"error subscription key":      "error-subkey-1f1f1f1f",
		"error cookie":                "error-cookie-2a2a2a2a",
		"error sig":                   "error-sas-sig-3b3b3b3b",
		"error basic":                 "dXNlcjpwYXNzd29yZA==",
		"error json api-key":          "error-json-key-4c4c4c4c",
		"error password":              "error-password-5d5d5d5d",
	}
	errorText := fmt.Sprintf("POST https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21&api-key=%s failed: "+
		"401 with Authorization: Bearer %s, Ocp-Apim-Subscription-Key: %s; Cookie: session=%s; "+
		"blob https://acct.blob.core.windows.net/c/b?sv=2024-05-04&sig=%s; proxy Basic %s; "+
		`body {"api-key":"%s"} password=%s`,
		secrets["error url key"], secrets["error bearer"], secrets["error subscription key"], secrets["error cookie"],
		secrets["error sig"], secrets["error basic"], secrets["error json api-key"], secrets["error password"])
	record := map[string]any{
		"id": "cred-shapes-1", "start_time": "2026-11-20T09:14:03Z", "duration_ms": 12,
		"error": errorText,
		"request": map[string]any{
			"method": "POST",
			"url": "https://contoso-fn.azurewebsites.net/api/chat?code=" + secrets["code query"] +
				"&api-key=" + secrets["api-key query"] + "&sig=" + secrets["sig query"] + "#access_token=" + secrets["fragment"],
			"headers": map[string]any{
				"X-Functions-Key":             secrets["x-functions-key"],
				"X-MS-TOKEN-AAD-ACCESS-TOKEN": secrets["x-ms-token-aad-access-token"],
				"X-MS-TOKEN-AAD-ID-TOKEN":     secrets["x-ms-token-aad-id-token"],
				"X-MS-CLIENT-PRINCIPAL":       secrets["x-ms-client-principal"],
				"X-MS-CLIENT-PRINCIPAL-NAME":  secrets["x-ms-client-principal-name"],
				"X-Custom-Secret":             secrets["x-custom-secret"],
				"X-Service-Password":          secrets["x-service-password"],
				"X-Signature":                 secrets["x-signature"],
				"X-Goog-Credential":           secrets["x-goog-credential"],
				"X-CSRF-Token":                secrets["x-csrf-token"],
				"X-Session-Id":                secrets["x-session-id"],
				"Ocp-Apim-Subscription-Key":   secrets["ocp-apim-subscription-key"],
				"Cookie":                      "a=" + secrets["cookie"],
				"x-ms-client-request-id":      "client-request-id-kept",
				"Content-Type":                "application/json",
			},
		},
		"response": map[string]any{
			"status": 401,
			"headers": map[string]any{
				"X-MS-Auth-Token":              secrets["response x-ms-auth-token"],
				"Set-Cookie":                   []string{"r=" + secrets["set-cookie"] + "; HttpOnly"},
				"x-ratelimit-remaining-tokens": "119000",
				"x-ratelimit-limit-tokens":     "120000",
				"x-ratelimit-reset-tokens":     "7",
				"apim-request-id":              "9a1b-kept",
				"azureml-model-session":        "d20260330-kept",
			},
		},
	}
	body, err := json.Marshal(record)
	require.NoError(t, err)

	core, logs := observer.New(zapcore.DebugLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	sink := new(consumertest.TracesSink)
	endpoint := startReceiver(t, defaultConfig(), set, sink)
	a := post(t, endpoint, "application/json", string(body))
	require.Equal(t, http.StatusOK, a.status, a.body)
	refusing := startReceiver(t, defaultConfig(), set, consumertest.NewErr(fmt.Errorf("exporter queue full")))
	b := post(t, refusing, "application/json", string(body))

	require.Equal(t, 1, sink.SpanCount())
	var everything strings.Builder
	out, err := (&ptrace.JSONMarshaler{}).MarshalTraces(sink.AllTraces()[0])
	require.NoError(t, err)
	everything.Write(out)
	for _, entry := range logs.All() {
		everything.WriteString(entry.Message)
		for k, v := range entry.ContextMap() {
			fmt.Fprintf(&everything, " %s=%v", k, v)
		}
	}
	everything.WriteString(a.body + b.body)
	for what, secret := range secrets {
		assert.NotContains(t, everything.String(), secret, what)
	}

	span := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	raw := span.Attributes().AsRaw()
	assert.Equal(t, "https://contoso-fn.azurewebsites.net/api/chat?code=REDACTED&api-key=REDACTED&sig=REDACTED", raw["url.full"])
	for _, kept := range []string{
		"http.request.header.x-ms-client-request-id", "http.request.header.content-type",
		"http.response.header.x-ratelimit-remaining-tokens", "http.response.header.x-ratelimit-limit-tokens",
		"http.response.header.x-ratelimit-reset-tokens", "http.response.header.apim-request-id",
		"http.response.header.azureml-model-session",
	} {
		assert.Contains(t, raw, kept)
	}
	msg := span.Status().Message()
	assert.Contains(t, msg, "api-key=REDACTED", "the error text keeps its shape")
	assert.Contains(t, msg, "Bearer REDACTED")
	assert.Contains(t, msg, "sig=REDACTED")
}
