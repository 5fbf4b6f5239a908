package azureopenaiprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-aoai/otelcol-aoai/internal/azurecredential"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"
)

const testWorkspace = "5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"

func loadDiagnosticsConfig(t *testing.T, name string) DiagnosticsConfig {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "diagnostics.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(name)
	require.NoError(t, err)
	cfg := newDefaultDiagnosticsConfig()
	require.NoError(t, sub.Unmarshal(&cfg))
	return cfg
}

func TestDefaultDiagnosticsConfig(t *testing.T) {
	cfg := newDefaultDiagnosticsConfig()
	assert.False(t, cfg.LogAnalytics.Enabled(), "off until a workspace is named")
	assert.NoError(t, confmap.Validate(&cfg))
	assert.NoError(t, componenttest.CheckConfigStruct(&cfg))
	assert.Equal(t, "https://api.loganalytics.io", cfg.LogAnalytics.ClientConfig.Endpoint)
	assert.Equal(t, "https://api.loganalytics.io", cfg.LogAnalytics.Audience)
	assert.Equal(t, 60*time.Second, cfg.LogAnalytics.ClientConfig.Timeout)
	assert.Equal(t, azurecredential.TypeDefault, cfg.LogAnalytics.Credential.Type)
	assert.Equal(t, "CorrelationId", cfg.LogAnalytics.KeyColumn)
	assert.Equal(t, 30*time.Second, cfg.Join.PollInterval)
	assert.Equal(t, 15*time.Minute, cfg.Join.MaxWait)
	assert.Equal(t, 500, cfg.Join.MaxKeysPerQuery)
	assert.Equal(t, 50_000, cfg.Join.MaxPending)
	assert.Equal(t, int64(256<<20), cfg.Join.MaxPendingBytes)
	assert.Equal(t, join.LookupCursor, cfg.Join.Lookup)
	assert.Equal(t, time.Minute, cfg.Join.IngestionOverlap)
	assert.Equal(t, 50_000, cfg.Join.MaxRowsPerQuery)
	assert.Equal(t, 100_000, cfg.Join.EarlyRowsMaxCalls)
	assert.Equal(t, 10*time.Minute, cfg.Join.EarlyRowsGrace)
	assert.Equal(t, cfg, loadDiagnosticsConfig(t, "defaults"))
}

func TestLoadDiagnosticsConfig(t *testing.T) {
	cfg := loadDiagnosticsConfig(t, "sovereign")
	require.NoError(t, confmap.Validate(&cfg))
	assert.True(t, cfg.LogAnalytics.Enabled())
	want := newDefaultDiagnosticsConfig()
	want.LogAnalytics.WorkspaceID = "5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"
	want.LogAnalytics.ClientConfig.Endpoint = "https://api.loganalytics.us"
	want.LogAnalytics.ClientConfig.TLS.CAFile = "/etc/ssl/private-ca.pem"
	want.LogAnalytics.ClientConfig.Timeout = 20 * time.Second
	want.LogAnalytics.ClientConfig.ProxyURL = "http://proxy.internal:3128"
	want.LogAnalytics.Audience = "https://api.loganalytics.us"
	want.LogAnalytics.Credential = azurecredential.Config{
		Type: azurecredential.TypeClientSecret, ClientID: "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c",
		TenantID: "contoso.onmicrosoft.com", ClientSecret: "not-a-real-secret",
	}
	want.Join.PollInterval = time.Minute
	want.Join.MaxWait = 20 * time.Minute
	want.Join.MaxKeysPerQuery = 250
	want.Join.MaxPending = 1000
	want.Join.MaxPendingBytes = 1 << 20
	want.Join.Lookup = join.LookupKeys
	want.Join.IngestionOverlap = 2 * time.Minute
	want.Join.MaxRowsPerQuery = 20_000
	want.Join.EarlyRowsMaxCalls = 5000
	want.Join.EarlyRowsGrace = 20 * time.Minute
	assert.Equal(t, want, cfg)

	token := loadDiagnosticsConfig(t, "token")
	require.NoError(t, confmap.Validate(&token))
	assert.Equal(t, configopaque.String("eyJ0eXAiOi.not-a-real-token"), token.LogAnalytics.Credential.AccessToken)
	assert.Equal(t, "[REDACTED]", token.LogAnalytics.Credential.AccessToken.String(), "secrets print redacted")

	unknown := loadDiagnosticsConfig(t, "unknown_type")
	assert.EqualError(t, confmap.Validate(&unknown),
		`credential: type "certificate" is unknown; use one of default, managed_identity, workload_identity, client_secret, access_token, extension`)
}

func TestValidateExplainsEveryWrongSetting(t *testing.T) {
	valid := func() DiagnosticsConfig {
		cfg := newDefaultDiagnosticsConfig()
		cfg.LogAnalytics.WorkspaceID = testWorkspace
		return cfg
	}
	tests := []struct {
		name   string
		change func(*DiagnosticsConfig)
		want   string
	}{
		{"workspace not a GUID", func(c *DiagnosticsConfig) { c.LogAnalytics.WorkspaceID = "my-workspace" },
			`workspace_id "my-workspace" is not a workspace GUID (the Workspace ID on the workspace's overview, like 5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f)`},
		{"plain http endpoint", func(c *DiagnosticsConfig) { c.LogAnalytics.ClientConfig.Endpoint = "http://localhost:8080" },
			`endpoint: "http://localhost:8080" must be an https URL with a host: the Azure SDK sends tokens only over TLS`},
		{"empty endpoint", func(c *DiagnosticsConfig) { c.LogAnalytics.ClientConfig.Endpoint = "" }, "endpoint: must be set (an https URL)"},
		{"audience without host", func(c *DiagnosticsConfig) { c.LogAnalytics.Audience = "https://" },
			`audience: "https://" must be an https URL with a host: the Azure SDK sends tokens only over TLS`},
		{"negative timeout", func(c *DiagnosticsConfig) { c.LogAnalytics.ClientConfig.Timeout = -time.Second }, "timeout (-1s) must not be negative"},
		{"key column with KQL", func(c *DiagnosticsConfig) { c.LogAnalytics.KeyColumn = `CorrelationId) | union (x` },
			`key_column "CorrelationId) | union (x" must be a column name (letters, digits, underscore; not starting with a digit)`},
		{"zero poll interval", func(c *DiagnosticsConfig) { c.Join.PollInterval = 0 }, "poll_interval (0s) must be positive"},
		{"max_wait below poll_interval", func(c *DiagnosticsConfig) { c.Join.MaxWait = 10 * time.Second },
			"max_wait (10s) must be at least poll_interval (30s): a span would leave before its first lookup"},
		{"zero max_wait", func(c *DiagnosticsConfig) { c.Join.MaxWait = 0 }, "max_wait (0s) must be positive"},
		{"zero keys per query", func(c *DiagnosticsConfig) { c.Join.MaxKeysPerQuery = 0 }, "max_keys_per_query (0) must be positive"},
		{"negative max_pending", func(c *DiagnosticsConfig) { c.Join.MaxPending = -1 }, "max_pending (-1) must be positive"},
		{"zero max_pending_bytes", func(c *DiagnosticsConfig) { c.Join.MaxPendingBytes = 0 }, "max_pending_bytes (0) must be positive"},
		{"unknown lookup", func(c *DiagnosticsConfig) { c.Join.Lookup = "scan" }, `lookup "scan" must be "cursor" or "keys"`},
		{"zero overlap", func(c *DiagnosticsConfig) { c.Join.IngestionOverlap = 0 },
			"ingestion_overlap (0s) must be positive: rows visible late would be missed"},
		{"rows past the API's limit", func(c *DiagnosticsConfig) { c.Join.MaxRowsPerQuery = 600_000 },
			"max_rows_per_query (600000) must be between 1 and 500000, the query API's row limit"},
		{"zero early calls", func(c *DiagnosticsConfig) { c.Join.EarlyRowsMaxCalls = 0 }, "early_rows_max_calls (0) must be positive"},
		{"zero grace", func(c *DiagnosticsConfig) { c.Join.EarlyRowsGrace = 0 }, "early_rows_grace (0s) must be positive"},
		{"client_secret without fields", func(c *DiagnosticsConfig) {
			c.LogAnalytics.Credential = azurecredential.Config{Type: azurecredential.TypeClientSecret}
		},
			"credential: type client_secret needs client_id\ntype client_secret needs tenant_id\ntype client_secret needs client_secret"},
		{"workload_identity without tenant", func(c *DiagnosticsConfig) {
			c.LogAnalytics.Credential = azurecredential.Config{Type: azurecredential.TypeWorkloadIdentity, ClientID: "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c"}
		}, "credential: type workload_identity needs tenant_id"},
		{"access_token without token", func(c *DiagnosticsConfig) {
			c.LogAnalytics.Credential = azurecredential.Config{Type: azurecredential.TypeAccessToken}
		},
			"credential: type access_token needs access_token"},
		{"access_token with a secret", func(c *DiagnosticsConfig) {
			c.LogAnalytics.Credential = azurecredential.Config{Type: azurecredential.TypeAccessToken, AccessToken: "t", ClientSecret: "s"}
		}, "credential: client_secret is not used by type access_token"},
		{"managed identity with tenant", func(c *DiagnosticsConfig) {
			c.LogAnalytics.Credential = azurecredential.Config{Type: azurecredential.TypeManagedIdentity, TenantID: "contoso.onmicrosoft.com"}
		}, "credential: tenant_id is not used by type managed_identity"},
		{"default with client_id", func(c *DiagnosticsConfig) {
			c.LogAnalytics.Credential.ClientID = "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c"
		},
			"credential: client_id is not used by type default (DefaultAzureCredential reads AZURE_CLIENT_ID); use type managed_identity or workload_identity to name a client"},
		{"default with token", func(c *DiagnosticsConfig) { c.LogAnalytics.Credential.AccessToken = "t" }, "credential: access_token is not used by type default"},
		{"extension without its id", func(c *DiagnosticsConfig) {
			c.LogAnalytics.Credential = azurecredential.Config{Type: azurecredential.TypeExtension}
		}, "credential: type extension needs extension"},
		{"empty type", func(c *DiagnosticsConfig) { c.LogAnalytics.Credential.Type = "" },
			`credential: type "" is unknown; use one of default, managed_identity, workload_identity, client_secret, access_token, extension`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.change(&cfg)
			assert.EqualError(t, confmap.Validate(&cfg), tt.want)
		})
	}
	for _, ok := range []func(*DiagnosticsConfig){
		func(c *DiagnosticsConfig) {
			c.LogAnalytics.Credential = azurecredential.Config{Type: azurecredential.TypeManagedIdentity}
		},
		func(c *DiagnosticsConfig) {
			c.LogAnalytics.Credential = azurecredential.Config{Type: azurecredential.TypeManagedIdentity, ClientID: "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c"}
		},
		func(c *DiagnosticsConfig) { c.LogAnalytics.Credential.TenantID = "contoso.onmicrosoft.com" },
		func(c *DiagnosticsConfig) { c.Join.MaxWait = c.Join.PollInterval },
		func(c *DiagnosticsConfig) { c.LogAnalytics.KeyColumn = "apim_request_id_g" },
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
		KeepBodies  bool              `mapstructure:"keep_bodies"`
		Diagnostics DiagnosticsConfig `mapstructure:"diagnostics"`
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
	cfg := processorConfig{Diagnostics: newDefaultDiagnosticsConfig()}
	require.NoError(t, conf.Unmarshal(&cfg))
	require.NoError(t, confmap.Validate(&cfg))
	d := cfg.Diagnostics
	assert.True(t, cfg.KeepBodies)
	assert.Equal(t, testWorkspace, d.LogAnalytics.WorkspaceID)
	assert.Equal(t, "https://127.0.0.1:8443", d.LogAnalytics.ClientConfig.Endpoint)
	assert.Equal(t, "/tmp/ca.pem", d.LogAnalytics.ClientConfig.TLS.CAFile)
	assert.Equal(t, 5*time.Second, d.LogAnalytics.ClientConfig.Timeout)
	assert.Equal(t, 10*time.Second, d.Join.PollInterval)
	assert.Equal(t, 15*time.Minute, d.Join.MaxWait, "defaults survive")
	assert.Equal(t, azurecredential.TypeAccessToken, d.LogAnalytics.Credential.Type)

	bad := confmap.NewFromStringMap(map[string]any{"diagnostics": map[string]any{"workspace_id": testWorkspace, "max_wait": "1s"}})
	cfg = processorConfig{Diagnostics: newDefaultDiagnosticsConfig()}
	require.NoError(t, bad.Unmarshal(&cfg))
	assert.EqualError(t, confmap.Validate(&cfg),
		"diagnostics: max_wait (1s) must be at least poll_interval (30s): a span would leave before its first lookup")

	typo := confmap.NewFromStringMap(map[string]any{"diagnostics": map[string]any{
		"poll_intervall": "10s", "endpoint": "https://x.example",
		"credential": map[string]any{"type": "managed_identity", "clientid": "x"},
	}})
	cfg = processorConfig{Diagnostics: newDefaultDiagnosticsConfig()}
	err := typo.Unmarshal(&cfg)
	require.Error(t, err, "unknown keys are refused")
	assert.Contains(t, err.Error(), "unknown keys: poll_intervall")
	assert.NotContains(t, err.Error(), "endpoint", "the inline HTTP settings are known keys")

	typo = confmap.NewFromStringMap(map[string]any{"diagnostics": map[string]any{
		"credential": map[string]any{"type": "managed_identity", "clientid": "x"},
	}})
	cfg = processorConfig{Diagnostics: newDefaultDiagnosticsConfig()}
	assert.ErrorContains(t, typo.Unmarshal(&cfg), "unknown keys: credential::clientid")
}

func TestLoadDiagnosticsStorageConfig(t *testing.T) {
	assert.Nil(t, newDefaultDiagnosticsConfig().Join.Storage, "in memory unless a storage extension is named")
	assert.Equal(t, int64(2<<30), newDefaultDiagnosticsConfig().Join.MaxStoredBytes)

	cfg := loadDiagnosticsConfig(t, "stored")
	require.NoError(t, confmap.Validate(&cfg))
	want := component.MustNewIDWithName("file_storage", "join")
	require.NotNil(t, cfg.Join.Storage)
	assert.Equal(t, want, *cfg.Join.Storage)
	assert.Equal(t, 500_000, cfg.Join.MaxPending)
	assert.Equal(t, int64(4<<30), cfg.Join.MaxStoredBytes)

	zero := loadDiagnosticsConfig(t, "stored_bound_zero")
	assert.ErrorContains(t, confmap.Validate(&zero), "max_stored_bytes (0) must be positive")
}
