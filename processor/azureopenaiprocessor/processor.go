package azureopenaiprocessor // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
)

type azureOpenAIProcessor struct {
	cfg      *Config
	settings processor.Settings
}

func newProcessor(cfg *Config, set processor.Settings) *azureOpenAIProcessor {
	return &azureOpenAIProcessor{cfg: cfg, settings: set}
}

// processTraces passes spans through unchanged for now.
func (p *azureOpenAIProcessor) processTraces(_ context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	return td, nil
}
