package azureopenaiprocessor // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor"

import (
	"errors"
	"fmt"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/pricing"
)

// Config is the azure_openai processor's configuration.
type Config struct {
	// CaptureContent writes the prompt and completion to gen_ai.input.messages,
	// gen_ai.output.messages and gen_ai.system_instructions. Default false:
	// message content is sensitive and only recorded on explicit opt-in.
	CaptureContent bool `mapstructure:"capture_content"`

	// MaxContentLength caps each captured message string, in bytes. Default 4096;
	// 0 means no cap.
	MaxContentLength int `mapstructure:"max_content_length"`

	// KeepBodies keeps ai_gateway.request.body / ai_gateway.response.body on the
	// span after parsing. Default false.
	KeepBodies bool `mapstructure:"keep_bodies"`

	// MaxDecompressedBodySize bounds a body after its Content-Encoding (gzip,
	// deflate, br, zstd) is undone, in bytes. A body that would decode to more
	// is not read (a compression bomb): the span passes on without the
	// attributes of that body and the refusal is counted. Default 20 MiB, the
	// default max_request_body_size of an HTTP receiver.
	MaxDecompressedBodySize int64 `mapstructure:"max_decompressed_body_size"`

	// EstimateTokens estimates token usage with the model family's tokenizer
	// when a stream carries no usage chunk. Default true.
	EstimateTokens bool `mapstructure:"estimate_tokens"`

	// Conditions are OTTL span conditions (span context, standard converters)
	// that select the spans to process: a span is processed when any is true.
	// Default empty: the built-in test (a gateway response body, an Azure
	// OpenAI response header, or an Azure OpenAI / OpenAI server address).
	Conditions []string `mapstructure:"conditions"`

	// ErrorMode says what a condition that fails to evaluate does: ignore
	// (log, treat as false; the default), silent (treat as false) or propagate
	// (return the error and refuse the batch).
	ErrorMode ottl.ErrorMode `mapstructure:"error_mode"`

	// Diagnostics joins fields of Azure OpenAI's diagnostic-log row from a Log
	// Analytics workspace. Off unless diagnostics.workspace_id is set.
	Diagnostics DiagnosticsConfig `mapstructure:"diagnostics"`

	// Pricing writes each model call's cost and, on provisioned deployments,
	// its share of the deployment's capacity (README, "Cost and capacity").
	// Off unless pricing.enabled is true.
	Pricing pricing.Config `mapstructure:"pricing"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration without changing it.
func (cfg *Config) Validate() error {
	if cfg.MaxContentLength < 0 {
		return errors.New("max_content_length must not be negative")
	}
	if cfg.MaxDecompressedBodySize <= 0 {
		return errors.New("max_decompressed_body_size must be positive")
	}
	switch cfg.ErrorMode {
	case ottl.IgnoreError, ottl.SilentError, ottl.PropagateError:
	default:
		return fmt.Errorf("error_mode must be ignore, silent or propagate, not %q", cfg.ErrorMode)
	}
	if len(cfg.Conditions) > 0 {
		if _, err := parseConditions(cfg.Conditions, cfg.ErrorMode, component.TelemetrySettings{Logger: zap.NewNop()}); err != nil {
			return fmt.Errorf("conditions: %w", err)
		}
	}
	if err := cfg.Pricing.Validate(); err != nil {
		return err
	}
	return nil
}
