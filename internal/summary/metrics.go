package summary // import "github.com/otelcol-aoai/otelcol-aoai/internal/summary"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// TokenMetric is the GenAI semantic-convention token histogram the
// signal_to_metrics connector makes from the spans.
const TokenMetric = "gen_ai.client.token.usage"

// TokenTotals is what the token histogram holds, summed over every data point.
type TokenTotals struct {
	Input, Output float64 // histogram sums by gen_ai.token.type
	Calls         uint64  // histogram counts of the input series: calls with an input count
	Points        int     // data points read
}

// SumTokenMetric adds up the token histogram of DELTA metrics as the
// connector emits them (each data point counts once). Cumulative data points
// would be counted again at every export, so they are refused: ok is false.
func SumTokenMetric(metrics []pmetric.Metrics) (totals TokenTotals, ok bool) {
	ok = true
	for _, md := range metrics {
		for _, rm := range md.ResourceMetrics().All() {
			for _, sm := range rm.ScopeMetrics().All() {
				for _, m := range sm.Metrics().All() {
					if m.Name() != TokenMetric || m.Type() != pmetric.MetricTypeHistogram {
						continue
					}
					if m.Histogram().AggregationTemporality() != pmetric.AggregationTemporalityDelta {
						ok = false
						continue
					}
					for _, dp := range m.Histogram().DataPoints().All() {
						totals.Points++
						switch tokenType(dp.Attributes()) {
						case "input":
							totals.Input += dp.Sum()
							totals.Calls += dp.Count()
						case "output":
							totals.Output += dp.Sum()
						}
					}
				}
			}
		}
	}
	return totals, ok
}

func tokenType(attrs pcommon.Map) string {
	if v, ok := attrs.Get("gen_ai.token.type"); ok {
		return v.Str()
	}
	return ""
}
