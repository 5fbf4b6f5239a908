package diagnostics // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/diagnostics"

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
)

// Config is the `diagnostics:` section of the processor: where the Azure
// OpenAI diagnostic logs are and how long a span may wait for its row.
type Config struct {
	// WorkspaceID is the Log Analytics workspace (its GUID, "Workspace ID" on
	// the workspace's overview) that receives the Azure OpenAI diagnostic
	// logs. Setting it turns the join on. Default empty: off.
	WorkspaceID string `mapstructure:"workspace_id"`

	// ClientConfig holds the HTTP settings, inline: endpoint (default
	// https://api.loganalytics.io, without /v1), tls (ca_file, ...), timeout
	// (default 60s), proxy_url, headers.
	ClientConfig confighttp.ClientConfig `mapstructure:",squash"`

	// Credential says how to get a token for the query API. Default type
	// `default` (the Azure SDK's DefaultAzureCredential chain).
	Credential CredentialConfig `mapstructure:"credential"`

	// Audience is the token audience; with endpoint it selects a sovereign
	// cloud (https://api.loganalytics.us, https://api.loganalytics.azure.cn).
	// Default https://api.loganalytics.io.
	Audience string `mapstructure:"audience"`

	// KeyColumn is the AzureDiagnostics column that holds the span's
	// azure.service.request.id (the apim-request-id header). Default
	// CorrelationId.
	KeyColumn string `mapstructure:"key_column"`

	// PollInterval is how often pending keys are looked up. Default 30s.
	PollInterval time.Duration `mapstructure:"poll_interval"`

	// MaxWait is how long a span waits for its row, counted from the moment it
	// entered the buffer. Azure documents 3 to 10 minutes of ingestion delay,
	// up to 20. Default 15m.
	MaxWait time.Duration `mapstructure:"max_wait"`

	// MaxKeysPerQuery is how many keys one query looks up. Default 500.
	MaxKeysPerQuery int `mapstructure:"max_keys_per_query"`

	// MaxPending is how many spans the buffer holds; a span that finds it
	// full leaves at once, marked overflow. Default 50000.
	MaxPending int `mapstructure:"max_pending"`

	// MaxPendingBytes bounds the memory of the buffer (spans as held, bodies
	// already removed). Default 268435456 (256 MiB).
	MaxPendingBytes int64 `mapstructure:"max_pending_bytes"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// CredentialType names a way to get a token for the Log Analytics API.
type CredentialType string

const (
	// CredentialDefault is the SDK's DefaultAzureCredential chain:
	// environment, workload identity, managed identity, Azure CLI.
	CredentialDefault CredentialType = "default"
	// CredentialManagedIdentity is a system- or (with client_id) user-assigned managed identity.
	CredentialManagedIdentity CredentialType = "managed_identity"
	// CredentialWorkloadIdentity is Kubernetes workload identity federation.
	CredentialWorkloadIdentity CredentialType = "workload_identity"
	// CredentialClientSecret is an app registration with a client secret.
	CredentialClientSecret CredentialType = "client_secret"
	// CredentialAccessToken is a fixed bearer token (a proxy's, or one from
	// `az account get-access-token --resource https://api.loganalytics.io`).
	CredentialAccessToken CredentialType = "access_token"
)

var credentialTypes = []CredentialType{
	CredentialDefault, CredentialManagedIdentity, CredentialWorkloadIdentity,
	CredentialClientSecret, CredentialAccessToken,
}

// CredentialConfig is the `credential:` section. It is not called `auth`:
// that key belongs to confighttp (authenticator extensions).
type CredentialConfig struct {
	// Type is one of default, managed_identity, workload_identity,
	// client_secret, access_token. Default `default`.
	Type CredentialType `mapstructure:"type"`
	// ClientID is the application (client) id: optional for managed_identity
	// (selects a user-assigned identity), required for workload_identity and
	// client_secret.
	ClientID string `mapstructure:"client_id"`
	// TenantID is the Entra tenant: required for workload_identity and
	// client_secret, optional for default.
	TenantID string `mapstructure:"tenant_id"`
	// ClientSecret is the app's secret, for client_secret.
	ClientSecret configopaque.String `mapstructure:"client_secret"`
	// AccessToken is the bearer token, for access_token.
	AccessToken configopaque.String `mapstructure:"access_token"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Public-cloud endpoint and audience of the Log Analytics query API; the SDKs
// still use the .io host, which Microsoft keeps supported.
const (
	DefaultEndpoint = "https://api.loganalytics.io"
	DefaultAudience = "https://api.loganalytics.io"
)

// NewDefaultConfig returns the defaults of the design: join off, public cloud,
// DefaultAzureCredential, 30 s polls, 15 min wait, 500 keys per query, 50 000
// spans or 256 MiB held.
func NewDefaultConfig() Config {
	client := confighttp.NewDefaultClientConfig()
	client.Endpoint = DefaultEndpoint
	client.Timeout = 60 * time.Second
	return Config{
		ClientConfig:    client,
		Credential:      CredentialConfig{Type: CredentialDefault},
		Audience:        DefaultAudience,
		KeyColumn:       "CorrelationId",
		PollInterval:    30 * time.Second,
		MaxWait:         15 * time.Minute,
		MaxKeysPerQuery: 500,
		MaxPending:      50_000,
		MaxPendingBytes: 256 << 20,
	}
}

// Enabled reports whether the join is on: a workspace is named.
func (cfg *Config) Enabled() bool { return cfg.WorkspaceID != "" }

// kqlIdentifier is what key_column may be: it is written into the query as a
// column name, so it must be a plain identifier.
var kqlIdentifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Unmarshal decodes the section and refuses keys it does not know. confmap
// ignores unknown keys beside a squashed confighttp.ClientConfig (it decodes the
// other fields with IgnoreUnused, credential's included), so a misspelt
// poll_interval would silently keep its default. Keys inside the HTTP settings
// (tls, ...) are confighttp's to check.
func (cfg *Config) Unmarshal(conf *confmap.Conf) error {
	if err := refuseUnknownKeys(conf, "", reflect.TypeFor[Config]()); err != nil {
		return err
	}
	if conf.IsSet("credential") {
		credential, err := conf.Sub("credential")
		if err != nil {
			return err
		}
		if err := refuseUnknownKeys(credential, "credential::", reflect.TypeFor[CredentialConfig]()); err != nil {
			return err
		}
	}
	return conf.Unmarshal(cfg)
}

// refuseUnknownKeys fails on a top-level key of conf that no mapstructure tag
// of t (squashed structs included) names.
func refuseUnknownKeys(conf *confmap.Conf, prefix string, t reflect.Type) error {
	known := map[string]bool{}
	var collect func(reflect.Type)
	collect = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
			switch {
			case strings.Contains(opts, "squash") && f.Type.Kind() == reflect.Struct:
				collect(f.Type)
			case f.IsExported() && name != "" && name != "-":
				known[name] = true
			}
		}
	}
	collect(t)
	var unknown []string
	for _, key := range conf.AllKeys() {
		top, _, _ := strings.Cut(key, confmap.KeyDelimiter)
		if !known[top] && !slices.Contains(unknown, prefix+top) {
			unknown = append(unknown, prefix+top)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("unknown keys: %s", strings.Join(unknown, ", "))
	}
	return nil
}

// Validate checks the settings without changing them. The credential section
// is checked by CredentialConfig.Validate (confmap.Validate calls both).
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.WorkspaceID != "" && !isGUID(cfg.WorkspaceID) {
		errs = append(errs, fmt.Errorf("workspace_id %q is not a workspace GUID (the Workspace ID on the workspace's overview, like 5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f)", cfg.WorkspaceID))
	}
	if err := validateHTTPSURL(cfg.ClientConfig.Endpoint); err != nil {
		errs = append(errs, fmt.Errorf("endpoint: %w", err))
	}
	if err := validateHTTPSURL(cfg.Audience); err != nil {
		errs = append(errs, fmt.Errorf("audience: %w", err))
	}
	if cfg.ClientConfig.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout (%v) must not be negative", cfg.ClientConfig.Timeout))
	}
	if !kqlIdentifier.MatchString(cfg.KeyColumn) {
		errs = append(errs, fmt.Errorf("key_column %q must be a column name (letters, digits, underscore; not starting with a digit)", cfg.KeyColumn))
	}
	if cfg.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("poll_interval (%v) must be positive", cfg.PollInterval))
	}
	if cfg.MaxWait <= 0 {
		errs = append(errs, fmt.Errorf("max_wait (%v) must be positive", cfg.MaxWait))
	} else if cfg.PollInterval > 0 && cfg.MaxWait < cfg.PollInterval {
		errs = append(errs, fmt.Errorf("max_wait (%v) must be at least poll_interval (%v): a span would leave before its first lookup", cfg.MaxWait, cfg.PollInterval))
	}
	if cfg.MaxKeysPerQuery <= 0 {
		errs = append(errs, fmt.Errorf("max_keys_per_query (%d) must be positive", cfg.MaxKeysPerQuery))
	}
	if cfg.MaxPending <= 0 {
		errs = append(errs, fmt.Errorf("max_pending (%d) must be positive", cfg.MaxPending))
	}
	if cfg.MaxPendingBytes <= 0 {
		errs = append(errs, fmt.Errorf("max_pending_bytes (%d) must be positive", cfg.MaxPendingBytes))
	}
	return errors.Join(errs...)
}

func validateHTTPSURL(raw string) error {
	if raw == "" {
		return errors.New("must be set (an https URL)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if u.Scheme != "https" || u.Host == "" {
		// The Azure SDK refuses to send a bearer token over plain HTTP.
		return fmt.Errorf("%q must be an https URL with a host: the Azure SDK sends tokens only over TLS", raw)
	}
	return nil
}

// Validate checks that the credential type is known and has exactly the
// fields it uses: a missing field fails at start otherwise, and a field the
// type ignores is almost always a mistake (the wrong type).
func (cc *CredentialConfig) Validate() error {
	var errs []error
	required := func(name, value string) {
		if value == "" {
			errs = append(errs, fmt.Errorf("type %s needs %s", cc.Type, name))
		}
	}
	unused := func(name, value string) {
		if value != "" {
			errs = append(errs, fmt.Errorf("%s is not used by type %s", name, cc.Type))
		}
	}
	switch cc.Type {
	case CredentialDefault:
		// DefaultAzureCredential takes a tenant; its client id comes from AZURE_CLIENT_ID.
		if cc.ClientID != "" {
			errs = append(errs, errors.New("client_id is not used by type default (DefaultAzureCredential reads AZURE_CLIENT_ID); use type managed_identity or workload_identity to name a client"))
		}
		unused("client_secret", string(cc.ClientSecret))
		unused("access_token", string(cc.AccessToken))
	case CredentialManagedIdentity:
		unused("tenant_id", cc.TenantID)
		unused("client_secret", string(cc.ClientSecret))
		unused("access_token", string(cc.AccessToken))
	case CredentialWorkloadIdentity:
		required("client_id", cc.ClientID)
		required("tenant_id", cc.TenantID)
		unused("client_secret", string(cc.ClientSecret))
		unused("access_token", string(cc.AccessToken))
	case CredentialClientSecret:
		required("client_id", cc.ClientID)
		required("tenant_id", cc.TenantID)
		required("client_secret", string(cc.ClientSecret))
		unused("access_token", string(cc.AccessToken))
	case CredentialAccessToken:
		required("access_token", string(cc.AccessToken))
		unused("client_id", cc.ClientID)
		unused("tenant_id", cc.TenantID)
		unused("client_secret", string(cc.ClientSecret))
	default:
		names := make([]string, len(credentialTypes))
		for i, t := range credentialTypes {
			names[i] = string(t)
		}
		errs = append(errs, fmt.Errorf("type %q is unknown; use one of %s", cc.Type, strings.Join(names, ", ")))
	}
	return errors.Join(errs...)
}
