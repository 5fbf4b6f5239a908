package azureopenaiprocessor // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor"

import (
	"errors"

	"go.opentelemetry.io/collector/component"
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

	// EstimateTokens estimates token usage with the model family's tokenizer
	// when a stream carries no usage chunk. Default true.
	EstimateTokens bool `mapstructure:"estimate_tokens"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration without changing it.
func (cfg *Config) Validate() error {
	if cfg.MaxContentLength < 0 {
		return errors.New("max_content_length must not be negative")
	}
	return nil
}
