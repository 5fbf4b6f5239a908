package summary // import "github.com/otelcol-aoai/otelcol-aoai/internal/summary"

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PTUDeployment is a provisioned deployment's size and the hourly price of
// one of its PTUs: what it costs an hour, used or not.
type PTUDeployment struct {
	PTU               float64
	HourlyPricePerPTU float64
}

// HourlyCost is what the deployment costs an hour.
func (d PTUDeployment) HourlyCost() float64 { return d.PTU * d.HourlyPricePerPTU }

// ParsePTUDeployment reads "name=PTUS:PRICE" (e.g. gpt-4o-ptu=100:1.0): the
// deployment, its PTUs and the hourly price of one PTU.
func ParsePTUDeployment(s string) (string, PTUDeployment, error) {
	name, size, ok := strings.Cut(s, "=")
	ptus, price, ok2 := strings.Cut(size, ":")
	if !ok || !ok2 || name == "" {
		return "", PTUDeployment{}, fmt.Errorf("%q: want deployment=PTUS:HOURLY_PRICE_PER_PTU, e.g. gpt-4o-ptu=100:1.0", s)
	}
	n, err := strconv.ParseFloat(ptus, 64)
	if err != nil || n <= 0 {
		return "", PTUDeployment{}, fmt.Errorf("%q: PTUs %q is not a positive number", s, ptus)
	}
	p, err := strconv.ParseFloat(price, 64)
	if err != nil || p < 0 {
		return "", PTUDeployment{}, fmt.Errorf("%q: hourly price %q is not a number of at least 0", s, price)
	}
	return name, PTUDeployment{PTU: n, HourlyPricePerPTU: p}, nil
}

// PTURow is one caller's use of one provisioned deployment in one hour.
type PTURow struct {
	Hour               time.Time // the UTC hour the calls started in
	Deployment, Caller string
	Calls              int
	// Units are the PTU-minutes the caller's calls took
	// (azure.openai.provisioned.units).
	Units float64
	// Share is Units over HourUnits, every caller's units on the deployment
	// that hour.
	Share, HourUnits float64
	// Cost is Share of the deployment's hourly cost; HasCost is false when
	// the deployment's size and price were not given.
	Cost    float64
	HasCost bool
	// Utilization is every caller's units that hour over what the
	// deployment offers (PTUs × 60 PTU-minutes); zero without its size.
	Utilization float64
}

// ptuShares adds the provisioned calls up by hour, deployment and caller.
func ptuShares(calls []Call) []PTURow {
	type key struct {
		hour               time.Time
		deployment, caller string
	}
	rows := map[key]*PTURow{}
	totals := map[key]float64{} // by hour and deployment
	for _, c := range calls {
		if !c.HasUnits {
			continue
		}
		hour := c.Start.UTC().Truncate(time.Hour)
		k := key{hour, c.Deployment, c.Caller}
		r := rows[k]
		if r == nil {
			r = &PTURow{Hour: hour, Deployment: c.Deployment, Caller: c.Caller}
			rows[k] = r
		}
		r.Calls++
		r.Units += c.ProvisionedUnits
		totals[key{hour: hour, deployment: c.Deployment}] += c.ProvisionedUnits
	}
	out := make([]PTURow, 0, len(rows))
	for _, r := range rows {
		r.HourUnits = totals[key{hour: r.Hour, deployment: r.Deployment}]
		if r.HourUnits > 0 {
			r.Share = r.Units / r.HourUnits
		}
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b PTURow) int {
		return cmp.Or(a.Hour.Compare(b.Hour), cmp.Compare(a.Deployment, b.Deployment),
			cmp.Compare(b.Units, a.Units), cmp.Compare(a.Caller, b.Caller))
	})
	return out
}

// ChargePTU splits each hour's cost of the given deployments across their
// callers by their share of the units.
func (s *Summary) ChargePTU(deployments map[string]PTUDeployment) {
	for i := range s.PTU {
		r := &s.PTU[i]
		d, ok := deployments[r.Deployment]
		if !ok {
			continue
		}
		r.Cost, r.HasCost = r.Share*d.HourlyCost(), true
		r.Utilization = r.HourUnits / (d.PTU * 60)
	}
}
