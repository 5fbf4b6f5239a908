package pricing // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/pricing"

import (
	"slices"
	"strings"
)

// perMillion: sheet prices are per 1 M tokens.
const perMillion = 1_000_000

// Call is what pricing needs to know of one model call.
type Call struct {
	// Model is the response model (gen_ai.response.model): a dated snapshot
	// such as gpt-4o-2024-11-20 or a family such as gpt-4o.
	Model string
	// Deployment is azure.openai.deployment: the deployment that served.
	Deployment string
	// ServiceTier is the tier the response (else the request) named.
	ServiceTier string
	// Region is azure.openai.region (x-ms-region: "East US 2" or eastus2);
	// only regional prices depend on it.
	Region string
	// SpilledOver: a provisioned deployment passed the call to Deployment.
	SpilledOver bool
	// HasUsage is false when no token count is known: nothing is priced.
	HasUsage              bool
	Input, Cached, Output int64
}

// Unpriced says why a call with usage got no cost.
type Unpriced string

const (
	// UnknownModel: no sheet row and no operator price names the model (or
	// the call has no response model), or a provisioned call's model has no
	// capacity row.
	UnknownModel Unpriced = "unknown_model"
	// NoPrice: the model is known but nothing prices this deployment type or
	// tier (a data-zone deployment, the priority tier without a price row).
	NoPrice Unpriced = "no_price"
)

// Result is what pricing found for one call.
type Result struct {
	// HasCost: Amount (in Currency) and Basis are set.
	HasCost  bool
	Amount   float64
	Currency string
	Basis    Basis
	// HasUnits: Units, the call's PTU-minutes, is set (provisioned calls).
	HasUnits bool
	Units    float64
	// Unpriced is why a call with usage got no cost; empty otherwise.
	Unpriced Unpriced
}

// price is a price per 1 M tokens. An inputOnly price (embeddings) does not
// price a call with output tokens.
type price struct {
	input, cached, output float64
	inputOnly             bool
}

// Pricer prices calls. It is read-only after NewPricer, so any number of
// goroutines may use it.
type Pricer struct {
	currency    string
	overrides   []PriceOverride
	deployments map[string]Deployment
	sheet       *Sheet
	// known holds every model and family a price or capacity row names.
	known map[string]bool
}

// NewPricer builds the pricer of a valid cfg.
func NewPricer(cfg Config) (*Pricer, error) {
	sheet, err := LoadSheet(cfg.Sheet)
	if err != nil {
		return nil, err
	}
	p := &Pricer{currency: sheet.Currency, overrides: slices.Clone(cfg.Prices), deployments: cfg.Deployments, sheet: sheet, known: map[string]bool{}}
	for i := range p.overrides {
		p.overrides[i].Model = strings.ToLower(p.overrides[i].Model)
	}
	for i := range sheet.Prices {
		sheet.Prices[i].Model = strings.ToLower(sheet.Prices[i].Model)
		p.known[sheet.Prices[i].Model] = true
	}
	for i := range sheet.Provisioned {
		sheet.Provisioned[i].Model = strings.ToLower(sheet.Provisioned[i].Model)
		p.known[sheet.Provisioned[i].Model] = true
	}
	for _, o := range p.overrides {
		if o.Model != "" {
			p.known[o.Model] = true
		}
	}
	return p, nil
}

// Price prices one call. A call without usage gets nothing; one the pricer
// cannot price gets Unpriced and no cost, never a guess.
func (p *Pricer) Price(c Call) Result {
	if !c.HasUsage {
		return Result{}
	}
	model := strings.ToLower(c.Model)
	family := Family(model)
	dep, configured := p.deployments[c.Deployment]
	if !configured || dep.Type == "" {
		// The default assumption: a global standard deployment.
		dep.Type = GlobalStandard
	}
	uncached := max(c.Input-min(c.Cached, c.Input), 0)
	cached := c.Input - uncached

	basis := tierBasis(c.ServiceTier)
	switch {
	case c.SpilledOver:
		basis = BasisSpillover
		if dep.Type == Provisioned {
			// The deployment that served a spilled call is a standard one;
			// one the operator marked provisioned is priced as global.
			dep.Type = GlobalStandard
		}
	case dep.Type == Provisioned:
		return p.provisioned(model, family, dep, uncached, c.Output)
	case dep.Type == Batch:
		basis = BasisBatch
	}

	pr, found := p.tokenPrice(c.Deployment, model, family, RegionName(c.Region), dep.Type, basis)
	if !found || (pr.inputOnly && c.Output > 0) {
		return Result{Unpriced: p.reason(model, family)}
	}
	amount := (float64(uncached)*pr.input + float64(cached)*pr.cached + float64(c.Output)*pr.output) / perMillion
	return Result{HasCost: true, Amount: amount, Currency: p.currency, Basis: basis}
}

// provisioned measures a provisioned call in PTU-minutes: its input
// equivalent tokens (cached input deducted, output weighted) over the input
// tokens one PTU serves per minute. Its cost is those PTU-minutes at the
// hourly PTU price, when the operator gave one.
func (p *Pricer) provisioned(model, family string, dep Deployment, uncached, output int64) Result {
	capacity, found := p.capacity(model, family)
	if !found {
		return Result{Unpriced: UnknownModel}
	}
	equivalent := float64(uncached) + float64(output)*capacity.OutputWeight
	r := Result{HasUnits: true, Units: equivalent / capacity.InputTPMPerPTU}
	if dep.HourlyPricePerPTU > 0 {
		r.HasCost, r.Amount, r.Currency, r.Basis = true, r.Units*dep.HourlyPricePerPTU/60, p.currency, BasisProvisioned
	}
	return r
}

// tokenPrice finds the price of a call. Flex and priority calls take a
// price for their tier (the operator's, else the sheet's) when there is one;
// a batch deployment takes the sheet's batch row when there is one. Else the
// standard price (the operator's first match, else the sheet's row for the
// model, exact name before family, and deployment type) is used, with the
// sheet's discount for batch and flex. Priority has no discount to fall back
// on: without a price of its own it is not priced.
func (p *Pricer) tokenPrice(deployment, model, family, region string, typ DeploymentType, basis Basis) (price, bool) {
	switch basis {
	case BasisFlex, BasisPriority:
		if pr, ok := p.override(deployment, model, family, basis); ok {
			return pr, true
		}
		if pr, ok := p.sheetPrice(model, family, region, typ, basis); ok || basis == BasisPriority {
			return pr, ok
		}
	case BasisBatch:
		if pr, ok := p.sheetPrice(model, family, region, Batch, ""); ok {
			return pr, true
		}
		typ = GlobalStandard
	}
	pr, found := p.override(deployment, model, family, "")
	if !found {
		pr, found = p.sheetPrice(model, family, region, typ, "")
	}
	if !found {
		return price{}, false
	}
	if basis != BasisBatch && basis != BasisFlex {
		return pr, true
	}
	discount, ok := p.sheet.Discounts[basis]
	if !ok {
		return price{}, false
	}
	f := discount.Factor
	return price{input: pr.input * f, cached: pr.cached * f, output: pr.output * f, inputOnly: pr.inputOnly}, true
}

func (p *Pricer) override(deployment, model, family string, tier Basis) (price, bool) {
	for _, o := range p.overrides {
		if o.Tier != tier || (o.Deployment != "" && o.Deployment != deployment) {
			continue
		}
		if o.Model != "" && o.Model != model && o.Model != family {
			continue
		}
		return o.price(), true
	}
	return price{}, false
}

func (p *Pricer) sheetPrice(model, family, region string, typ DeploymentType, tier Basis) (price, bool) {
	for _, name := range []string{model, family} {
		for _, r := range p.sheet.Prices {
			if r.Model == name && r.Type == typ && r.Tier == tier && r.servesRegion(region) {
				return r.price(), true
			}
		}
	}
	return price{}, false
}

func (p *Pricer) capacity(model, family string) (ProvisionedCapacity, bool) {
	for _, name := range []string{model, family} {
		for _, c := range p.sheet.Provisioned {
			if c.Model == name {
				return c, true
			}
		}
	}
	return ProvisionedCapacity{}, false
}

// RegionName is the ARM name of an Azure region as x-ms-region spells it:
// "East US 2" is eastus2.
func RegionName(region string) string {
	return strings.ToLower(strings.ReplaceAll(region, " ", ""))
}

func (p *Pricer) reason(model, family string) Unpriced {
	if model != "" && (p.known[model] || p.known[family]) {
		return NoPrice
	}
	return UnknownModel
}
