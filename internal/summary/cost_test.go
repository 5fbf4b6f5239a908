package summary

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestCostPerCallerAndDeployment: each call's amount is worked out by hand
// from the built-in sheet's rows (USD per 1 M tokens), as the processor would
// write it; the table must add them up per caller and deployment.
//
//	gpt-4o       input 2.50, cached input 1.25, output 10.00
//	gpt-4.1-mini input 0.40, cached input 0.10, output  1.60; batch: × 0.5
//	gpt-4.1      provisioned: 3 000 input tokens a minute per PTU, output weight 4
func TestCostPerCallerAndDeployment(t *testing.T) {
	td := tracesOf(
		// (600 × 2.50 + 400 × 1.25 + 200 × 10.00) / 1 M = (1 500 + 500 + 2 000) / 1 M = 0.004
		spanSpec{caller: "sub-a", deployment: "gpt-4o", model: "gpt-4o-2024-11-20", source: "response", in: 1000, cached: 400, out: 200, cost: 0.004, basis: "standard"},
		// (2 000 × 2.50 + 100 × 10.00) / 1 M = (5 000 + 1 000) / 1 M = 0.006; sub-a on gpt-4o: 0.010
		spanSpec{caller: "sub-a", deployment: "gpt-4o", model: "gpt-4o-2024-11-20", source: "stream", in: 2000, out: 100, cost: 0.006, basis: "standard"},
		// (10 000 × 0.40 + 5 000 × 1.60) / 1 M = (4 000 + 8 000) / 1 M = 0.012
		spanSpec{caller: "sub-a", deployment: "gpt-4.1-mini", model: "gpt-4.1-mini", source: "response", in: 10000, out: 5000, cost: 0.012, basis: "standard"},
		// batch: 1 000 000 × 0.40 × 0.5 / 1 M = 0.2
		spanSpec{caller: "sub-b", deployment: "gpt-4.1-mini", model: "gpt-4.1-mini", source: "response", in: 1000000, cost: 0.2, basis: "batch"},
		// (500 000 × 0.40 + 250 000 × 1.60) / 1 M = 0.2 + 0.4 = 0.6; sub-b on gpt-4.1-mini: 0.8
		spanSpec{caller: "sub-b", deployment: "gpt-4.1-mini", model: "gpt-4.1-mini", source: "response", in: 500000, out: 250000, cost: 0.6, basis: "standard"},
		// units (3 000 + 750 × 4) / 3 000 = 2 PTU-minutes; at 1.2 per PTU-hour: 2 × 1.2 / 60 = 0.04
		spanSpec{caller: "sub-b", deployment: "gpt-41-ptu", model: "gpt-4.1", source: "response", in: 3000, out: 750, units: 2, cost: 0.04, basis: "provisioned"},
		// No price for gpt-5-mini: usage, no cost.
		spanSpec{caller: "sub-b", deployment: "gpt-5-mini", model: "gpt-5-mini", source: "response", in: 10, out: 10},
		// A 429 has no usage: neither priced nor unpriced.
		spanSpec{caller: "sub-b", deployment: "o4-mini", noUsage: true, errorType: "429"},
	)
	s := Summarize([]ptrace.Traces{td})

	// Total: 0.010 + 0.012 + 0.8 + 0.04 = 0.862 over 6 calls.
	want := []CostRow{
		{Caller: "sub-a", Deployment: "gpt-4.1-mini", Currency: "USD", Basis: "standard", Calls: 1, Amount: 0.012},
		{Caller: "sub-a", Deployment: "gpt-4o", Currency: "USD", Basis: "standard", Calls: 2, Amount: 0.010},
		{Caller: "sub-b", Deployment: "gpt-4.1-mini", Currency: "USD", Basis: "batch, standard", Calls: 2, Amount: 0.8},
		{Caller: "sub-b", Deployment: "gpt-41-ptu", Currency: "USD", Basis: "provisioned", Calls: 1, Amount: 0.04},
	}
	got := slices.Clone(s.Costs)
	require.Len(t, got, len(want))
	for i := range want {
		assert.InDelta(t, want[i].Amount, got[i].Amount, 1e-12, "%s %s", want[i].Caller, want[i].Deployment)
		got[i].Amount, want[i].Amount = 0, 0
	}
	assert.Equal(t, want, got)
	totals := s.CostTotals()
	require.Len(t, totals, 1)
	assert.Equal(t, 6, totals[0].Calls)
	assert.InDelta(t, 0.862, totals[0].Amount, 1e-12)
	assert.Equal(t, Unpriced{Calls: 1, ByModel: map[string]int{"gpt-5-mini": 1}}, s.Unpriced)

	var out strings.Builder
	require.NoError(t, s.Write(&out))
	text := out.String()
	for _, line := range []string{
		"Cost per caller and deployment",
		"  sub-a   gpt-4.1-mini  standard             1  0.012000  USD",
		"  sub-a   gpt-4o        standard             2  0.010000  USD",
		"  sub-b   gpt-4.1-mini  batch, standard      2  0.800000  USD",
		"  sub-b   gpt-41-ptu    provisioned          1  0.040000  USD",
		"  total                                      6  0.862000  USD",
		"  not priced: 1 call with token usage and no price (gpt-5-mini 1)",
	} {
		assert.Contains(t, text, line)
	}
}

// TestNoCostTableWithoutPricing: spans without azure.openai.cost.amount (pricing
// off) print no cost table and no unpriced line.
func TestNoCostTableWithoutPricing(t *testing.T) {
	s := Summarize([]ptrace.Traces{tracesOf(spanSpec{caller: "sub-a", deployment: "gpt-4o", source: "response", in: 10, out: 1})})
	var out strings.Builder
	require.NoError(t, s.Write(&out))
	assert.Empty(t, s.Costs)
	assert.NotContains(t, out.String(), "Cost per caller")
	assert.NotContains(t, out.String(), "not priced")
}

// TestTinyCostIsNotPrintedAsZero: one embeddings call of 9 tokens at 0.02
// per 1 M costs 9 × 0.02 / 1 M = 0.00000018, below the table's millionth; it
// prints as 1.8e-07, not as 0.000000.
func TestTinyCostIsNotPrintedAsZero(t *testing.T) {
	s := Summarize([]ptrace.Traces{tracesOf(
		spanSpec{caller: "sub-a", deployment: "text-embedding-3-small", model: "text-embedding-3-small", source: "response", in: 9, cost: 0.00000018, basis: "standard"},
	)})
	var out strings.Builder
	require.NoError(t, s.Write(&out))
	assert.Contains(t, out.String(), "  sub-a   text-embedding-3-small  standard      1  1.8e-07  USD")
}
