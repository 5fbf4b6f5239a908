package aigatewayreceiver

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	custom := createDefaultConfig().(*Config)
	custom.ServerConfig.NetAddr.Endpoint = "0.0.0.0:9320"
	custom.ServerConfig.MaxRequestBodySize = 1 << 20
	custom.Path = "/ingest"
	custom.RedactHeaders = []string{"x-internal-token"}
	custom.CaptureHeaders = []string{"x-ms-region", "apim-request-id"}
	custom.DropBodies = true

	tests := []struct {
		id      component.ID
		want    *Config
		wantErr string
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig().(*Config)},
		{id: component.NewIDWithName(metadata.Type, "custom"), want: custom},
		{id: component.NewIDWithName(metadata.Type, "bad_path"), wantErr: `path "ingest" must start with /`},
		{id: component.NewIDWithName(metadata.Type, "capture_credential"), wantErr: `capture_headers[1] "Api-Key" is a credential header: its value never reaches a span`},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			if tt.wantErr != "" {
				assert.EqualError(t, confmap.Validate(cfg), tt.wantErr)
				return
			}
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func TestDefaultConfigBindsLocalhost(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	assert.Equal(t, "localhost:4320", cfg.ServerConfig.NetAddr.Endpoint)
	assert.Equal(t, "/v1/exchanges", cfg.Path)
}
