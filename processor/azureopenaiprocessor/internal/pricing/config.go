package pricing // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/pricing"

import (
	"errors"
	"fmt"
	"strings"
)

// Config is the processor's pricing setting.
type Config struct {
	// Enabled writes azure.openai.cost.* and azure.openai.provisioned.units
	// on model calls. Default false.
	Enabled bool `mapstructure:"enabled"`
	// Currency of the amounts written; the sheet's currency when empty. It
	// must be the sheet's currency: nothing is converted.
	Currency string `mapstructure:"currency"`
	// Sheet is a file of the built-in sheet's shape; empty: the built-in one.
	Sheet string `mapstructure:"sheet"`
	// Prices are the operator's own prices per 1 M tokens (negotiated ones,
	// models the sheet lacks). The first entry that matches a call wins, over
	// the sheet.
	Prices []PriceOverride `mapstructure:"prices"`
	// Deployments say what URLs and headers cannot: a deployment's type, and
	// for a provisioned one its PTUs and their hourly price.
	Deployments map[string]Deployment `mapstructure:"deployments"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// PriceOverride is one operator price. It matches a call whose deployment
// and model (exact, or its family) are those given; an empty field matches
// any. Without a tier it is the standard price, which batch and flex calls
// get their discount on; with one (priority, flex) it prices that tier only.
type PriceOverride struct {
	Deployment  string `mapstructure:"deployment"`
	Model       string `mapstructure:"model"`
	Tier        Basis  `mapstructure:"tier"`
	TokenPrices `mapstructure:",squash"`
}

// Deployment is what the operator says about one deployment.
type Deployment struct {
	Type              DeploymentType `mapstructure:"type"`
	PTU               int            `mapstructure:"ptu"`
	HourlyPricePerPTU float64        `mapstructure:"hourly_price_per_ptu"`
}

// Validate checks the setting, the sheet file included.
func (cfg *Config) Validate() error {
	if !cfg.Enabled {
		return nil
	}
	var errs []error
	for i, p := range cfg.Prices {
		where := fmt.Sprintf("pricing.prices[%d]", i)
		if p.Deployment == "" && p.Model == "" {
			errs = append(errs, fmt.Errorf("%s: give a deployment, a model or both", where))
		}
		if p.Tier != "" && p.Tier != BasisPriority && p.Tier != BasisFlex {
			errs = append(errs, fmt.Errorf("%s: tier %q is not priority or flex", where, p.Tier))
		}
		errs = append(errs, p.check(where))
	}
	for name, d := range cfg.Deployments {
		where := fmt.Sprintf("pricing.deployments.%s", name)
		if !d.Type.valid() {
			errs = append(errs, fmt.Errorf("%s: type %q is not one of %s, %s", where, d.Type, tokenTypes, Provisioned))
		}
		if d.PTU < 0 || d.HourlyPricePerPTU < 0 {
			errs = append(errs, fmt.Errorf("%s: ptu and hourly_price_per_ptu must not be negative", where))
		}
		if d.Type != Provisioned && (d.PTU != 0 || d.HourlyPricePerPTU != 0) {
			errs = append(errs, fmt.Errorf("%s: ptu and hourly_price_per_ptu are for type provisioned", where))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	sheet, err := LoadSheet(cfg.Sheet)
	if err != nil {
		return fmt.Errorf("pricing.sheet: %w", err)
	}
	if cfg.Currency != "" && !strings.EqualFold(cfg.Currency, sheet.Currency) {
		return fmt.Errorf("pricing.currency %s is not the sheet's currency %s; give a sheet in %s (pricing.sheet)", cfg.Currency, sheet.Currency, cfg.Currency)
	}
	return nil
}
