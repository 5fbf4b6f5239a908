package aigatewayencodingextension // import "github.com/otelcol-aoai/otelcol-aoai/extension/aigatewayencodingextension"

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
)

// Framings a message may use. A Kafka message has no Content-Type, so auto
// tells them apart by shape; json and ndjson say it outright.
const (
	FramingAuto   = "auto"
	FramingJSON   = "json"
	FramingNDJSON = "ndjson"
)

// Config is the ai_gateway_encoding extension's configuration. The record
// settings mean what they mean on the ai_gateway receiver, so that a record
// becomes the same span through either door.
type Config struct {
	// Framing is how records are laid out in a message: auto (default) reads
	// one record object or a JSON array of records, and NDJSON when the
	// message is several lines that are not one JSON value; json and ndjson
	// read only that framing.
	Framing string `mapstructure:"framing"`

	// RecordConfig holds redact_headers, capture_headers and drop_bodies:
	// how a record becomes a span, alike on every door.
	exchange.RecordConfig `mapstructure:",squash"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration without changing it.
func (cfg *Config) Validate() error {
	var errs []error
	switch cfg.Framing {
	case FramingAuto, FramingJSON, FramingNDJSON:
	default:
		errs = append(errs, fmt.Errorf("framing %q must be one of %s, %s, %s", cfg.Framing, FramingAuto, FramingJSON, FramingNDJSON))
	}
	errs = append(errs, cfg.Check()...)
	return errors.Join(errs...)
}
