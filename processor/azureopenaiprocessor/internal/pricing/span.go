package pricing // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/pricing"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"

	"github.com/otelcol-aoai/otelcol-aoai/internal/conventions"
)

// The span attributes a call is read from when its usage changed after the
// lift (the diagnostics join).
var (
	attrResponseModel = string(semconv.GenAIResponseModelKey)
	attrInputTokens   = string(semconv.GenAIUsageInputTokensKey)
	attrOutputTokens  = string(semconv.GenAIUsageOutputTokensKey)
	attrCachedTokens  = string(semconv.GenAIUsageCacheReadInputTokensKey)
)

// CallFromAttributes reads a lifted span's call back from its attributes.
func CallFromAttributes(attrs pcommon.Map) Call {
	var c Call
	attrs.Range(func(k string, v pcommon.Value) bool {
		switch k {
		case attrResponseModel:
			c.Model = v.Str()
		case conventions.AzureOpenAIDeployment:
			c.Deployment = v.Str()
		case conventions.AzureOpenAIRegion:
			c.Region = v.Str()
		case conventions.AzureOpenAIServiceTier:
			c.ServiceTier = v.Str()
		case conventions.AzureOpenAISpilledOver:
			c.SpilledOver = v.Type() == pcommon.ValueTypeBool && v.Bool()
		case attrInputTokens:
			c.Input, c.HasUsage = v.Int(), c.HasUsage || v.Type() == pcommon.ValueTypeInt
		case attrOutputTokens:
			c.Output, c.HasUsage = v.Int(), c.HasUsage || v.Type() == pcommon.ValueTypeInt
		case attrCachedTokens:
			c.Cached = v.Int()
		}
		return true
	})
	return c
}

// Write puts the result on the span, replacing what an earlier pricing of
// the same span wrote: a result without cost or units removes those.
func Write(attrs pcommon.Map, r Result) {
	if r.HasCost {
		attrs.PutDouble(conventions.AzureOpenAICostAmount, r.Amount)
		attrs.PutStr(conventions.AzureOpenAICostCurrency, r.Currency)
		attrs.PutStr(conventions.AzureOpenAICostBasis, string(r.Basis))
	} else {
		attrs.Remove(conventions.AzureOpenAICostAmount)
		attrs.Remove(conventions.AzureOpenAICostCurrency)
		attrs.Remove(conventions.AzureOpenAICostBasis)
	}
	if r.HasUnits {
		attrs.PutDouble(conventions.AzureOpenAIProvisionedUnits, r.Units)
	} else {
		attrs.Remove(conventions.AzureOpenAIProvisionedUnits)
	}
}
