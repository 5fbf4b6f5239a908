package loganalytics

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/goleak"

	"github.com/otelcol-aoai/otelcol-aoai/internal/azurecredential"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	testWorkspace = "5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"
	testToken     = "la-token-never-logged-7d1e"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// testConfig points at a fake workspace with a fixed token.
func testConfig(endpoint string) Config {
	cfg := NewDefaultConfig()
	cfg.WorkspaceID = testWorkspace
	cfg.ClientConfig.Endpoint = endpoint
	cfg.ClientConfig.Timeout = 5 * time.Second
	cfg.Credential = azurecredential.Config{Type: azurecredential.TypeAccessToken, AccessToken: configopaque.String(testToken)}
	return cfg
}

// startedClient is a started Client for cfg that reaches server through the
// server's own HTTP client (which trusts its certificate).
func startedClient(tb testing.TB, cfg Config, server *fakeloganalytics.Server) *Client {
	tb.Helper()
	client, err := NewClient(cfg, componenttest.NewNopTelemetrySettings(), WithHTTPClient(server.Client()))
	require.NoError(tb, err)
	require.NoError(tb, client.Start(context.Background(), componenttest.NewNopHost()))
	tb.Cleanup(func() { require.NoError(tb, client.Shutdown(context.Background())) })
	return client
}
