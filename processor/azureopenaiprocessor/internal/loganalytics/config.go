package loganalytics // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"time"

	"go.opentelemetry.io/collector/config/confighttp"

	"github.com/otelcol-aoai/otelcol-aoai/internal/azurecredential"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

// Config is the Log Analytics part of the processor's `diagnostics:` section
// (squashed into it beside the join's own settings): which workspace holds
// the Azure OpenAI diagnostic logs, how to reach it and how to sign in.
type Config struct {
	// WorkspaceID is the Log Analytics workspace (its GUID, "Workspace ID" on
	// the workspace's overview) that receives the Azure OpenAI diagnostic
	// logs. Setting it turns the join on. Default empty: off.
	WorkspaceID string `mapstructure:"workspace_id"`

	// ClientConfig holds the HTTP settings, inline: endpoint (default
	// https://api.loganalytics.io, without /v1), tls (ca_file, ...), timeout
	// (default 60s), proxy_url, headers.
	ClientConfig confighttp.ClientConfig `mapstructure:",squash"`

	// Credential says how to get a token for the query API. Default type
	// `default` (the Azure SDK's DefaultAzureCredential chain).
	Credential azurecredential.Config `mapstructure:"credential"`

	// Audience is the token audience; with endpoint it selects a sovereign
	// cloud (https://api.loganalytics.us, https://api.loganalytics.azure.cn).
	// Default https://api.loganalytics.io.
	Audience string `mapstructure:"audience"`

	// KeyColumn is the AzureDiagnostics column that holds the span's
	// azure.service.request.id (the apim-request-id header). Default
	// CorrelationId.
	KeyColumn string `mapstructure:"key_column"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Public-cloud endpoint and audience of the Log Analytics query API; the SDKs
// still use the .io host, which Microsoft keeps supported.
const (
	DefaultEndpoint = "https://api.loganalytics.io"
	DefaultAudience = "https://api.loganalytics.io"
)

// NewDefaultConfig returns the defaults of the design: no workspace (the join
// off), public cloud, DefaultAzureCredential, a 60 s timeout per query.
func NewDefaultConfig() Config {
	client := confighttp.NewDefaultClientConfig()
	client.Endpoint = DefaultEndpoint
	client.Timeout = 60 * time.Second
	return Config{
		ClientConfig: client,
		Credential:   azurecredential.Config{Type: azurecredential.TypeDefault},
		Audience:     DefaultAudience,
		KeyColumn:    "CorrelationId",
	}
}

// Enabled reports whether a workspace is named, which turns the join on.
func (cfg *Config) Enabled() bool { return cfg.WorkspaceID != "" }

// kqlIdentifier is what key_column may be: it is written into the query as a
// column name, so it must be a plain identifier.
var kqlIdentifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Check checks the settings, the credential section's included, without
// changing them. It is not called Validate because the settings sit squashed
// in the processor's `diagnostics:` section, whose Validate runs it: confmap
// would otherwise report its errors under a path that is no key of the
// user's file.
func (cfg *Config) Check() error {
	var errs []error
	if cfg.WorkspaceID != "" && !source.IsGUID(cfg.WorkspaceID) {
		errs = append(errs, fmt.Errorf("workspace_id %q is not a workspace GUID (the Workspace ID on the workspace's overview, like 5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f)", cfg.WorkspaceID))
	}
	if err := validateHTTPSURL(cfg.ClientConfig.Endpoint); err != nil {
		errs = append(errs, fmt.Errorf("endpoint: %w", err))
	}
	if err := validateHTTPSURL(cfg.Audience); err != nil {
		errs = append(errs, fmt.Errorf("audience: %w", err))
	}
	if cfg.ClientConfig.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout (%v) must not be negative", cfg.ClientConfig.Timeout))
	}
	if !kqlIdentifier.MatchString(cfg.KeyColumn) {
		errs = append(errs, fmt.Errorf("key_column %q must be a column name (letters, digits, underscore; not starting with a digit)", cfg.KeyColumn))
	}
	if err := cfg.Credential.Check(); err != nil {
		errs = append(errs, fmt.Errorf("credential: %w", err))
	}
	return errors.Join(errs...)
}

func validateHTTPSURL(raw string) error {
	if raw == "" {
		return errors.New("must be set (an https URL)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if u.Scheme != "https" || u.Host == "" {
		// The Azure SDK refuses to send a bearer token over plain HTTP.
		return fmt.Errorf("%q must be an https URL with a host: the Azure SDK sends tokens only over TLS", raw)
	}
	return nil
}
