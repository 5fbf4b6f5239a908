package aigatewayreceiver // import "github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver"

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
)

// Config is the ai_gateway receiver's configuration.
type Config struct {
	// ServerConfig is the HTTP server: endpoint (default localhost:4320), TLS,
	// auth extensions, CORS, decompression and max_request_body_size (default
	// 20 MiB, applied after decompression).
	ServerConfig confighttp.ServerConfig `mapstructure:",squash"`

	// Path is the URL path that takes exchange records. Default /v1/exchanges.
	Path string `mapstructure:"path"`

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
	errs = append(errs, cfg.Check()...)
	return errors.Join(errs...)
}
