package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

const (
	requestHeaderPrefix  = "http.request.header."
	responseHeaderPrefix = "http.response.header."
)

// commonHeaderNames are headers that model endpoints and their clients send
// on nearly every exchange. Their attribute keys are built once, so that the
// usual record spends no allocation on header keys (the way net/http keeps
// canonical forms of common header names).
var commonHeaderNames = []string{
	// HTTP
	"accept", "accept-encoding", "access-control-allow-origin", "cache-control", "connection",
	"content-encoding", "content-length", "content-type", "date", "host", "retry-after",
	"strict-transport-security", "transfer-encoding", "user-agent", "vary", "via",
	"x-content-type-options", "traceparent", "tracestate", "request-id", "x-request-id",
	"x-forwarded-for", "cf-ray", "server", "alt-svc", "x-envoy-upstream-service-time",
	// Azure OpenAI and API Management
	"apim-request-id", "x-ms-region", "x-ms-client-request-id", "x-ms-return-client-request-id",
	"x-ms-deployment-name", "x-ms-served-model", "x-ms-rai-invoked", "x-ms-is-spilled-over",
	"azureml-model-session", "azureml-model-group", "cmp-upstream-response-duration",
	"ms-azureml-model-time", "ms-azureml-model-error-reason", "ms-azureml-model-error-statuscode",
	"azureai-fe-is-streaming", "skip-error-remapping", "x-accel-buffering", "policy-id",
	"retry-after-ms", "x-ratelimit-abusepenalty-active", "x-ratelimit-key",
	"x-ratelimit-limit-requests", "x-ratelimit-limit-tokens",
	"x-ratelimit-remaining-requests", "x-ratelimit-remaining-tokens",
	"x-ratelimit-reset-requests", "x-ratelimit-reset-tokens",
	"x-ratelimit-renewalperiod-requests", "x-ratelimit-renewalperiod-tokens",
	// OpenAI
	"openai-model", "openai-organization", "openai-processing-ms", "openai-project", "openai-version",
	"x-stainless-arch", "x-stainless-async", "x-stainless-lang", "x-stainless-os",
	"x-stainless-package-version", "x-stainless-retry-count", "x-stainless-runtime",
	"x-stainless-runtime-version", "x-stainless-read-timeout",
}

var requestHeaderKeys, responseHeaderKeys = func() (map[string]string, map[string]string) {
	req := make(map[string]string, len(commonHeaderNames))
	resp := make(map[string]string, len(commonHeaderNames))
	for _, name := range commonHeaderNames {
		req[name] = requestHeaderPrefix + name
		resp[name] = responseHeaderPrefix + name
	}
	return req, resp
}()

func headerPrefix(isRequest bool) string {
	if isRequest {
		return requestHeaderPrefix
	}
	return responseHeaderPrefix
}

// headerAttributeKey returns http.request.header.<lower> or
// http.response.header.<lower>.
func headerAttributeKey(isRequest bool, lower []byte) string {
	if isRequest {
		if key, ok := requestHeaderKeys[string(lower)]; ok {
			return key
		}
		return requestHeaderPrefix + string(lower)
	}
	if key, ok := responseHeaderKeys[string(lower)]; ok {
		return key
	}
	return responseHeaderPrefix + string(lower)
}
