package azureentraauthextension

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-aoai/otelcol-aoai/extension/azureentraauthextension/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/internal/azurecredential"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig()
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg.(*Config)
}

func TestLoadConfig(t *testing.T) {
	def := loadConfig(t, "")
	assert.Equal(t, DefaultScope, def.Scope)
	assert.Equal(t, azurecredential.TypeDefault, def.Credential.Type)
	require.NoError(t, def.Validate())

	mi := loadConfig(t, "managed_identity")
	assert.Equal(t, azurecredential.TypeManagedIdentity, mi.Credential.Type)
	assert.Equal(t, "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c", mi.Credential.ClientID)
	require.NoError(t, mi.Validate())

	cs := loadConfig(t, "client_secret")
	assert.Equal(t, "https://monitor.azure.us/.default", cs.Scope)
	assert.Equal(t, "s3cr3t-value", string(cs.Credential.ClientSecret))
	require.NoError(t, cs.Validate())
}

func TestValidateNamesWhatIsWrong(t *testing.T) {
	err := loadConfig(t, "bad_scope").Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "scope")
	assert.Contains(t, err.Error(), "/.default")

	err = loadConfig(t, "missing_secret").Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "credential: type client_secret needs client_secret")

	for _, scope := range []string{"", "monitor", "https://monitor.azure.com/ .default", "https:///.default"} {
		cfg := NewFactory().CreateDefaultConfig().(*Config)
		cfg.Scope = scope
		assert.Error(t, cfg.Validate(), "scope %q", scope)
	}
	for _, scope := range []string{DefaultScope, "api://3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c/.default"} {
		cfg := NewFactory().CreateDefaultConfig().(*Config)
		cfg.Scope = scope
		assert.NoError(t, cfg.Validate(), "scope %q", scope)
	}
}

func TestValidateKeepsTheSecretOut(t *testing.T) {
	cfg := loadConfig(t, "client_secret")
	cfg.Credential.Type = azurecredential.TypeManagedIdentity
	cfg.Credential.TenantID = ""
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "client_secret is not used by type managed_identity")
	assert.NotContains(t, err.Error(), "s3cr3t-value")
}

func TestUnknownKeyIsRefused(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub("azure_entra_auth/managed_identity")
	require.NoError(t, err)
	require.NoError(t, sub.Merge(confmap.NewFromStringMap(map[string]any{"scopes": "x"})))
	cfg := NewFactory().CreateDefaultConfig()
	assert.ErrorContains(t, sub.Unmarshal(cfg), "scopes")
}
