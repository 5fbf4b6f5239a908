package aigatewayencodingextension // import "github.com/otelcol-aoai/otelcol-aoai/extension/aigatewayencodingextension"

import (
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/component"
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

	// RedactHeaders names headers, besides the built-in credential headers
	// (authorization, api-key, cookie, ...), whose values never reach a span.
	// Case-insensitive. Default empty.
	RedactHeaders []string `mapstructure:"redact_headers"`

	// CaptureHeaders, when set, is the allow-list of headers that become
	// http.request.header.* / http.response.header.* attributes; others are
	// left out. Case-insensitive. Default empty: every non-credential header.
	CaptureHeaders []string `mapstructure:"capture_headers"`

	// DropBodies leaves request and response bodies out of the span entirely
	// (the processor then cannot read token usage from them). Default false.
	DropBodies bool `mapstructure:"drop_bodies"`

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
	for i, name := range cfg.RedactHeaders {
		if strings.TrimSpace(name) == "" {
			errs = append(errs, fmt.Errorf("redact_headers[%d] must not be empty", i))
		}
	}
	for i, name := range cfg.CaptureHeaders {
		if strings.TrimSpace(name) == "" {
			errs = append(errs, fmt.Errorf("capture_headers[%d] must not be empty", i))
		}
	}
	return errors.Join(errs...)
}
