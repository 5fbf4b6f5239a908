package diagnostics

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

func loadConfig(t *testing.T, name string) Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(name)
	require.NoError(t, err)
	cfg := NewDefaultConfig()
	require.NoError(t, sub.Unmarshal(&cfg))
	return cfg
}

func TestDefaultConfig(t *testing.T) {
	cfg := NewDefaultConfig()
	assert.False(t, cfg.Enabled(), "off until a workspace is named")
	assert.NoError(t, confmap.Validate(&cfg))
	assert.NoError(t, componenttest.CheckConfigStruct(&cfg))
	assert.Equal(t, "https://api.loganalytics.io", cfg.ClientConfig.Endpoint)
	assert.Equal(t, "https://api.loganalytics.io", cfg.Audience)
	assert.Equal(t, 60*time.Second, cfg.ClientConfig.Timeout)
	assert.Equal(t, CredentialDefault, cfg.Credential.Type)
	assert.Equal(t, "CorrelationId", cfg.KeyColumn)
	assert.Equal(t, 30*time.Second, cfg.PollInterval)
	assert.Equal(t, 15*time.Minute, cfg.MaxWait)
	assert.Equal(t, 500, cfg.MaxKeysPerQuery)
	assert.Equal(t, 50_000, cfg.MaxPending)
	assert.Equal(t, int64(256<<20), cfg.MaxPendingBytes)
	assert.Equal(t, cfg, loadConfig(t, "defaults"))
}

func TestLoadConfig(t *testing.T) {
	cfg := loadConfig(t, "sovereign")
	require.NoError(t, confmap.Validate(&cfg))
	assert.True(t, cfg.Enabled())
	want := NewDefaultConfig()
	want.WorkspaceID = "5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"
	want.ClientConfig.Endpoint = "https://api.loganalytics.us"
	want.ClientConfig.TLS.CAFile = "/etc/ssl/private-ca.pem"
	want.ClientConfig.Timeout = 20 * time.Second
	want.ClientConfig.ProxyURL = "http://proxy.internal:3128"
	want.Audience = "https://api.loganalytics.us"
	want.Credential = CredentialConfig{
		Type: CredentialClientSecret, ClientID: "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c",
		TenantID: "contoso.onmicrosoft.com", ClientSecret: "not-a-real-secret",
	}
	want.PollInterval = time.Minute
	want.MaxWait = 20 * time.Minute
	want.MaxKeysPerQuery = 250
	want.MaxPending = 1000
	want.MaxPendingBytes = 1 << 20
	assert.Equal(t, want, cfg)

	token := loadConfig(t, "token")
	require.NoError(t, confmap.Validate(&token))
	assert.Equal(t, configopaque.String("eyJ0eXAiOi.not-a-real-token"), token.Credential.AccessToken)
	assert.Equal(t, "[REDACTED]", token.Credential.AccessToken.String(), "secrets print redacted")

	unknown := loadConfig(t, "unknown_type")
	assert.EqualError(t, confmap.Validate(&unknown),
		`credential: type "certificate" is unknown; use one of default, managed_identity, workload_identity, client_secret, access_token`)
}

func TestValidateExplainsEveryWrongSetting(t *testing.T) {
	valid := func() Config {
		cfg := NewDefaultConfig()
		cfg.WorkspaceID = testWorkspace
		return cfg
	}
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"workspace not a GUID", func(c *Config) { c.WorkspaceID = "my-workspace" },
			`workspace_id "my-workspace" is not a workspace GUID (the Workspace ID on the workspace's overview, like 5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f)`},
		{"plain http endpoint", func(c *Config) { c.ClientConfig.Endpoint = "http://localhost:8080" },
			`endpoint: "http://localhost:8080" must be an https URL with a host: the Azure SDK sends tokens only over TLS`},
		{"empty endpoint", func(c *Config) { c.ClientConfig.Endpoint = "" }, "endpoint: must be set (an https URL)"},
		{"audience without host", func(c *Config) { c.Audience = "https://" },
			`audience: "https://" must be an https URL with a host: the Azure SDK sends tokens only over TLS`},
		{"negative timeout", func(c *Config) { c.ClientConfig.Timeout = -time.Second }, "timeout (-1s) must not be negative"},
		{"key column with KQL", func(c *Config) { c.KeyColumn = `CorrelationId) | union (x` },
			`key_column "CorrelationId) | union (x" must be a column name (letters, digits, underscore; not starting with a digit)`},
		{"zero poll interval", func(c *Config) { c.PollInterval = 0 }, "poll_interval (0s) must be positive"},
		{"max_wait below poll_interval", func(c *Config) { c.MaxWait = 10 * time.Second },
			"max_wait (10s) must be at least poll_interval (30s): a span would leave before its first lookup"},
		{"zero max_wait", func(c *Config) { c.MaxWait = 0 }, "max_wait (0s) must be positive"},
		{"zero keys per query", func(c *Config) { c.MaxKeysPerQuery = 0 }, "max_keys_per_query (0) must be positive"},
		{"negative max_pending", func(c *Config) { c.MaxPending = -1 }, "max_pending (-1) must be positive"},
		{"zero max_pending_bytes", func(c *Config) { c.MaxPendingBytes = 0 }, "max_pending_bytes (0) must be positive"},
		{"client_secret without fields", func(c *Config) { c.Credential = CredentialConfig{Type: CredentialClientSecret} },
			"credential: type client_secret needs client_id\ntype client_secret needs tenant_id\ntype client_secret needs client_secret"},
		{"workload_identity without tenant", func(c *Config) {
			c.Credential = CredentialConfig{Type: CredentialWorkloadIdentity, ClientID: "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c"}
		}, "credential: type workload_identity needs tenant_id"},
		{"access_token without token", func(c *Config) { c.Credential = CredentialConfig{Type: CredentialAccessToken} },
			"credential: type access_token needs access_token"},
		{"access_token with a secret", func(c *Config) {
			c.Credential = CredentialConfig{Type: CredentialAccessToken, AccessToken: "t", ClientSecret: "s"}
		}, "credential: client_secret is not used by type access_token"},
		{"managed identity with tenant", func(c *Config) {
			c.Credential = CredentialConfig{Type: CredentialManagedIdentity, TenantID: "contoso.onmicrosoft.com"}
		}, "credential: tenant_id is not used by type managed_identity"},
		{"default with client_id", func(c *Config) { c.Credential.ClientID = "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c" },
			"credential: client_id is not used by type default (DefaultAzureCredential reads AZURE_CLIENT_ID); use type managed_identity or workload_identity to name a client"},
		{"default with token", func(c *Config) { c.Credential.AccessToken = "t" }, "credential: access_token is not used by type default"},
		{"empty type", func(c *Config) { c.Credential.Type = "" },
			`credential: type "" is unknown; use one of default, managed_identity, workload_identity, client_secret, access_token`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.change(&cfg)
			assert.EqualError(t, confmap.Validate(&cfg), tt.want)
		})
	}
	for _, ok := range []func(*Config){
		func(c *Config) { c.Credential = CredentialConfig{Type: CredentialManagedIdentity} },
		func(c *Config) {
			c.Credential = CredentialConfig{Type: CredentialManagedIdentity, ClientID: "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c"}
		},
		func(c *Config) { c.Credential.TenantID = "contoso.onmicrosoft.com" },
		func(c *Config) { c.MaxWait = c.PollInterval },
		func(c *Config) { c.KeyColumn = "apim_request_id_g" },
	} {
		cfg := valid()
		ok(&cfg)
		assert.NoError(t, confmap.Validate(&cfg))
	}
}

// The processor nests this section under `diagnostics:`; the inline HTTP
// settings must still reach confighttp (whose own Unmarshal runs for squashed
// fields) and the join's own keys must not be lost to it.
func TestNestedUnderTheProcessorConfig(t *testing.T) {
	type processorConfig struct {
		KeepBodies  bool   `mapstructure:"keep_bodies"`
		Diagnostics Config `mapstructure:"diagnostics"`
	}
	conf := confmap.NewFromStringMap(map[string]any{
		"keep_bodies": true,
		"diagnostics": map[string]any{
			"workspace_id":  testWorkspace,
			"endpoint":      "https://127.0.0.1:8443",
			"tls":           map[string]any{"ca_file": "/tmp/ca.pem"},
			"timeout":       "5s",
			"poll_interval": "10s",
			"credential":    map[string]any{"type": "access_token", "access_token": "tok"},
		},
	})
	cfg := processorConfig{Diagnostics: NewDefaultConfig()}
	require.NoError(t, conf.Unmarshal(&cfg))
	require.NoError(t, confmap.Validate(&cfg))
	d := cfg.Diagnostics
	assert.True(t, cfg.KeepBodies)
	assert.Equal(t, testWorkspace, d.WorkspaceID)
	assert.Equal(t, "https://127.0.0.1:8443", d.ClientConfig.Endpoint)
	assert.Equal(t, "/tmp/ca.pem", d.ClientConfig.TLS.CAFile)
	assert.Equal(t, 5*time.Second, d.ClientConfig.Timeout)
	assert.Equal(t, 10*time.Second, d.PollInterval)
	assert.Equal(t, 15*time.Minute, d.MaxWait, "defaults survive")
	assert.Equal(t, CredentialAccessToken, d.Credential.Type)

	bad := confmap.NewFromStringMap(map[string]any{"diagnostics": map[string]any{"workspace_id": testWorkspace, "max_wait": "1s"}})
	cfg = processorConfig{Diagnostics: NewDefaultConfig()}
	require.NoError(t, bad.Unmarshal(&cfg))
	assert.EqualError(t, confmap.Validate(&cfg),
		"diagnostics: max_wait (1s) must be at least poll_interval (30s): a span would leave before its first lookup")

	typo := confmap.NewFromStringMap(map[string]any{"diagnostics": map[string]any{
		"poll_intervall": "10s", "endpoint": "https://x.example",
		"credential": map[string]any{"type": "managed_identity", "clientid": "x"},
	}})
	cfg = processorConfig{Diagnostics: NewDefaultConfig()}
	err := typo.Unmarshal(&cfg)
	require.Error(t, err, "unknown keys are refused")
	assert.Contains(t, err.Error(), "unknown keys: poll_intervall")
	assert.NotContains(t, err.Error(), "endpoint", "the inline HTTP settings are known keys")

	typo = confmap.NewFromStringMap(map[string]any{"diagnostics": map[string]any{
		"credential": map[string]any{"type": "managed_identity", "clientid": "x"},
	}})
	cfg = processorConfig{Diagnostics: NewDefaultConfig()}
	assert.ErrorContains(t, typo.Unmarshal(&cfg), "unknown keys: credential::clientid")
}
