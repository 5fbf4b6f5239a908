package loganalytics

import (
	"context"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/otelcol-aoai/otelcol-aoai/internal/azurecredential"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

// lendingExtension stands for an azure_entra_auth extension: it lends a
// credential and records the scopes it was asked for.
type lendingExtension struct {
	component.StartFunc
	component.ShutdownFunc
	scopes []string
}

func (e *lendingExtension) TokenCredential() azcore.TokenCredential { return e }

func (e *lendingExtension) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	e.scopes = append(e.scopes, opts.Scopes...)
	return azcore.AccessToken{Token: testToken, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

type hostWithExtensions map[component.ID]component.Component

func (h hostWithExtensions) GetExtensions() map[component.ID]component.Component { return h }

func TestCredentialBorrowedFromAnExtension(t *testing.T) {
	server := fakeloganalytics.New(fakeloganalytics.Options{WorkspaceID: testWorkspace, Token: testToken})
	t.Cleanup(server.Close)
	cfg := testConfig(server.URL())
	cfg.Credential = azurecredential.Config{Type: azurecredential.TypeExtension, Extension: "azure_entra_auth/shared"}
	require.NoError(t, cfg.Check())

	lender := &lendingExtension{}
	host := hostWithExtensions{component.MustNewIDWithName("azure_entra_auth", "shared"): lender}
	client, err := NewClient(cfg, componenttest.NewNopTelemetrySettings(), WithHTTPClient(server.Client()))
	require.NoError(t, err)
	require.NoError(t, client.Start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, client.Shutdown(context.Background())) })

	_, err = client.Lookup(context.Background(), []string{"d427a391-2bc7-4f38-9cbc-6560600e0981"}, source.NewWindow(t0, t0))
	require.NoError(t, err, "the fake workspace accepted the lent token")
	assert.Contains(t, lender.scopes, DefaultAudience+"/.default", "the join asks the lent credential for its own scope")
}

func TestCredentialExtensionMissingFailsStart(t *testing.T) {
	cfg := testConfig("https://api.loganalytics.io")
	cfg.Credential = azurecredential.Config{Type: azurecredential.TypeExtension, Extension: "azure_entra_auth"}
	client, err := NewClient(cfg, componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	err = client.Start(context.Background(), componenttest.NewNopHost())
	assert.ErrorContains(t, err, `credential extension "azure_entra_auth" is not running`)
	require.NoError(t, client.Shutdown(context.Background()))
}
