package azureopenaiprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/pricing"
)

func ptrFloat(v float64) *float64 { return &v }

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	content := createDefaultConfig().(*Config)
	content.CaptureContent = true
	content.MaxContentLength = 1024
	content.KeepBodies = true
	content.MaxDecompressedBodySize = 1 << 20
	content.EstimateTokens = false

	conditions := createDefaultConfig().(*Config)
	conditions.Conditions = []string{
		`attributes["http.request.method"] == "POST" and IsMatch(attributes["url.path"], "^/openai/")`,
		`resource.attributes["service.name"] == "apim-contoso"`,
	}
	conditions.ErrorMode = ottl.SilentError

	join := createDefaultConfig().(*Config)
	join.Diagnostics.LogAnalytics.WorkspaceID = "5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"
	join.Diagnostics.LogAnalytics.Credential.Type = "managed_identity"
	join.Diagnostics.LogAnalytics.Credential.ClientID = "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c"
	join.Diagnostics.Join.PollInterval = time.Minute
	join.Diagnostics.Join.MaxWait = 20 * time.Minute

	priced := createDefaultConfig().(*Config)
	priced.Pricing = pricing.Config{
		Enabled: true, Currency: "USD",
		Prices: []pricing.PriceOverride{{Deployment: "gpt-4o-prod", TokenPrices: pricing.TokenPrices{
			Input: ptrFloat(2.5), CachedInput: ptrFloat(1.25), Output: ptrFloat(10),
		}}},
		Deployments: map[string]pricing.Deployment{"gpt-4o-ptu": {Type: pricing.Provisioned, PTU: 100, HourlyPricePerPTU: 1.0}},
	}

	tests := []struct {
		id      component.ID
		want    *Config
		wantErr string
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig().(*Config)},
		{id: component.NewIDWithName(metadata.Type, "content"), want: content},
		{id: component.NewIDWithName(metadata.Type, "bad_length"), wantErr: "max_content_length must not be negative"},
		{id: component.NewIDWithName(metadata.Type, "bad_decompressed_size"), wantErr: "max_decompressed_body_size must be positive"},
		{id: component.NewIDWithName(metadata.Type, "conditions"), want: conditions},
		{id: component.NewIDWithName(metadata.Type, "bad_condition"), wantErr: "conditions: "},
		{id: component.NewIDWithName(metadata.Type, "bad_error_mode"), wantErr: "error_mode"},
		{id: component.NewIDWithName(metadata.Type, "join"), want: join},
		{id: component.NewIDWithName(metadata.Type, "pricing"), want: priced},
		{id: component.NewIDWithName(metadata.Type, "pricing_bad"), wantErr: "pricing.prices[0]: cached_input is missing"},
		{id: component.NewIDWithName(metadata.Type, "join_bad"), wantErr: "diagnostics: max_wait (5m0s) must be at least poll_interval (10m0s)"},
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
