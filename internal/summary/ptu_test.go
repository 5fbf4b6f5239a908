package summary

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestPTUCostPerCallerByHour: the shares and costs are worked out by hand.
// gpt-41-ptu has 100 PTUs at 1.0 an hour: 100.0 an hour, 6 000 PTU-minutes.
func TestPTUCostPerCallerByHour(t *testing.T) {
	td := tracesOf(
		// 09:00-10:00: sub-a 20 + 10 = 30 PTU-minutes, sub-b 10; 40 in all.
		// sub-a 30 / 40 = 75 % → 75.00; sub-b 10 / 40 = 25 % → 25.00;
		// utilization 40 / 6 000 = 0.7 %.
		spanSpec{caller: "sub-a", deployment: "gpt-41-ptu", source: "response", in: 1, out: 1, units: 20},
		spanSpec{caller: "sub-a", deployment: "gpt-41-ptu", source: "response", in: 1, out: 1, units: 10, start: 30 * time.Minute},
		spanSpec{caller: "sub-b", deployment: "gpt-41-ptu", source: "response", in: 1, out: 1, units: 10, start: 59 * time.Minute},
		// 10:00-11:00: sub-b alone, 6 PTU-minutes: 100 % → 100.00; 6 / 6 000 = 0.1 %.
		spanSpec{caller: "sub-b", deployment: "gpt-41-ptu", source: "response", in: 1, out: 1, units: 6, start: 70 * time.Minute},
		// A deployment whose size was not given: shares only.
		spanSpec{caller: "sub-c", deployment: "other-ptu", source: "response", in: 1, out: 1, units: 3},
		// A standard call has no units and is not in the table.
		spanSpec{caller: "sub-a", deployment: "gpt-4o", source: "response", in: 100, out: 10},
	)
	s := Summarize([]ptrace.Traces{td})
	name, d, err := ParsePTUDeployment("gpt-41-ptu=100:1.0")
	require.NoError(t, err)
	s.ChargePTU(map[string]PTUDeployment{name: d})

	var out strings.Builder
	require.NoError(t, s.Write(&out))
	text := out.String()
	for _, line := range []string{
		"PTU cost per caller, by hour",
		"  2026-11-20 09:00  gpt-41-ptu  sub-a       2    30.00   75.0%   75.00         0.7%",
		"  2026-11-20 09:00  gpt-41-ptu  sub-b       1    10.00   25.0%   25.00         0.7%",
		"  2026-11-20 09:00  other-ptu   sub-c       1     3.00  100.0%       -            -",
		"  2026-11-20 10:00  gpt-41-ptu  sub-b       1     6.00  100.0%  100.00         0.1%",
	} {
		assert.Contains(t, text, line)
	}

	h9, h10 := t0, t0.Add(time.Hour)
	want := []PTURow{
		{Hour: h9, Deployment: "gpt-41-ptu", Caller: "sub-a", Calls: 2, Units: 30, Share: 0.75, HourUnits: 40, Cost: 75, HasCost: true, Utilization: 40.0 / 6000},
		{Hour: h9, Deployment: "gpt-41-ptu", Caller: "sub-b", Calls: 1, Units: 10, Share: 0.25, HourUnits: 40, Cost: 25, HasCost: true, Utilization: 40.0 / 6000},
		{Hour: h9, Deployment: "other-ptu", Caller: "sub-c", Calls: 1, Units: 3, Share: 1, HourUnits: 3},
		{Hour: h10, Deployment: "gpt-41-ptu", Caller: "sub-b", Calls: 1, Units: 6, Share: 1, HourUnits: 6, Cost: 100, HasCost: true, Utilization: 6.0 / 6000},
	}
	require.Len(t, s.PTU, len(want))
	for i := range want {
		assert.InDelta(t, want[i].Utilization, s.PTU[i].Utilization, 1e-12)
		s.PTU[i].Utilization, want[i].Utilization = 0, 0
	}
	assert.Equal(t, want, s.PTU)
}

func TestParsePTUDeployment(t *testing.T) {
	name, d, err := ParsePTUDeployment("gpt-4o-ptu=50:2.5")
	require.NoError(t, err)
	assert.Equal(t, "gpt-4o-ptu", name)
	assert.Equal(t, PTUDeployment{PTU: 50, HourlyPricePerPTU: 2.5}, d)
	assert.InDelta(t, 125.0, d.HourlyCost(), 1e-12)
	for _, bad := range []string{"gpt-4o-ptu", "=50:1", "x=50", "x=0:1", "x=ten:1", "x=50:-1"} {
		_, _, err := ParsePTUDeployment(bad)
		assert.Error(t, err, bad)
	}
}
