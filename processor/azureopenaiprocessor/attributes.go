package azureopenaiprocessor // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor"

import (
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"

	"github.com/otelcol-aoai/otelcol-aoai/internal/conventions"
)

// Every attribute name the processor reads or writes, in one place. Semantic
// convention names come from semconv v1.41.0, the last release that holds the
// GenAI conventions; azure.openai.* is our own namespace (README.md).

// Attributes read from the span.
const (
	attrRequestBody         = conventions.GatewayRequestBody
	attrResponseBody        = conventions.GatewayResponseBody
	attrTimeToFirstByteMS   = conventions.GatewayTimeToFirstByteMS
	attrServerAddress       = string(semconv.ServerAddressKey)
	attrURLPath             = string(semconv.URLPathKey)
	attrURLFull             = string(semconv.URLFullKey)
	attrHTTPStatusCode      = string(semconv.HTTPResponseStatusCodeKey)
	attrHTTPMethod          = string(semconv.HTTPRequestMethodKey)
	attrHTTPMethodLegacy    = "http.method"
	attrHTTPURLLegacy       = "http.url"
	attrHTTPTargetLegacy    = "http.target"
	attrHTTPStatusLegacy    = "http.status_code"
	responseHeaderPrefix    = "http.response.header."
	prefixGenAI             = "gen_ai."
	prefixAzure             = "azure."
	prefixOpenAI            = "openai."
	providerAzureOpenAI     = "azure.ai.openai"
	providerOpenAI          = "openai"
	providerAzureInference  = "azure.ai.inference"
	azureNamespace          = "Microsoft.CognitiveServices"
	openAIHost              = "api.openai.com"
	headerAPIMRequestID     = "apim-request-id"
	headerModelSession      = "azureml-model-session"
	headerRegion            = "x-ms-region"
	attrErrorTypeSemconv    = string(semconv.ErrorTypeKey)
	attrTimeToFirstChunkKey = string(semconv.GenAIResponseTimeToFirstChunkKey)
)

// Semantic-convention attributes written.
const (
	attrProviderName          = string(semconv.GenAIProviderNameKey)
	attrOperationName         = string(semconv.GenAIOperationNameKey)
	attrAgentName             = string(semconv.GenAIAgentNameKey)
	attrAgentID               = string(semconv.GenAIAgentIDKey)
	attrRequestModel          = string(semconv.GenAIRequestModelKey)
	attrResponseModel         = string(semconv.GenAIResponseModelKey)
	attrResponseID            = string(semconv.GenAIResponseIDKey)
	attrFinishReasons         = string(semconv.GenAIResponseFinishReasonsKey)
	attrInputTokens           = string(semconv.GenAIUsageInputTokensKey)
	attrOutputTokens          = string(semconv.GenAIUsageOutputTokensKey)
	attrCacheReadInputTokens  = string(semconv.GenAIUsageCacheReadInputTokensKey)
	attrReasoningOutputTokens = string(semconv.GenAIUsageReasoningOutputTokensKey)
	attrMaxTokens             = string(semconv.GenAIRequestMaxTokensKey)
	attrTemperature           = string(semconv.GenAIRequestTemperatureKey)
	attrTopP                  = string(semconv.GenAIRequestTopPKey)
	attrFrequencyPenalty      = string(semconv.GenAIRequestFrequencyPenaltyKey)
	attrPresencePenalty       = string(semconv.GenAIRequestPresencePenaltyKey)
	attrSeed                  = string(semconv.GenAIRequestSeedKey)
	attrStopSequences         = string(semconv.GenAIRequestStopSequencesKey)
	attrChoiceCount           = string(semconv.GenAIRequestChoiceCountKey)
	attrStream                = string(semconv.GenAIRequestStreamKey)
	attrEncodingFormats       = string(semconv.GenAIRequestEncodingFormatsKey)
	attrOutputType            = string(semconv.GenAIOutputTypeKey)
	attrTimeToFirstChunk      = attrTimeToFirstChunkKey
	attrInputMessages         = string(semconv.GenAIInputMessagesKey)
	attrOutputMessages        = string(semconv.GenAIOutputMessagesKey)
	attrSystemInstructions    = string(semconv.GenAISystemInstructionsKey)
	attrErrorType             = attrErrorTypeSemconv
	attrResourceNamespace     = string(semconv.AzureResourceProviderNamespaceKey)
	attrServiceRequestID      = string(semconv.AzureServiceRequestIDKey)
	attrSystemFingerprint     = string(semconv.OpenAIResponseSystemFingerprintKey)
	attrResponseServiceTier   = string(semconv.OpenAIResponseServiceTierKey)
	attrRequestServiceTier    = string(semconv.OpenAIRequestServiceTierKey)
)

// Our azure.openai.* attributes.
const (
	attrDeployment        = conventions.AzureOpenAIDeployment
	attrRegion            = conventions.AzureOpenAIRegion
	attrRequestID         = "azure.openai.request_id"
	attrModelSession      = "azure.openai.model_session"
	attrRAIInvoked        = "azure.openai.rai_invoked"
	attrSpilledOver       = conventions.AzureOpenAISpilledOver
	attrSpilloverFrom     = "azure.openai.spillover_from"
	attrRemainingRequests = "azure.openai.ratelimit.remaining_requests"
	attrRemainingTokens   = "azure.openai.ratelimit.remaining_tokens"
	attrLimitRequests     = "azure.openai.ratelimit.limit_requests"
	attrLimitTokens       = "azure.openai.ratelimit.limit_tokens"
	attrResetRequests     = "azure.openai.ratelimit.reset_requests"
	attrResetTokens       = "azure.openai.ratelimit.reset_tokens"
	attrRetryAfter        = "azure.openai.retry_after"
	attrProcessingTime    = "azure.openai.processing_time"
	attrUpstreamTime      = "azure.openai.upstream_time"
	attrContentFiltered   = "azure.openai.content_filter.filtered"
	attrContentFilterCats = "azure.openai.content_filter.categories"
	attrStreamChunks      = "azure.openai.stream.chunks"
	attrAPI               = "azure.openai.api"
	attrUsageTokenizer    = "azure.openai.usage.tokenizer"
	attrServiceTier       = conventions.AzureOpenAIServiceTier
	attrCostAmount        = conventions.AzureOpenAICostAmount
)
