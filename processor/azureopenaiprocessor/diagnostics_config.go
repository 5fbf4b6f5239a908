package azureopenaiprocessor // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor"

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/confmap"

	"github.com/otelcol-aoai/otelcol-aoai/internal/azurecredential"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"
)

// newDefaultDiagnosticsConfig is the join off, with both owners' defaults.
func newDefaultDiagnosticsConfig() DiagnosticsConfig {
	return DiagnosticsConfig{Join: join.NewDefaultConfig(), LogAnalytics: loganalytics.NewDefaultConfig()}
}

// DiagnosticsConfig is the `diagnostics:` section: one block in the user's
// file, two owners. The join's settings (poll_interval, max_wait, buffer
// limits) belong to internal/join; where the rows are and how to sign in
// (workspace_id, endpoint and the HTTP settings, credential, audience,
// key_column) belong to internal/loganalytics.
type DiagnosticsConfig struct {
	Join         join.Config         `mapstructure:",squash"`
	LogAnalytics loganalytics.Config `mapstructure:",squash"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks both owners' settings; their errors name the keys of the
// section.
func (cfg *DiagnosticsConfig) Validate() error {
	return errors.Join(cfg.LogAnalytics.Check(), cfg.Join.Check())
}

// Unmarshal decodes the section and refuses keys it does not know. confmap
// ignores unknown keys beside a squashed confighttp.ClientConfig (it decodes the
// other fields with IgnoreUnused, credential's included), so a misspelt
// poll_interval would silently keep its default. Keys inside the HTTP settings
// (tls, ...) are confighttp's to check.
func (cfg *DiagnosticsConfig) Unmarshal(conf *confmap.Conf) error {
	if err := refuseUnknownKeys(conf, "", reflect.TypeFor[DiagnosticsConfig]()); err != nil {
		return err
	}
	if conf.IsSet("credential") {
		credential, err := conf.Sub("credential")
		if err != nil {
			return err
		}
		if err := refuseUnknownKeys(credential, "credential::", reflect.TypeFor[azurecredential.Config]()); err != nil {
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
