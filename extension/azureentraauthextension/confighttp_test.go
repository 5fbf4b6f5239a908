package azureentraauthextension

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/confmap"

	"github.com/otelcol-aoai/otelcol-aoai/extension/azureentraauthextension/internal/metadata"
)

// TestExporterClientSettingsUseTheExtension builds an HTTP client the way
// the azure_monitor exporter does (confighttp, `auth: {authenticator: ...}`
// squashed into its settings) and sends through it.
func TestExporterClientSettingsUseTheExtension(t *testing.T) {
	entra := newFakeEntra(t)
	ingestion, authorized := fakeIngestion(t)
	auth := newTestAuth(t, entra)

	settings := confighttp.NewDefaultClientConfig()
	require.NoError(t, confmap.NewFromStringMap(map[string]any{
		"endpoint": ingestion.URL + "/v2.1/track",
		"auth":     map[string]any{"authenticator": "azure_entra_auth"},
	}).Unmarshal(&settings))
	// The host's extensions, as the exporter gets them in Start.
	extensions := map[component.ID]component.Component{component.NewID(metadata.Type): auth}
	client, err := settings.ToClient(context.Background(), extensions, componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)

	for range 3 {
		resp, err := post(t, client, settings.Endpoint)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
	assert.Equal(t, int32(3), authorized.Load())
	assert.Equal(t, int32(1), entra.requests.Load())
}
