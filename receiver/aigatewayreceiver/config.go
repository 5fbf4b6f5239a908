package aigatewayreceiver // import "github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver"

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
)

// Config is the ai_gateway receiver's configuration.
type Config struct {
	// ServerConfig is the HTTP server: endpoint (default localhost:4320), TLS,
	// auth extensions, CORS, decompression and max_request_body_size (default
	// 20 MiB, applied after decompression).
	ServerConfig confighttp.ServerConfig `mapstructure:",squash"`

	// Path is the URL path that takes exchange records. Default /v1/exchanges.
	Path string `mapstructure:"path"`

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
	if cfg.ServerConfig.NetAddr.Endpoint == "" {
		errs = append(errs, errors.New("endpoint must not be empty"))
	}
	if !strings.HasPrefix(cfg.Path, "/") {
		errs = append(errs, fmt.Errorf("path %q must start with /", cfg.Path))
	} else if u, err := url.Parse(cfg.Path); err != nil || u.Path != cfg.Path {
		errs = append(errs, fmt.Errorf("path %q must be a plain URL path", cfg.Path))
	}
	if cfg.ServerConfig.MaxRequestBodySize < 0 {
		errs = append(errs, errors.New("max_request_body_size must not be negative"))
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
