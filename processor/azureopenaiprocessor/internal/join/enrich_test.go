package join

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/internal/conventions"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

func TestUsageRule(t *testing.T) {
	logCounts := source.TokenUsage{Input: 1200, Output: 87, CacheRead: 1024, HasInput: true, HasOutput: true, HasCacheRead: true}
	tests := []struct {
		name string
		span map[string]any
		want map[string]any
	}{
		{
			name: "no usage on the span: the log fills gen_ai.usage",
			span: map[string]any{},
			want: map[string]any{spanUsage.input: int64(1200), spanUsage.output: int64(87), spanUsage.cacheRead: int64(1024), conventions.AzureOpenAIUsageSource: "diagnostics"},
		},
		{
			name: "an estimate is replaced",
			span: map[string]any{spanUsage.input: int64(1180), spanUsage.output: int64(90), conventions.AzureOpenAIUsageSource: "estimate"},
			want: map[string]any{spanUsage.input: int64(1200), spanUsage.output: int64(87), spanUsage.cacheRead: int64(1024), conventions.AzureOpenAIUsageSource: "diagnostics"},
		},
		{
			name: "the response body's counts stay; the log's go beside them",
			span: map[string]any{spanUsage.input: int64(1200), spanUsage.output: int64(87), conventions.AzureOpenAIUsageSource: "response"},
			want: map[string]any{
				spanUsage.input: int64(1200), spanUsage.output: int64(87), conventions.AzureOpenAIUsageSource: "response",
				diagnosticsUsage.input: int64(1200), diagnosticsUsage.output: int64(87), diagnosticsUsage.cacheRead: int64(1024),
			},
		},
		{
			name: "a stream's usage chunk stays",
			span: map[string]any{spanUsage.output: int64(80), conventions.AzureOpenAIUsageSource: "stream"},
			want: map[string]any{
				spanUsage.output: int64(80), conventions.AzureOpenAIUsageSource: "stream",
				diagnosticsUsage.input: int64(1200), diagnosticsUsage.output: int64(87), diagnosticsUsage.cacheRead: int64(1024),
			},
		},
		{
			name: "counts the sender set without a source are never overwritten",
			span: map[string]any{spanUsage.input: int64(5)},
			want: map[string]any{
				spanUsage.input:        int64(5),
				diagnosticsUsage.input: int64(1200), diagnosticsUsage.output: int64(87), diagnosticsUsage.cacheRead: int64(1024),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			span := ptrace.NewSpan()
			assert.NoError(t, span.Attributes().FromRaw(tt.span))
			writeUsage(span.Attributes(), logCounts)
			assert.Equal(t, tt.want, span.Attributes().AsRaw())
		})
	}
}

func TestUsageRuleWritesOnlyWhatTheLogHas(t *testing.T) {
	span := ptrace.NewSpan()
	span.Attributes().PutStr(conventions.AzureOpenAIUsageSource, "estimate")
	span.Attributes().PutInt(spanUsage.input, 10)
	writeUsage(span.Attributes(), source.TokenUsage{Output: 7, HasOutput: true})
	assert.Equal(t, map[string]any{spanUsage.input: int64(10), spanUsage.output: int64(7), conventions.AzureOpenAIUsageSource: "diagnostics"},
		span.Attributes().AsRaw())

	untouched := ptrace.NewSpan()
	untouched.Attributes().PutStr(conventions.AzureOpenAIUsageSource, "estimate")
	writeUsage(untouched.Attributes(), source.TokenUsage{})
	assert.Equal(t, map[string]any{conventions.AzureOpenAIUsageSource: "estimate"}, untouched.Attributes().AsRaw(), "no counts, no change")
}

func TestEnrichWritesOnlyWhatTheRowSays(t *testing.T) {
	span := ptrace.NewSpan()
	enrichSpan(span, &source.Record{Operation: "Embeddings_Create", DurationMs: 0, HasDuration: true})
	assert.Equal(t, map[string]any{
		attrStatus: "joined", attrOperation: "Embeddings_Create", attrDuration: 0.0,
	}, span.Attributes().AsRaw())
}
