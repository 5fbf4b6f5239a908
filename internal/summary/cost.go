package summary // import "github.com/otelcol-aoai/otelcol-aoai/internal/summary"

import (
	"cmp"
	"maps"
	"slices"
	"strings"
)

// CostRow is what one caller's calls on one deployment cost, in one currency
// (azure.openai.cost.amount, written by the processor's pricing).
type CostRow struct {
	Caller, Deployment, Currency string
	// Basis lists how the calls were priced (standard, provisioned, ...),
	// comma-separated when they differ.
	Basis  string
	Calls  int
	Amount float64
}

// Unpriced counts the calls that had token usage and no cost, by model: the
// sheet has no price for the model, or pricing is off.
type Unpriced struct {
	Calls   int
	ByModel map[string]int // gen_ai.response.model, else Unknown
}

// costRows adds the priced calls up by caller, deployment and currency, and
// counts the calls with usage that carry no cost.
func costRows(calls []Call) ([]CostRow, Unpriced) {
	type key struct{ caller, deployment, currency string }
	rows := map[key]*CostRow{}
	bases := map[key]map[string]bool{}
	unpriced := Unpriced{ByModel: map[string]int{}}
	for _, c := range calls {
		if !c.HasCost {
			if c.HasUsage {
				unpriced.Calls++
				unpriced.ByModel[first(c.Model, Unknown)]++
			}
			continue
		}
		k := key{c.Caller, c.Deployment, c.Currency}
		r := rows[k]
		if r == nil {
			r = &CostRow{Caller: c.Caller, Deployment: c.Deployment, Currency: c.Currency}
			rows[k], bases[k] = r, map[string]bool{}
		}
		r.Calls++
		r.Amount += c.Cost
		bases[k][first(c.Basis, Unknown)] = true
	}
	out := make([]CostRow, 0, len(rows))
	for k, r := range rows {
		r.Basis = strings.Join(slices.Sorted(maps.Keys(bases[k])), ", ")
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b CostRow) int {
		return cmp.Or(cmp.Compare(boolInt(a.Caller == Unknown), boolInt(b.Caller == Unknown)),
			cmp.Compare(a.Caller, b.Caller), cmp.Compare(a.Deployment, b.Deployment), cmp.Compare(a.Currency, b.Currency))
	})
	return out, unpriced
}

// CostTotals adds the cost rows up per currency, in currency order.
func (s Summary) CostTotals() []CostRow {
	totals := map[string]*CostRow{}
	for _, r := range s.Costs {
		t := totals[r.Currency]
		if t == nil {
			t = &CostRow{Caller: "total", Currency: r.Currency}
			totals[r.Currency] = t
		}
		t.Calls += r.Calls
		t.Amount += r.Amount
	}
	out := make([]CostRow, 0, len(totals))
	for _, currency := range slices.Sorted(maps.Keys(totals)) {
		out = append(out, *totals[currency])
	}
	return out
}
