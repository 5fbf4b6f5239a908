package azureentraauthextension // import "github.com/otelcol-aoai/otelcol-aoai/extension/azureentraauthextension"

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/otelcol-aoai/otelcol-aoai/extension/azureentraauthextension/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/internal/azurecredential"
)

// NewFactory returns the factory of the azure_entra_auth extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(
		metadata.Type,
		createDefaultConfig,
		createExtension,
		metadata.ExtensionStability,
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		Scope:      DefaultScope,
		Credential: azurecredential.Config{Type: azurecredential.TypeDefault},
	}
}

func createExtension(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	c := cfg.(*Config)
	// A sovereign cloud's scope needs its own cloud's Entra ID authority.
	return newEntraAuth(c, set, azurecredential.Options{
		ClientOptions: azcore.ClientOptions{Cloud: azurecredential.CloudFor(c.Scope)},
	})
}
