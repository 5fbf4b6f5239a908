package azureopenaiprocessor // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor"

import (
	"context"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
)

const (
	defaultMaxContentLength = 4096
	// defaultMaxDecompressedBodySize is confighttp's default
	// max_request_body_size, the bound a receiver puts on decoded requests.
	defaultMaxDecompressedBodySize = 20 << 20
)

// NewFactory returns the factory of the azure_openai processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithTraces(createTraces, metadata.TracesStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		MaxContentLength:        defaultMaxContentLength,
		MaxDecompressedBodySize: defaultMaxDecompressedBodySize,
		EstimateTokens:          true,
		ErrorMode:               ottl.IgnoreError,
		Diagnostics:             newDefaultDiagnosticsConfig(),
	}
}

func createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	p, err := newProcessor(cfg.(*Config), set, next)
	if err != nil {
		return nil, err
	}
	return processorhelper.NewTraces(ctx, set, cfg, p.admit, p.processTraces,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		processorhelper.WithStart(p.start),
		processorhelper.WithShutdown(p.shutdown))
}
