package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"

	"github.com/otelcol-aoai/otelcol-aoai/internal/conventions"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

// Attributes the join reads and writes (the processor README's table).
const (
	attrRequestID = string(semconv.AzureServiceRequestIDKey) // the join key

	// diagnosticsPrefix starts every attribute a record writes.
	diagnosticsPrefix = "azure.openai.diagnostics."

	// How the span left, and what the call was.
	attrStatus          = conventions.AzureOpenAIDiagnosticsStatus
	attrDuration        = diagnosticsPrefix + "duration"
	attrOperation       = diagnosticsPrefix + "operation"
	attrResultSignature = diagnosticsPrefix + "result_signature"
	attrStreamType      = diagnosticsPrefix + "stream_type"
	// Which model served it.
	attrModelName    = diagnosticsPrefix + "model_name"
	attrModelVersion = diagnosticsPrefix + "model_version"
	attrDeployment   = diagnosticsPrefix + "deployment"
	// Who called.
	attrCallerObjectID = diagnosticsPrefix + "caller.object_id"
	attrCallerIP       = diagnosticsPrefix + "caller.ip"
)

// Status is how a span left the join: the value of
// azure.openai.diagnostics.status and of the released_spans metric's status.
type Status string

const (
	StatusJoined   Status = conventions.DiagnosticsJoined   // its row was found and written on it
	StatusNotFound Status = conventions.DiagnosticsNotFound // lookups worked, no row came within max_wait
	StatusError    Status = conventions.DiagnosticsError    // lookups failed until max_wait or shutdown
	StatusOverflow Status = conventions.DiagnosticsOverflow // the buffer was full when it arrived
)

var statuses = []Status{StatusJoined, StatusNotFound, StatusError, StatusOverflow}

func markStatus(span ptrace.Span, status Status) {
	span.Attributes().PutStr(attrStatus, string(status))
}

// enrichSpan writes what the diagnostic record says onto the span and marks
// it joined. It returns whether the record's counts replaced the span's usage.
func enrichSpan(span ptrace.Span, rec *source.Record) bool {
	attrs := span.Attributes()
	// Room for what a record can add, so the slice grows once, to the size needed.
	attrs.EnsureCapacity(attrs.Len() + 16)
	markStatus(span, StatusJoined)
	if rec.HasDuration {
		attrs.PutDouble(attrDuration, float64(rec.DurationMs)/1000)
	}
	putNonEmpty(attrs, attrOperation, rec.Operation)
	putNonEmpty(attrs, attrResultSignature, rec.ResultSignature)
	putNonEmpty(attrs, attrStreamType, rec.StreamType)
	putNonEmpty(attrs, attrModelName, rec.ModelName)
	putNonEmpty(attrs, attrModelVersion, rec.ModelVersion)
	putNonEmpty(attrs, attrDeployment, rec.Deployment)
	putNonEmpty(attrs, attrCallerObjectID, rec.CallerObjectID)
	putNonEmpty(attrs, attrCallerIP, rec.CallerIP)
	return writeUsage(attrs, rec.Usage)
}

func putNonEmpty(attrs pcommon.Map, key, value string) {
	if value != "" {
		attrs.PutStr(key, value)
	}
}

// usageNames are the three attributes a set of token counts is written to.
type usageNames struct {
	input, output, cacheRead string
}

var (
	// spanUsage are the span's own gen_ai.usage.* counts.
	spanUsage = usageNames{
		input:     string(semconv.GenAIUsageInputTokensKey),
		output:    string(semconv.GenAIUsageOutputTokensKey),
		cacheRead: string(semconv.GenAIUsageCacheReadInputTokensKey),
	}
	// diagnosticsUsage hold the log's counts beside the span's.
	diagnosticsUsage = usageNames{
		input:     diagnosticsPrefix + "usage.input_tokens",
		output:    diagnosticsPrefix + "usage.output_tokens",
		cacheRead: diagnosticsPrefix + "usage.cache_read.input_tokens",
	}
)

// writeUsage applies the usage rule of the design: the log's counts become
// the span's gen_ai.usage.* when the span had none or only an estimate
// (usage.source = diagnostics); a span whose sender or response body already
// counted keeps its counts, and the log's go beside them for reconciliation.
// It returns whether the span's counts were replaced.
func writeUsage(attrs pcommon.Map, u source.TokenUsage) bool {
	if !u.Any() {
		return false
	}
	if spanUsageReplaceable(attrs) {
		putUsage(attrs, spanUsage, u)
		attrs.PutStr(conventions.AzureOpenAIUsageSource, conventions.UsageSourceDiagnostics)
		return true
	}
	putUsage(attrs, diagnosticsUsage, u)
	return false
}

// putUsage writes the counts u has under names.
func putUsage(attrs pcommon.Map, names usageNames, u source.TokenUsage) {
	if u.HasInput {
		attrs.PutInt(names.input, u.Input)
	}
	if u.HasOutput {
		attrs.PutInt(names.output, u.Output)
	}
	if u.HasCacheRead {
		attrs.PutInt(names.cacheRead, u.CacheRead)
	}
}

// spanUsageReplaceable: the span's counts are an estimate, or there are none
// and nobody claimed a source for them.
func spanUsageReplaceable(attrs pcommon.Map) bool {
	if src, ok := attrs.Get(conventions.AzureOpenAIUsageSource); ok {
		return src.Str() == conventions.UsageSourceEstimate
	}
	_, hasInput := attrs.Get(spanUsage.input)
	_, hasOutput := attrs.Get(spanUsage.output)
	return !hasInput && !hasOutput
}
