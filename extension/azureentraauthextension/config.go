package azureentraauthextension // import "github.com/otelcol-aoai/otelcol-aoai/extension/azureentraauthextension"

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/collector/component"

	"github.com/otelcol-aoai/otelcol-aoai/internal/azurecredential"
)

// DefaultScope is the scope of Application Insights ingestion (and the other
// Azure Monitor ingestion APIs).
const DefaultScope = "https://monitor.azure.com/.default"

// Config is the azure_entra_auth extension's configuration.
type Config struct {
	// Scope is what the token is for. Default https://monitor.azure.com/.default,
	// Application Insights ingestion's.
	Scope string `mapstructure:"scope"`

	// Credential says how to get the token: type default (the Azure SDK's
	// DefaultAzureCredential chain, the default), managed_identity (client_id
	// optional), workload_identity or client_secret (client_id and tenant_id
	// required), access_token. The same block as the azure_openai processor's
	// diagnostics credential.
	Credential azurecredential.Config `mapstructure:"credential"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration without changing it.
func (cfg *Config) Validate() error {
	var errs []error
	if err := validateScope(cfg.Scope); err != nil {
		errs = append(errs, fmt.Errorf("scope: %w", err))
	}
	if cfg.Credential.Type == azurecredential.TypeExtension {
		errs = append(errs, errors.New("credential: type extension is for components that borrow this extension's credential; give this extension the identity itself"))
	} else if err := cfg.Credential.Check(); err != nil {
		errs = append(errs, fmt.Errorf("credential: %w", err))
	}
	return errors.Join(errs...)
}

// validateScope accepts what Entra ID takes as a scope for a client
// credential: a resource URI (https://... or api://...) ending in /.default.
// Another ending would fail only at the first export, as an Entra ID error.
func validateScope(scope string) error {
	if scope == "" {
		return fmt.Errorf("must be set (%s for Application Insights)", DefaultScope)
	}
	u, err := url.Parse(scope)
	if err != nil || u.Scheme == "" || u.Host == "" || strings.ContainsAny(scope, " \t\r\n") {
		return fmt.Errorf("%q is not a resource URI with /.default, like %s", scope, DefaultScope)
	}
	if !strings.HasSuffix(scope, "/.default") {
		return fmt.Errorf("%q must end in /.default (the resource's app permissions, the only kind a service identity has), like %s", scope, DefaultScope)
	}
	return nil
}
