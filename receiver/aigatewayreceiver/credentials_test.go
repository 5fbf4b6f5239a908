package aigatewayreceiver

import (
	"encoding/base64"
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

// TestCredentialsNeverPass sends records full of credentials, valid and
// malformed, and checks that no secret value occurs in anything the
// pipeline received, in the receiver's logs (at debug level) or in its
// answers.
func TestCredentialsNeverPass(t *testing.T) {
	enc := base64.RawURLEncoding
	jwt := enc.EncodeToString([]byte(`{"typ":"JWT","alg":"RS256","kid":"nOo3ZDrODXEK1jKWhXslHR_KXEg"}`)) + "." +
		enc.EncodeToString([]byte(`{"aud":"https://cognitiveservices.azure.com","iss":"https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",`+
			`"iat":1763630000,"exp":1763633600,"appid":"app-from-token","oid":"oid-from-token","tid":"tid-from-token","sub":"sub-Jq3xY9"}`)) + "." +
		enc.EncodeToString([]byte("not-a-real-signature-but-real-shaped-0123456789abcdef"))
	secrets := map[string]string{
		"api-key":            "3f1c0e0b9a7d4c2e8b6a5f4d3c2b1a09",
		"bearer":             jwt,
		"subscription key":   "apim-9d8c7b6a5f4e3d2c1b0a",
		"cookie":             "ARRAffinity=c0ffee; session=s3ss10n-v4lue",
		"set-cookie":         "refresh=r3fr3sh-t0k3n; HttpOnly",
		"sig":                "sv2024sigZm9vYmFy",
		"x-api-key":          "xk-5a5a5a5a5a5a",
		"proxy":              "Basic cHJveHk6cHJveHlwYXNz",
		"custom (redacted)":  "internal-7e7e7e7e",
		"userinfo":           "p4ssw0rd-in-url",
		"in a bad header":    "sk-bad-header-value",
		"in a bad url":       "sk-bad-url-value",
		"in a bad method":    "sk-bad-method-value",
		"in a bad name":      "sk-bad-name-value",
		"in a bad auth type": "sk-bad-auth-type",
	}
	good := fmt.Sprintf(`{"id":"cred-1","start_time":"2026-11-20T09:14:03Z","duration_ms":12,"request":{"method":"POST",`+
		`"url":"https://admin:%s@contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21&sig=%s",`+
		`"headers":{"api-key":%q,"Authorization":"Bearer %s","Ocp-Apim-Subscription-Key":[%q],"Cookie":%q,"X-API-Key":%q,`+
		`"Proxy-Authorization":%q,"X-Internal-Token":%q,"Content-Type":"application/json"}},`+
		`"response":{"status":200,"headers":{"Set-Cookie":[%q],"apim-request-id":"9a1b"}}}`,
		secrets["userinfo"], secrets["sig"], secrets["api-key"], secrets["bearer"], secrets["subscription key"], secrets["cookie"],
		secrets["x-api-key"], secrets["proxy"], secrets["custom (redacted)"], secrets["set-cookie"])
	bad := []string{
		fmt.Sprintf(`{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://h/p","headers":{"api-key":[%q,1]}},"response":{"status":200}}`, secrets["in a bad header"]),
		fmt.Sprintf(`{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://u:%s@h:99999/p"},"response":{"status":200}}`, secrets["in a bad url"]),
		fmt.Sprintf(`{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"%s x","url":"https://h/p"},"response":{"status":200}}`, secrets["in a bad method"]),
		fmt.Sprintf(`{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://h/p","headers":{"%s name":"v"}},"response":{"status":200}}`, secrets["in a bad name"]),
		fmt.Sprintf(`{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://h/p","headers":{"Authorization":{"Bearer":%q}}},"response":{"status":200}}`, secrets["in a bad auth type"]),
	}

	core, logs := observer.New(zapcore.DebugLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	sink := new(consumertest.TracesSink)
	cfg := defaultConfig()
	cfg.RedactHeaders = []string{"x-internal-token"}
	endpoint := startReceiver(t, cfg, set, sink)

	var answers []string
	a := post(t, endpoint, "application/json", "["+good+","+strings.Join(bad, ",")+"]")
	require.Equal(t, http.StatusOK, a.status, a.body)
	answers = append(answers, a.body)
	for _, b := range bad {
		answers = append(answers, post(t, endpoint, "application/json", b).body)
		answers = append(answers, post(t, endpoint, "application/json", b[:len(b)/2]).body) // not JSON
	}
	// The same secrets through a refusing pipeline, so that its error path
	// logs at debug level too.
	refusing := startReceiver(t, defaultConfig(), set, consumertest.NewErr(fmt.Errorf("exporter queue full")))
	answers = append(answers, post(t, refusing, "application/json", good).body)

	require.Equal(t, 1, sink.SpanCount())
	var everything strings.Builder
	for _, td := range sink.AllTraces() {
		out, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
		require.NoError(t, err)
		everything.Write(out)
	}
	for _, entry := range logs.All() {
		everything.WriteString(entry.Message)
		for k, v := range entry.ContextMap() {
			fmt.Fprintf(&everything, " %s=%v", k, v)
		}
	}
	require.NotZero(t, logs.Len(), "the logs checked are not empty")
	everything.WriteString(strings.Join(answers, "\n"))

	for what, secret := range secrets {
		assert.NotContains(t, everything.String(), secret, what)
	}
	// The claims of the token fill the caller, without the token.
	span := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	raw := span.Attributes().AsRaw()
	assert.Equal(t, "app-from-token", raw["ai_gateway.caller.app_id"])
	assert.Equal(t, "oid-from-token", raw["ai_gateway.caller.object_id"])
	assert.Equal(t, "tid-from-token", raw["ai_gateway.caller.tenant_id"])
	assert.Equal(t, "https://REDACTED:REDACTED@contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21&sig=REDACTED", raw["url.full"])
	assert.Contains(t, raw, "http.request.header.content-type")
}
