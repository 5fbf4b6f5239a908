package azurecredential // import "github.com/otelcol-aoai/otelcol-aoai/internal/azurecredential"

import (
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"go.opentelemetry.io/collector/component"
)

// Provider is an extension that lends its credential to other components:
// the azure_entra_auth extension. The credential serves any scope; the
// borrower asks for its own.
type Provider interface {
	TokenCredential() azcore.TokenCredential
}

// Resolve returns the credential a section names: built from its fields, or,
// for type extension, the named extension's among the collector's
// extensions (component.Host.GetExtensions at Start).
func Resolve(cc Config, opts Options, extensions map[component.ID]component.Component) (azcore.TokenCredential, error) {
	if cc.Type != TypeExtension {
		return New(cc, opts)
	}
	var id component.ID
	if err := id.UnmarshalText([]byte(cc.Extension)); err != nil {
		return nil, fmt.Errorf("credential extension %q: %w", cc.Extension, err)
	}
	ext, found := extensions[id]
	if !found {
		return nil, fmt.Errorf("credential extension %q is not running: configure it under extensions: and list it in service::extensions", id)
	}
	provider, ok := ext.(Provider)
	if !ok {
		return nil, fmt.Errorf("credential extension %q does not lend a credential: use an azure_entra_auth extension", id)
	}
	return provider.TokenCredential(), nil
}
