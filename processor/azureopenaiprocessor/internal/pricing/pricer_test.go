package pricing

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ptr(v float64) *float64 { return &v }

// testConfig names the deployments the cases below are served by.
func testConfig() Config {
	return Config{
		Enabled: true,
		Prices: []PriceOverride{
			{Deployment: "gpt-4o-prod", TokenPrices: TokenPrices{Input: ptr(2.0), CachedInput: ptr(1.0), Output: ptr(8.0)}},
			{Model: "gpt-4.1", Tier: BasisPriority, TokenPrices: TokenPrices{Input: ptr(3.5), CachedInput: ptr(0.875), Output: ptr(14.0)}},
		},
		Deployments: map[string]Deployment{
			"batch-4o-mini": {Type: Batch},
			"gpt-41-ptu":    {Type: Provisioned, PTU: 100, HourlyPricePerPTU: 1.0},
			"gpt-5-ptu":     {Type: Provisioned, PTU: 15},
			"eu-4o":         {Type: DataZoneStandard},
			"us-41-mini":    {Type: RegionalStandard},
			"gpt-4o-ptu":    {Type: Provisioned, PTU: 50},
		},
	}
}

// The expected amounts are worked out by hand from the rows of sheet.yaml
// (USD per 1 M tokens), never by the code under test.
func TestPriceByHand(t *testing.T) {
	p, err := NewPricer(testConfig())
	require.NoError(t, err)
	tests := []struct {
		name  string
		call  Call
		want  Result
		units float64
	}{{
		// gpt-4o row: input 2.50, output 10.00.
		// 1 000 × 2.50 + 500 × 10.00 = 2 500 + 5 000 = 7 500 / 1 M = 0.0075
		name: "standard, dated snapshot priced by its family",
		call: Call{Model: "gpt-4o-2024-11-20", Deployment: "chat", HasUsage: true, Input: 1000, Output: 500},
		want: Result{HasCost: true, Amount: 0.0075, Currency: "USD", Basis: BasisStandard},
	}, {
		// gpt-4.1 row: input 2.00, cached 0.50, output 8.00.
		// (10 000 − 8 000) × 2.00 + 8 000 × 0.50 + 1 000 × 8.00 = 4 000 + 4 000 + 8 000 = 16 000 / 1 M = 0.016
		name: "cached input",
		call: Call{Model: "gpt-4.1", Deployment: "chat", HasUsage: true, Input: 10000, Cached: 8000, Output: 1000},
		want: Result{HasCost: true, Amount: 0.016, Currency: "USD", Basis: BasisStandard},
	}, {
		// gpt-5.4 row: input 2.50, output 15.00; the 1 000 reasoning tokens
		// are inside the 1 200 output tokens.
		// 200 × 2.50 + 1 200 × 15.00 = 500 + 18 000 = 18 500 / 1 M = 0.0185
		name: "reasoning tokens are output",
		call: Call{Model: "gpt-5.4", Deployment: "gpt-5.4", HasUsage: true, Input: 200, Output: 1200},
		want: Result{HasCost: true, Amount: 0.0185, Currency: "USD", Basis: BasisStandard},
	}, {
		// gpt-4o-mini row: input 0.15, output 0.60; batch discount 0.5.
		// (100 000 × 0.15 + 20 000 × 0.60) × 0.5 = (15 000 + 12 000) × 0.5 = 13 500 / 1 M = 0.0135
		name: "batch deployment",
		call: Call{Model: "gpt-4o-mini-2024-07-18", Deployment: "batch-4o-mini", HasUsage: true, Input: 100000, Output: 20000},
		want: Result{HasCost: true, Amount: 0.0135, Currency: "USD", Basis: BasisBatch},
	}, {
		// gpt-4.1-mini row: input 0.40, cached 0.10, output 1.60; flex discount 0.5.
		// (40 000 × 0.40 + 10 000 × 0.10 + 5 000 × 1.60) × 0.5 = (16 000 + 1 000 + 8 000) × 0.5 = 12 500 / 1 M = 0.0125
		name: "flex tier",
		call: Call{Model: "gpt-4.1-mini-2025-04-14", Deployment: "mini", ServiceTier: "flex", HasUsage: true, Input: 50000, Cached: 10000, Output: 5000},
		want: Result{HasCost: true, Amount: 0.0125, Currency: "USD", Basis: BasisFlex},
	}, {
		// Served by the standard deployment the provisioned one spilled to:
		// gpt-4.1 row, 3 000 × 2.00 + 600 × 8.00 = 6 000 + 4 800 = 10 800 / 1 M = 0.0108
		name: "spillover at the standard price",
		call: Call{Model: "gpt-4.1-2025-04-14", Deployment: "gpt-41-paygo", SpilledOver: true, HasUsage: true, Input: 3000, Output: 600},
		want: Result{HasCost: true, Amount: 0.0108, Currency: "USD", Basis: BasisSpillover},
	}, {
		// gpt-4.1 capacity: 3 000 input TPM per PTU, output weight 4; cached
		// input deducted. (6 000 − 1 500) + 750 × 4 = 4 500 + 3 000 = 7 500
		// input-equivalent tokens / 3 000 = 2.5 PTU-minutes;
		// × 1.0 per PTU-hour / 60 = 0.041666…
		name: "provisioned",
		call: Call{Model: "gpt-4.1", Deployment: "gpt-41-ptu", HasUsage: true, Input: 6000, Cached: 1500, Output: 750},
		want: Result{HasCost: true, Amount: 2.5 / 60, Currency: "USD", Basis: BasisProvisioned, HasUnits: true, Units: 2.5},
	}, {
		// gpt-5 capacity: 4 750 input TPM per PTU, output weight 8.
		// 3 750 + 125 × 8 = 4 750 / 4 750 = 1 PTU-minute; no hourly price: no cost.
		name: "provisioned without an hourly price",
		call: Call{Model: "gpt-5-2025-08-07", Deployment: "gpt-5-ptu", HasUsage: true, Input: 3750, Output: 125},
		want: Result{HasUnits: true, Units: 1},
	}, {
		// The operator's price for the deployment wins over the gpt-4o row:
		// (2 000 − 1 000) × 2.0 + 1 000 × 1.0 + 100 × 8.0 = 2 000 + 1 000 + 800 = 3 800 / 1 M = 0.0038
		name: "operator price",
		call: Call{Model: "gpt-4o", Deployment: "gpt-4o-prod", HasUsage: true, Input: 2000, Cached: 1000, Output: 100},
		want: Result{HasCost: true, Amount: 0.0038, Currency: "USD", Basis: BasisStandard},
	}, {
		// The operator's priority price for gpt-4.1: 1 000 × 3.5 + 100 × 14.0 = 3 500 + 1 400 = 4 900 / 1 M = 0.0049
		name: "priority with an operator price",
		call: Call{Model: "gpt-4.1", Deployment: "chat", ServiceTier: "priority", HasUsage: true, Input: 1000, Output: 100},
		want: Result{HasCost: true, Amount: 0.0049, Currency: "USD", Basis: BasisPriority},
	}, {
		name: "priority without a price",
		call: Call{Model: "gpt-4o", Deployment: "chat", ServiceTier: "priority", HasUsage: true, Input: 1000, Output: 100},
		want: Result{Unpriced: NoPrice},
	}, {
		// gpt-4o data zone row (Retail Prices API, 'gpt 4o 1120 ... Data Zone'
		// meters): input 0.00275/1K = 2.75, cached 0.001375/1K = 1.375,
		// output 0.011/1K = 11.00 per 1 M.
		// (10 000 − 4 000) × 2.75 + 4 000 × 1.375 + 2 000 × 11.00
		// = 16 500 + 5 500 + 22 000 = 44 000 / 1 M = 0.044
		name: "data zone deployment",
		call: Call{Model: "gpt-4o-2024-11-20", Deployment: "eu-4o", HasUsage: true, Input: 10000, Cached: 4000, Output: 2000},
		want: Result{HasCost: true, Amount: 0.044, Currency: "USD", Basis: BasisStandard},
	}, {
		// text-embedding-3-small global row: 0.00002/1K = 0.02 per 1 M, input only.
		// 250 000 × 0.02 = 5 000 / 1 M = 0.005
		name: "embeddings: input tokens only",
		call: Call{Model: "text-embedding-3-small", Deployment: "embed", HasUsage: true, Input: 250000},
		want: Result{HasCost: true, Amount: 0.005, Currency: "USD", Basis: BasisStandard},
	}, {
		name: "embeddings row does not price output tokens",
		call: Call{Model: "text-embedding-3-large", Deployment: "embed", HasUsage: true, Input: 1000, Output: 10},
		want: Result{Unpriced: NoPrice},
	}, {
		// gpt-4.1-mini regional row for swedencentral: 0.000484/1K = 0.484,
		// cached 0.000121/1K = 0.121, output 0.001936/1K = 1.936 per 1 M.
		// (5 000 − 1 000) × 0.484 + 1 000 × 0.121 + 500 × 1.936
		// = 1 936 + 121 + 968 = 3 025 / 1 M = 0.003025
		name: "regional deployment priced for its region",
		call: Call{Model: "gpt-4.1-mini-2025-04-14", Deployment: "us-41-mini", Region: "Sweden Central", HasUsage: true, Input: 5000, Cached: 1000, Output: 500},
		want: Result{HasCost: true, Amount: 0.003025, Currency: "USD", Basis: BasisStandard},
	}, {
		// The same call in East US 2: 0.44, 0.11, 1.76 per 1 M.
		// 4 000 × 0.44 + 1 000 × 0.11 + 500 × 1.76 = 1 760 + 110 + 880 = 2 750 / 1 M = 0.00275
		name: "regional deployment, another region",
		call: Call{Model: "gpt-4.1-mini-2025-04-14", Deployment: "us-41-mini", Region: "East US 2", HasUsage: true, Input: 5000, Cached: 1000, Output: 500},
		want: Result{HasCost: true, Amount: 0.00275, Currency: "USD", Basis: BasisStandard},
	}, {
		name: "regional deployment without a region",
		call: Call{Model: "gpt-4.1-mini", Deployment: "us-41-mini", HasUsage: true, Input: 5000, Output: 500},
		want: Result{Unpriced: NoPrice},
	}, {
		// gpt-4o capacity (Learn, previous models): 2 500 input TPM per PTU,
		// output weight 4. (3 000 − 500) + 500 × 4 = 2 500 + 2 000 = 4 500
		// / 2 500 = 1.8 PTU-minutes; no hourly price, no cost.
		name: "provisioned gpt-4o",
		call: Call{Model: "gpt-4o-2024-08-06", Deployment: "gpt-4o-ptu", HasUsage: true, Input: 3000, Cached: 500, Output: 500},
		want: Result{HasUnits: true, Units: 1.8},
	}, {
		name: "unknown model",
		call: Call{Model: "gpt-7-turbo", Deployment: "chat", HasUsage: true, Input: 1000, Output: 100},
		want: Result{Unpriced: UnknownModel},
	}, {
		name: "no response model",
		call: Call{Deployment: "chat", HasUsage: true, Input: 1000, Output: 100},
		want: Result{Unpriced: UnknownModel},
	}, {
		name: "provisioned model without a capacity row",
		call: Call{Model: "gpt-4o-audio-preview", Deployment: "gpt-41-ptu", HasUsage: true, Input: 1000, Output: 100},
		want: Result{Unpriced: UnknownModel},
	}, {
		name: "no usage, nothing priced nor counted",
		call: Call{Model: "gpt-4o", Deployment: "chat"},
		want: Result{},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Price(tt.call)
			assert.InDelta(t, tt.want.Amount, got.Amount, 1e-12)
			assert.InDelta(t, tt.want.Units, got.Units, 1e-12)
			got.Amount, got.Units, tt.want.Amount, tt.want.Units = 0, 0, 0, 0
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFamily(t *testing.T) {
	for in, want := range map[string]string{
		"gpt-4o-2024-11-20":       "gpt-4o",
		"gpt-4.1-mini-2025-04-14": "gpt-4.1-mini",
		"gpt-4o":                  "gpt-4o",
		"o3-mini":                 "o3-mini",
		"gpt-4o-2024-1x-20":       "gpt-4o-2024-1x-20",
		"2024-11-20":              "2024-11-20",
	} {
		assert.Equal(t, want, Family(in), in)
	}
}

func TestBuiltinSheetHasSourcesAndDates(t *testing.T) {
	s, err := LoadSheet("")
	require.NoError(t, err)
	assert.Equal(t, "USD", s.Currency)
	assert.NotEmpty(t, s.Prices)
	assert.NotEmpty(t, s.Provisioned)
}

func TestSheetErrorsNameTheRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sheet.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`currency: EUR
prices:
  - model: gpt-4o
    type: global_standard
    input: 2.3
    output: 9.2
    read: "2026-12-01"
    source: contract 42
  - model: gpt-4o-mini
    type: ptu
    input: 0.1
    cached_input: 0.05
    output: 0.5
  - model: text-embedding-3-small
    type: regional_standard
    regions: [East US 2]
    input_only: true
    input: 0.02
    output: 0
    read: "2026-12-01"
    source: contract 42
`), 0o600))
	_, err := LoadSheet(path)
	require.Error(t, err)
	assert.ErrorContains(t, err, "prices[0] (gpt-4o): cached_input is missing")
	assert.ErrorContains(t, err, `prices[1] (gpt-4o-mini): type "ptu" is not one of`)
	assert.ErrorContains(t, err, "prices[1] (gpt-4o-mini): every row needs read")
	assert.ErrorContains(t, err, "prices[2] (text-embedding-3-small): an input_only row has no cached_input nor output")
	assert.ErrorContains(t, err, `prices[2] (text-embedding-3-small): region "East US 2" is not an ARM region name`)

	_, err = LoadSheet(filepath.Join(t.TempDir(), "missing.yaml"))
	assert.ErrorContains(t, err, "price sheet")
}

func TestConfigValidate(t *testing.T) {
	assert.NoError(t, (&Config{}).Validate(), "off: nothing checked")
	cfg := testConfig()
	require.NoError(t, cfg.Validate())

	cfg.Currency = "EUR"
	assert.ErrorContains(t, cfg.Validate(), "pricing.currency EUR is not the sheet's currency USD")

	cfg = testConfig()
	cfg.Prices = append(cfg.Prices, PriceOverride{TokenPrices: TokenPrices{Input: ptr(1), CachedInput: ptr(1), Output: ptr(-1)}})
	cfg.Deployments["odd"] = Deployment{Type: "premium"}
	cfg.Deployments["paygo"] = Deployment{Type: GlobalStandard, PTU: 10}
	err := cfg.Validate()
	assert.ErrorContains(t, err, "pricing.prices[2]: give a deployment, a model or both")
	assert.ErrorContains(t, err, "pricing.prices[2]: output -1 is negative")
	assert.ErrorContains(t, err, `pricing.deployments.odd: type "premium" is not one of`)
	assert.ErrorContains(t, err, "pricing.deployments.paygo: ptu and hourly_price_per_ptu are for type provisioned")
}

// BenchmarkPrice: what pricing adds to the lift of one call (a dated
// snapshot found by its family, cached input).
func BenchmarkPrice(b *testing.B) {
	p, err := NewPricer(testConfig())
	require.NoError(b, err)
	call := Call{Model: "gpt-4.1-mini-2025-04-14", Deployment: "chat", HasUsage: true, Input: 16, Cached: 5, Output: 19}
	b.ReportAllocs()
	for b.Loop() {
		if !p.Price(call).HasCost {
			b.Fatal("not priced")
		}
	}
}
