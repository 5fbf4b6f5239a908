// Package azurecredential turns a `credential:` settings block into an Entra ID
// token source (azidentity): one block, one set of checks and one constructor
// for every component of this distribution that signs in to Azure (the
// diagnostics join's Log Analytics client, the azure_entra_auth extension).
package azurecredential // import "github.com/otelcol-aoai/otelcol-aoai/internal/azurecredential"

import (
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
)

// Type names a way to get an Entra ID token.
type Type string

const (
	// TypeDefault is the SDK's DefaultAzureCredential chain:
	// environment, workload identity, managed identity, Azure CLI.
	TypeDefault Type = "default"
	// TypeManagedIdentity is a system- or (with client_id) user-assigned managed identity.
	TypeManagedIdentity Type = "managed_identity"
	// TypeWorkloadIdentity is Kubernetes workload identity federation.
	TypeWorkloadIdentity Type = "workload_identity"
	// TypeClientSecret is an app registration with a client secret.
	TypeClientSecret Type = "client_secret"
	// TypeAccessToken is a fixed bearer token (a proxy's, or one from
	// `az account get-access-token --resource <audience>`).
	TypeAccessToken Type = "access_token"
	// TypeExtension takes the credential of an azure_entra_auth extension,
	// so that one identity is configured once for every component.
	TypeExtension Type = "extension"
)

var types = []Type{
	TypeDefault, TypeManagedIdentity, TypeWorkloadIdentity,
	TypeClientSecret, TypeAccessToken, TypeExtension,
}

// Config is a `credential:` section. It is not called `auth`: that key
// belongs to confighttp (authenticator extensions).
type Config struct {
	// Type is one of default, managed_identity, workload_identity,
	// client_secret, access_token, extension. Default `default`.
	Type Type `mapstructure:"type"`
	// ClientID is the application (client) id: optional for managed_identity
	// (selects a user-assigned identity), required for workload_identity and
	// client_secret.
	ClientID string `mapstructure:"client_id"`
	// TenantID is the Entra tenant: required for workload_identity and
	// client_secret, optional for default.
	TenantID string `mapstructure:"tenant_id"`
	// ClientSecret is the app's secret, for client_secret.
	ClientSecret configopaque.String `mapstructure:"client_secret"`
	// AccessToken is the bearer token, for access_token.
	AccessToken configopaque.String `mapstructure:"access_token"`
	// Extension is the id of the azure_entra_auth extension whose credential
	// is used (azure_entra_auth or azure_entra_auth/<name>), for extension.
	Extension string `mapstructure:"extension"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Check checks that the type is known and has exactly the fields it uses: a
// missing field fails at start otherwise, and a field the type ignores is
// almost always a mistake (the wrong type). It is not called Validate so that
// the enclosing component's Validate decides under which key errors appear.
func (cc *Config) Check() error {
	var errs []error
	required := func(name, value string) {
		if value == "" {
			errs = append(errs, fmt.Errorf("type %s needs %s", cc.Type, name))
		}
	}
	unused := func(name, value string) {
		if value != "" {
			errs = append(errs, fmt.Errorf("%s is not used by type %s", name, cc.Type))
		}
	}
	if cc.Type != TypeExtension {
		unused("extension", cc.Extension)
	}
	switch cc.Type {
	case TypeDefault:
		// DefaultAzureCredential takes a tenant; its client id comes from AZURE_CLIENT_ID.
		if cc.ClientID != "" {
			errs = append(errs, errors.New("client_id is not used by type default (DefaultAzureCredential reads AZURE_CLIENT_ID); use type managed_identity or workload_identity to name a client"))
		}
		unused("client_secret", string(cc.ClientSecret))
		unused("access_token", string(cc.AccessToken))
	case TypeManagedIdentity:
		unused("tenant_id", cc.TenantID)
		unused("client_secret", string(cc.ClientSecret))
		unused("access_token", string(cc.AccessToken))
	case TypeWorkloadIdentity:
		required("client_id", cc.ClientID)
		required("tenant_id", cc.TenantID)
		unused("client_secret", string(cc.ClientSecret))
		unused("access_token", string(cc.AccessToken))
	case TypeClientSecret:
		required("client_id", cc.ClientID)
		required("tenant_id", cc.TenantID)
		required("client_secret", string(cc.ClientSecret))
		unused("access_token", string(cc.AccessToken))
	case TypeAccessToken:
		required("access_token", string(cc.AccessToken))
		unused("client_id", cc.ClientID)
		unused("tenant_id", cc.TenantID)
		unused("client_secret", string(cc.ClientSecret))
	case TypeExtension:
		required("extension", cc.Extension)
		unused("client_id", cc.ClientID)
		unused("tenant_id", cc.TenantID)
		unused("client_secret", string(cc.ClientSecret))
		unused("access_token", string(cc.AccessToken))
		if cc.Extension != "" {
			var id component.ID
			if err := id.UnmarshalText([]byte(cc.Extension)); err != nil {
				errs = append(errs, fmt.Errorf("extension %q is not a component id (like azure_entra_auth or azure_entra_auth/ingest): %w", cc.Extension, err))
			}
		}
	default:
		names := make([]string, len(types))
		for i, t := range types {
			names[i] = string(t)
		}
		errs = append(errs, fmt.Errorf("type %q is unknown; use one of %s", cc.Type, strings.Join(names, ", ")))
	}
	return errors.Join(errs...)
}
