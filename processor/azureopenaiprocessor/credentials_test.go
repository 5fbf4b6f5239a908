package azureopenaiprocessor

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// TestCredentialsNotCopied: a span from another source may carry credential
// headers (the sender chose to record them). The processor reads only the
// response headers it names and the bodies, so no credential value is
// copied into an attribute it writes, the span name or the status.
func TestCredentialsNotCopied(t *testing.T) {
	const secret = "Zm9vYmFyLXNlY3JldC12YWx1ZQ"
	headers := map[string]string{}
	for _, name := range []string{
		"authorization", "api-key", "ocp-apim-subscription-key", "x-functions-key", "x-ms-token-aad-access-token",
		"x-ms-client-principal", "set-cookie", "x-csrf-token", "x-ratelimit-key",
	} {
		headers[name] = secret
	}
	extra := map[string]any{}
	for name := range headers {
		extra["http.request.header."+name] = []any{"Bearer " + secret}
	}
	extra["url.full"] = chatURL + "&api-key=" + secret
	td := gatewaySpan{url: chatURL, status: 401, requestBody: chatRequest, responseBody: `{"error":{"code":"401","message":"Access denied due to invalid subscription key ` + secret + `"}}`,
		responseHeaders: headers, extra: extra}.traces()
	before := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().AsRaw()

	span, _ := runProcessor(t, defaultConfig(), td)
	assert.NotContains(t, span.Name(), secret)
	assert.NotContains(t, span.Status().Message(), secret)
	span.Attributes().Range(func(k string, v pcommon.Value) bool {
		if _, sent := before[k]; !sent {
			assert.NotContains(t, v.AsString(), secret, k)
		}
		return true
	})
	assert.True(t, strings.HasPrefix(span.Name(), "chat"), "the span was lifted: %s", span.Name())
}
