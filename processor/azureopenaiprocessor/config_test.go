package azureopenaiprocessor

import (
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	content := createDefaultConfig().(*Config)
	content.CaptureContent = true
	content.MaxContentLength = 1024
	content.KeepBodies = true
	content.EstimateTokens = false

	conditions := createDefaultConfig().(*Config)
	conditions.Conditions = []string{
		`attributes["http.request.method"] == "POST" and IsMatch(attributes["url.path"], "^/openai/")`,
		`resource.attributes["service.name"] == "apim-contoso"`,
	}
	conditions.ErrorMode = ottl.SilentError

	tests := []struct {
		id      component.ID
		want    *Config
		wantErr string
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig().(*Config)},
		{id: component.NewIDWithName(metadata.Type, "content"), want: content},
		{id: component.NewIDWithName(metadata.Type, "bad_length"), wantErr: "max_content_length must not be negative"},
		{id: component.NewIDWithName(metadata.Type, "conditions"), want: conditions},
		{id: component.NewIDWithName(metadata.Type, "bad_condition"), wantErr: "conditions: "},
		{id: component.NewIDWithName(metadata.Type, "bad_error_mode"), wantErr: "error_mode"},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			if err := sub.Unmarshal(cfg); err != nil {
				// error_mode's own unmarshaller rejects unknown modes.
				require.NotEmpty(t, tt.wantErr)
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			if tt.wantErr != "" {
				assert.ErrorContains(t, confmap.Validate(cfg), tt.wantErr)
				return
			}
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.want, cfg)
		})
	}
}
