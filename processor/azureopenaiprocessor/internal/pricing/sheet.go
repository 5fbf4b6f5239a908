package pricing // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/pricing"

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed sheet.yaml
var builtinSheet []byte

// Sheet is a price sheet: token prices per model and deployment type, the
// discounts of batch and flex calls, and the capacity a PTU gives per model.
type Sheet struct {
	Currency    string                `yaml:"currency"`
	Prices      []SheetPrice          `yaml:"prices"`
	Discounts   map[Basis]Discount    `yaml:"discounts"`
	Provisioned []ProvisionedCapacity `yaml:"provisioned"`
}

// SheetPrice is one row: a model's price per 1 M tokens on one deployment
// type (and, for a tier with its own price such as priority, that tier).
type SheetPrice struct {
	Model string         `yaml:"model"`
	Type  DeploymentType `yaml:"type"`
	Tier  Basis          `yaml:"tier"`
	// Regions, when given, are the ARM region names (eastus2) whose calls
	// the row prices: regional prices differ from region to region.
	Regions []string `yaml:"regions"`
	// InputOnly: the model bills input tokens only (embeddings); the row has
	// no cached_input nor output price.
	InputOnly   bool `yaml:"input_only"`
	TokenPrices `yaml:",inline"`
	Read        string `yaml:"read"`
	Source      string `yaml:"source"`
}

// price of a row: an input-only row bills cached input as input, and marks
// the price so that a call with output tokens is not priced by it.
func (p SheetPrice) price() price {
	if p.InputOnly {
		return price{input: *p.Input, cached: *p.Input, inputOnly: true}
	}
	return p.TokenPrices.price()
}

// servesRegion says whether the row prices a call from region (an ARM name).
func (p SheetPrice) servesRegion(region string) bool {
	return len(p.Regions) == 0 || slices.Contains(p.Regions, region)
}

// TokenPrices are prices per 1 M tokens; all three must be given.
type TokenPrices struct {
	Input       *float64 `mapstructure:"input" yaml:"input"`
	CachedInput *float64 `mapstructure:"cached_input" yaml:"cached_input"`
	Output      *float64 `mapstructure:"output" yaml:"output"`
}

func (t TokenPrices) price() price {
	return price{input: *t.Input, cached: *t.CachedInput, output: *t.Output}
}

// Discount is the factor a basis multiplies the standard price by.
type Discount struct {
	Factor float64 `yaml:"factor"`
	Read   string  `yaml:"read"`
	Source string  `yaml:"source"`
}

// ProvisionedCapacity is what one PTU of a model serves: input tokens per
// minute, and how many input tokens one output token counts as.
type ProvisionedCapacity struct {
	Model          string  `yaml:"model"`
	InputTPMPerPTU float64 `yaml:"input_tpm_per_ptu"`
	OutputWeight   float64 `yaml:"output_weight"`
	Read           string  `yaml:"read"`
	Source         string  `yaml:"source"`
}

// LoadSheet reads the sheet at path, or the built-in one when path is empty.
func LoadSheet(path string) (*Sheet, error) {
	data := builtinSheet
	name := "built-in sheet"
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("price sheet: %w", err)
		}
		name = path
	}
	s, err := parseSheet(data)
	if err != nil {
		return nil, fmt.Errorf("price sheet %s: %w", name, err)
	}
	return s, nil
}

func parseSheet(data []byte) (*Sheet, error) {
	var s Sheet
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	return &s, s.validate()
}

// validate refuses a sheet that could price a call wrongly: a row without a
// source or date, a missing or negative price, an unknown type or tier.
func (s *Sheet) validate() error {
	if s.Currency == "" {
		return errors.New("currency is missing")
	}
	var errs []error
	for i, p := range s.Prices {
		where := fmt.Sprintf("prices[%d] (%s)", i, p.Model)
		if p.Model == "" {
			errs = append(errs, fmt.Errorf("%s: model is missing", where))
		}
		if !p.Type.valid() || p.Type == Provisioned {
			errs = append(errs, fmt.Errorf("%s: type %q is not one of %s", where, p.Type, tokenTypes))
		}
		if p.Tier != "" && p.Tier != BasisPriority && p.Tier != BasisFlex {
			errs = append(errs, fmt.Errorf("%s: tier %q is not priority or flex", where, p.Tier))
		}
		errs = append(errs, p.checkPrices(where))
		for _, r := range p.Regions {
			if r == "" || r != RegionName(r) {
				errs = append(errs, fmt.Errorf("%s: region %q is not an ARM region name such as eastus2", where, r))
			}
		}
		errs = append(errs, checkProvenance(where, p.Read, p.Source))
	}
	for basis, d := range s.Discounts {
		where := fmt.Sprintf("discounts.%s", basis)
		if basis != BasisBatch && basis != BasisFlex {
			errs = append(errs, fmt.Errorf("%s: only batch and flex have a discount", where))
		}
		if d.Factor <= 0 || d.Factor > 1 {
			errs = append(errs, fmt.Errorf("%s: factor %v is not in (0, 1]", where, d.Factor))
		}
		errs = append(errs, checkProvenance(where, d.Read, d.Source))
	}
	for i, c := range s.Provisioned {
		where := fmt.Sprintf("provisioned[%d] (%s)", i, c.Model)
		if c.Model == "" {
			errs = append(errs, fmt.Errorf("%s: model is missing", where))
		}
		if c.InputTPMPerPTU <= 0 || c.OutputWeight <= 0 {
			errs = append(errs, fmt.Errorf("%s: input_tpm_per_ptu and output_weight must be positive", where))
		}
		errs = append(errs, checkProvenance(where, c.Read, c.Source))
	}
	return errors.Join(errs...)
}

// checkPrices checks a row's prices: all three, or for an input-only row the
// input price alone.
func (p SheetPrice) checkPrices(where string) error {
	if !p.InputOnly {
		return p.check(where)
	}
	if p.CachedInput != nil || p.Output != nil {
		return fmt.Errorf("%s: an input_only row has no cached_input nor output", where)
	}
	return TokenPrices{Input: p.Input, CachedInput: p.Input, Output: p.Input}.check(where)
}

// check names each price that is missing or negative.
func (t TokenPrices) check(where string) error {
	var errs []error
	for _, p := range []struct {
		name string
		v    *float64
	}{{"input", t.Input}, {"cached_input", t.CachedInput}, {"output", t.Output}} {
		switch {
		case p.v == nil:
			errs = append(errs, fmt.Errorf("%s: %s is missing", where, p.name))
		case *p.v < 0:
			errs = append(errs, fmt.Errorf("%s: %s %v is negative", where, p.name, *p.v))
		}
	}
	return errors.Join(errs...)
}

func checkProvenance(where, read, source string) error {
	if read == "" || source == "" {
		return fmt.Errorf("%s: every row needs read (the date its source was read) and source", where)
	}
	return nil
}
