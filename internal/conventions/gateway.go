package conventions // import "github.com/otelcol-aoai/otelcol-aoai/internal/conventions"

// Attributes the ai_gateway receiver (and its encoding extension) writes for
// what semantic conventions have no name for (the receiver README's "The
// span"). The azure_openai processor reads the bodies and the time to first
// byte back.
const (
	GatewayCallerSubscriptionID   = "ai_gateway.caller.subscription_id"
	GatewayCallerSubscriptionName = "ai_gateway.caller.subscription_name"
	GatewayCallerProduct          = "ai_gateway.caller.product"
	GatewayCallerAppID            = "ai_gateway.caller.app_id"
	GatewayCallerObjectID         = "ai_gateway.caller.object_id"
	GatewayCallerTenantID         = "ai_gateway.caller.tenant_id"
	GatewayRecordID               = "ai_gateway.record.id"
	GatewayTimeToFirstByteMS      = "ai_gateway.response.time_to_first_byte_ms"
	GatewayRequestBody            = "ai_gateway.request.body"
	GatewayResponseBody           = "ai_gateway.response.body"
	GatewayRequestBodyTruncated   = "ai_gateway.request.body_truncated"
	GatewayResponseBodyTruncated  = "ai_gateway.response.body_truncated"
)
