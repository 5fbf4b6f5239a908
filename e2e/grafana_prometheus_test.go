//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/internal/replay"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/collector"
)

// Bucket boundaries of the example's duration histograms (signal_to_metrics).
var durationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}

// TestGrafanaDashboardOnPrometheus runs examples/grafana/config.yaml as
// shipped (addresses from its environment variables) into a real Prometheus,
// posts the sample records sparsely, as a quiet gateway sends them, and
// evaluates every PromQL query of examples/grafana/dashboard.json with the
// dashboard's variables set to All and the time range covering the run. The
// spans the example sends to "Tempo" are what the numbers must add up to.
func TestGrafanaDashboardOnPrometheus(t *testing.T) {
	prom := startPrometheus(t)
	tempo := newOTLPTraceSink(t)
	example, err := os.ReadFile(filepath.Join("..", "examples", "grafana", "config.yaml"))
	require.NoError(t, err)
	// The example prices calls (pricing.enabled) with its deployments: entry
	// commented out; the test marks the sample records' gpt-4.1-mini as
	// provisioned, as examples/local does, so the PTU panel has calls.
	config := strings.Replace(string(example), "      # deployments:\n",
		"      deployments:\n        "+provisionedDeployment+"\n", 1)
	require.NotEqual(t, string(example), config, "examples/grafana/config.yaml: the commented pricing deployments: line")

	receiverPort, healthPort := freePort(t), freePort(t)
	dir := t.TempDir()
	started := time.Now()
	p, err := collector.Start(context.Background(), collector.Spec{
		Binary: binary(t), Dir: dir, Config: config, HealthPort: healthPort,
		Env: []string{
			fmt.Sprintf("AI_GATEWAY_ENDPOINT=localhost:%d", receiverPort),
			fmt.Sprintf("HEALTH_CHECK_ENDPOINT=localhost:%d", healthPort),
			"TEMPO_OTLP_ENDPOINT=" + tempo.URL(),
			"PROMETHEUS_REMOTE_WRITE_URL=" + prom.RemoteWriteURL(),
		},
	})
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "collector.log"))
		t.Fatalf("%v\n%s", err, log)
	}
	c := &runningCollector{Process: p, Dir: dir}
	t.Cleanup(func() {
		if p.Running() {
			p.Kill()
		}
		if t.Failed() {
			t.Logf("collector output:\n%s", p.Output())
		}
	})

	// The thirteen records, then the first six again: one call every 1.5 s,
	// so most caller × deployment series see one call and a few see two.
	records, err := replay.LoadRecords(filepath.Join("..", "examples", "records"))
	require.NoError(t, err)
	require.Len(t, records, 13, "examples/records")
	const calls = 19
	sent, err := replay.Run(context.Background(), replay.Options{
		URL:     fmt.Sprintf("http://localhost:%d/v1/exchanges", receiverPort),
		Records: records, Count: calls, Rate: 1 / 1.5, MaxRetries: 5,
	})
	require.NoError(t, err)
	require.EqualValues(t, calls, sent.Accepted, "records accepted: %v (last error %q)", sent, sent.LastError)
	require.Eventually(t, func() bool {
		spans, _ := tempo.Spans()
		return len(spans) >= calls
	}, 60*time.Second, 200*time.Millisecond, "every span sent to Tempo")
	c.Stop(t) // a clean exit flushes the remote-write queue
	spans, errs := tempo.Spans()
	require.Empty(t, errs, "OTLP requests the test could not decode")
	require.Len(t, spans, calls, "one span per call")
	// Dropped points (delta_to_cumulative out of order, samples Prometheus refused) are logged.
	assert.NotRegexp(t, `\t(warn|error)\t`, p.Output(), "collector warnings or errors")

	// Grafana's time range: from before the first call to now.
	at := time.Now().Add(time.Second)
	rangeSeconds := int(math.Ceil(at.Sub(started).Seconds())) + 5
	want := expectedFromSpans(spans)
	t.Logf("%d calls over %ds: %.0f tokens", calls, rangeSeconds, want.totalTokens())

	q := readDashboard(t, filepath.Join("..", "examples", "grafana", "dashboard.json"))
	allValue := map[string]string{}
	for _, v := range q.Variables {
		require.NotEmpty(t, v.AllValue, "variable %s: no allValue", v.Name)
		allValue[v.Name] = v.AllValue
	}
	vars := strings.NewReplacer(
		"$__range", fmt.Sprintf("%ds", rangeSeconds),
		"$__rate_interval", fmt.Sprintf("%ds", rangeSeconds),
		"$__interval", fmt.Sprintf("%ds", rangeSeconds),
		"$caller", allValue["caller"], "$deployment", allValue["deployment"], "$region", allValue["region"],
	)
	evaluated := map[string]bool{}
	for _, target := range q.Targets {
		check, ok := dashboardChecks[target.Title]
		require.True(t, ok, "panel %q has no check in this test: say what its numbers must be", target.Title)
		expr := vars.Replace(target.Expr)
		require.NotContains(t, expr, "$", "a Grafana variable left in %s", expr)
		got := prom.Query(t, expr, at)
		t.Run(target.Title+"/"+target.RefID, func(t *testing.T) {
			check(t, target.RefID, got, want, float64(rangeSeconds))
		})
		evaluated[target.Title] = true
	}
	assert.Len(t, evaluated, len(dashboardChecks), "every checked panel is on the dashboard")

	t.Run("variables", func(t *testing.T) {
		for _, v := range q.Variables {
			refs, err := parsePromQL(v.Definition)
			require.NoError(t, err, "variable %s", v.Name)
			metric, label := refs.Metrics[0], refs.Labels[0]
			got := prom.LabelValues(t, metric, label, started, at)
			assert.ElementsMatch(t, want.labelValues(metric, label), got, "label_values(%s, %s)", metric, label)
		}
	})
}

// modelCall is what the metrics should count of one span.
type modelCall struct {
	caller, deployment, region, server, source, errorType string
	input, output                                         float64
	hasUsage, hasOutput, filtered, streamed, spilledOver  bool
	duration, firstChunk                                  float64
	remainingTokens, remainingRequests                    *float64
	limitTokens, limitRequests                            *float64
	cost, units                                           float64 // azure.openai.cost.amount, azure.openai.provisioned.units
	currency                                              string
}

type expectation struct{ calls []modelCall }

func expectedFromSpans(spans []ptrace.Span) expectation {
	var e expectation
	for _, s := range spans {
		a := s.Attributes()
		str := func(k string) string {
			v, ok := a.Get(k)
			if !ok {
				return ""
			}
			return v.AsString()
		}
		num := func(k string) (float64, bool) {
			v, ok := a.Get(k)
			switch {
			case !ok:
				return 0, false
			case v.Type() == pcommon.ValueTypeInt:
				return float64(v.Int()), true
			default:
				return v.Double(), v.Type() == pcommon.ValueTypeDouble
			}
		}
		ptr := func(k string) *float64 {
			if v, ok := num(k); ok {
				return &v
			}
			return nil
		}
		c := modelCall{
			caller: str("ai_gateway.caller.subscription_id"), deployment: str("azure.openai.deployment"),
			region: str("azure.openai.region"), server: str("server.address"),
			source: str("azure.openai.usage.source"), errorType: str("error.type"),
			duration:        s.EndTimestamp().AsTime().Sub(s.StartTimestamp().AsTime()).Seconds(),
			remainingTokens: ptr("azure.openai.ratelimit.remaining_tokens"), remainingRequests: ptr("azure.openai.ratelimit.remaining_requests"),
			limitTokens: ptr("azure.openai.ratelimit.limit_tokens"), limitRequests: ptr("azure.openai.ratelimit.limit_requests"),
		}
		c.input, c.hasUsage = num("gen_ai.usage.input_tokens")
		c.output, c.hasOutput = num("gen_ai.usage.output_tokens")
		c.firstChunk, c.streamed = num("gen_ai.response.time_to_first_chunk")
		c.cost, _ = num("azure.openai.cost.amount")
		c.units, _ = num("azure.openai.provisioned.units")
		c.currency = str("azure.openai.cost.currency")
		if v, ok := a.Get("azure.openai.content_filter.filtered"); ok {
			c.filtered = v.Bool()
		}
		if v, ok := a.Get("azure.openai.spilled_over"); ok {
			c.spilledOver = v.Bool()
		}
		e.calls = append(e.calls, c)
	}
	return e
}

func (e expectation) totalTokens() float64 {
	total := 0.0
	for _, c := range e.calls {
		total += c.input + c.output
	}
	return total
}

// sumBy adds value(call) per group(call) over the calls keep accepts.
func (e expectation) sumBy(keep func(modelCall) bool, group func(modelCall) string, value func(modelCall) float64) map[string]float64 {
	out := map[string]float64{}
	for _, c := range e.calls {
		if keep(c) {
			out[group(c)] += value(c)
		}
	}
	return out
}

// labelValues is what label_values lists: the non-empty values of the calls
// that write the metric.
func (e expectation) labelValues(metric, label string) []string {
	seen := map[string]bool{}
	for _, c := range e.calls {
		if metric == "gen_ai_client_token_usage_count" && !c.hasUsage {
			continue
		}
		v := map[string]string{
			"ai_gateway_caller_subscription_id": c.caller, "azure_openai_deployment": c.deployment, "azure_openai_region": c.region,
		}[label]
		if v != "" {
			seen[v] = true
		}
	}
	return sortedKeys(seen)
}

// promQLCheck compares one query's result with the calls.
type promQLCheck func(t *testing.T, refID string, got []promSample, want expectation, rangeSeconds float64)

func all(modelCall) bool     { return true }
func usage(c modelCall) bool { return c.hasUsage }
func one(modelCall) float64  { return 1 }
func tokens(c modelCall) float64 {
	return c.input + c.output
}
func byCallerDeployment(c modelCall) string { return c.caller + "|" + c.deployment }

// groupOf is the key of a sample in the same shape as the group functions.
func groupOf(s promSample, labels ...string) string {
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[i] = s.Labels[l]
	}
	return strings.Join(parts, "|")
}

// exactly: a range panel must show what the calls add up to, group by group.
func exactly(labels []string, keep func(modelCall) bool, group func(modelCall) string, value func(modelCall) float64) promQLCheck {
	return func(t *testing.T, _ string, got []promSample, want expectation, _ float64) {
		assertGroups(t, got, labels, want.sumBy(keep, group, value), 1e-9)
	}
}

// perSecond: a rate panel over the whole range must show the calls' totals
// divided by the range; Prometheus extrapolates a rate to the edges of its
// window, so the values may be off by a factor up to 2, but no group may be
// missing.
func perSecond(labels []string, keep func(modelCall) bool, group func(modelCall) string, value func(modelCall) float64) promQLCheck {
	return func(t *testing.T, _ string, got []promSample, want expectation, rangeSeconds float64) {
		scaled := make([]promSample, len(got))
		for i, s := range got {
			scaled[i] = promSample{Labels: s.Labels, Value: s.Value * rangeSeconds}
		}
		assertGroups(t, scaled, labels, want.sumBy(keep, group, value), 1)
	}
}

// ratio: a ratio of two rates per group (429s to calls, filtered calls to
// calls); groups without a counted call have no value.
func ratio(labels []string, group func(modelCall) string, counted func(modelCall) bool) promQLCheck {
	return func(t *testing.T, _ string, got []promSample, want expectation, _ float64) {
		num := want.sumBy(counted, group, one)
		den := want.sumBy(all, group, one)
		ratios := map[string]float64{}
		for k, n := range num {
			ratios[k] = n / den[k]
		}
		assertGroups(t, got, labels, ratios, 1)
	}
}

// assertGroups compares the samples, summed by labels, with want; tolerance is
// relative (1 allows a factor of 2 either way).
func assertGroups(t *testing.T, got []promSample, labels []string, want map[string]float64, tolerance float64) {
	t.Helper()
	have := map[string]float64{}
	for _, s := range got {
		have[groupOf(s, labels...)] += s.Value
	}
	assert.ElementsMatch(t, sortedKeys(want), sortedKeys(have), "groups (%s)", strings.Join(labels, ", "))
	var wantTotal, haveTotal float64
	for k, w := range want {
		wantTotal += w
		haveTotal += have[k]
		h, ok := have[k]
		if !ok {
			continue
		}
		if tolerance < 1 {
			assert.InDelta(t, w, h, tolerance*math.Max(1, w), "%s", k)
		} else {
			assert.True(t, h >= w/(1+tolerance) && h <= w*(1+tolerance), "%s: %g, want %g (within a factor %g)", k, h, w, 1+tolerance)
		}
	}
	t.Logf("%s: %g of %g", strings.Join(labels, ", "), haveTotal, wantTotal)
}

// quantileWithinBucket: histogram_quantile over the calls' values, by labels,
// must land in the bucket that holds the calls' own quantile. Over rates
// (rated), Prometheus extrapolates each series by its own factor, which can
// move the quantile to a neighbouring bucket: there it must lie between the
// buckets of the group's lowest and highest value.
func quantileWithinBucket(q float64, rated bool, labels []string, keep func(modelCall) bool, group func(modelCall) string, value func(modelCall) float64) promQLCheck {
	return func(t *testing.T, _ string, got []promSample, want expectation, _ float64) {
		values := map[string][]float64{}
		for _, c := range want.calls {
			if keep(c) {
				values[group(c)] = append(values[group(c)], value(c))
			}
		}
		have := map[string]float64{}
		for _, s := range got {
			have[groupOf(s, labels...)] = s.Value
		}
		assert.ElementsMatch(t, sortedKeys(values), sortedKeys(have), "groups (%s)", strings.Join(labels, ", "))
		for k, vs := range values {
			h, ok := have[k]
			if !ok {
				continue
			}
			lower, upper := quantileBucket(q, vs)
			if rated {
				lower, _ = bucketOf(slices.Min(vs))
				_, upper = bucketOf(slices.Max(vs))
			}
			assert.True(t, h >= lower && h <= upper, "%s: p%g %g, the calls' lies in (%g, %g]", k, q*100, h, lower, upper)
		}
	}
}

// quantileBucket is the bucket histogram_quantile interpolates in: the first
// whose cumulative count reaches q × count (the last finite bound when that is
// +Inf, as Prometheus answers).
func quantileBucket(q float64, values []float64) (lower, upper float64) {
	sorted := slices.Sorted(slices.Values(values))
	rank := q * float64(len(sorted))
	for i, bound := range durationBuckets {
		n := sort.SearchFloat64s(sorted, math.Nextafter(bound, math.Inf(1)))
		if float64(n) >= rank {
			if i > 0 {
				lower = durationBuckets[i-1]
			}
			return lower, bound
		}
	}
	last := durationBuckets[len(durationBuckets)-1]
	return last, last
}

// bucketOf is the bucket a value falls in (the last finite one past it).
func bucketOf(v float64) (lower, upper float64) {
	for i, bound := range durationBuckets {
		if v <= bound {
			if i > 0 {
				lower = durationBuckets[i-1]
			}
			return lower, bound
		}
	}
	last := durationBuckets[len(durationBuckets)-1]
	return last, last
}

// lastGauges are, per deployment and region, the last values of the gauge's
// series (one per server address) in the order the calls were sent, picked
// (the lowest or the highest) into one.
func (e expectation) lastGauges(value func(modelCall) *float64, pick func(a, b float64) float64) map[string]float64 {
	last := map[string]float64{} // per series
	group := map[string]string{}
	for _, c := range e.calls {
		if v := value(c); v != nil && c.deployment != "" {
			series := c.deployment + "|" + c.region + "|" + c.server
			last[series] = *v
			group[series] = c.deployment + "|" + c.region
		}
	}
	picked := map[string]float64{}
	for series, v := range last {
		if p, ok := picked[group[series]]; ok {
			v = pick(p, v)
		}
		picked[group[series]] = v
	}
	return picked
}

// lastGauge: the headroom panels show, per deployment and region, the lowest
// of the last values of the series.
func lastGauge(value func(modelCall) *float64) promQLCheck {
	return func(t *testing.T, _ string, got []promSample, want expectation, _ float64) {
		have := map[string]float64{}
		for _, s := range got {
			have[groupOf(s, "azure_openai_deployment", "azure_openai_region")] = s.Value
		}
		assert.Equal(t, want.lastGauges(value, math.Min), have)
	}
}

// utilization is 1 − remaining / limit of a call's rate-limit headers, nil
// where the gauge has no value: a header missing, no positive limit or a
// negative remaining count.
func utilization(remaining, limit func(modelCall) *float64) func(modelCall) *float64 {
	return func(c modelCall) *float64 {
		r, l := remaining(c), limit(c)
		if r == nil || l == nil || *l <= 0 || *r < 0 {
			return nil
		}
		u := 1 - *r / *l
		return &u
	}
}

// utilizationByHand is what the "Rate-limit utilisation" panel must show:
// per deployment and region (one server address each), the last call's
// 1 − x-ratelimit-remaining-* / x-ratelimit-limit-* of the 19 calls (the
// thirteen records, then 01-06 again). Record 11 has no response; record 10
// (Responses API) names no deployment header but its model, gpt-5-mini.
//
//	gpt-4o, Sweden Central, last 05:   tokens 1 − 447 420 / 450 000,   requests 1 − 4 484 / 4 500
//	gpt-4.1-mini, East US 2, last 06:  tokens 1 − 1 989 180 / 2 000 000, requests 1 − 9 988 / 10 000
//	text-embedding-3-small, Sweden, 07: tokens 1 − 349 991 / 350 000,  requests 1 − 2 999 / 3 000
//	gpt-5-mini, East US 2, 10:         tokens 1 − 1 989 000 / 2 000 000, requests 1 − 9 986 / 10 000
//	o4-mini, Sweden Central, 12:       tokens 1 − 446 010 / 450 000,   requests 1 − 4 480 / 4 500
var utilizationByHand = map[string]map[string]float64{
	"A": { // tokens
		"gpt-4o|Sweden Central":                 2580.0 / 450000,
		"gpt-4.1-mini|East US 2":                10820.0 / 2000000,
		"text-embedding-3-small|Sweden Central": 9.0 / 350000,
		"gpt-5-mini|East US 2":                  11000.0 / 2000000,
		"o4-mini|Sweden Central":                3990.0 / 450000,
	},
	"B": { // requests
		"gpt-4o|Sweden Central":                 16.0 / 4500,
		"gpt-4.1-mini|East US 2":                12.0 / 10000,
		"text-embedding-3-small|Sweden Central": 1.0 / 3000,
		"gpt-5-mini|East US 2":                  14.0 / 10000,
		"o4-mini|Sweden Central":                20.0 / 4500,
	},
}

var (
	byCaller     = func(c modelCall) string { return c.caller }
	byDeployment = func(c modelCall) string { return c.deployment }
	byRegion     = func(c modelCall) string { return c.region }
	bySource     = func(c modelCall) string { return c.source }
	duration     = func(c modelCall) float64 { return c.duration }
)

// dashboardChecks says, per panel title, what its numbers must be.
var dashboardChecks = map[string]promQLCheck{
	"Tokens per caller and deployment": func(t *testing.T, refID string, got []promSample, want expectation, r float64) {
		labels := []string{"ai_gateway_caller_subscription_id", "azure_openai_deployment"}
		// A: input tokens, B: output tokens (embeddings have none), C: calls.
		keep, value := usage, one
		switch refID {
		case "A":
			value = func(c modelCall) float64 { return c.input }
		case "B":
			keep, value = func(c modelCall) bool { return c.hasOutput }, func(c modelCall) float64 { return c.output }
		}
		exactly(labels, keep, byCallerDeployment, value)(t, refID, got, want, r)
	},
	"Token rate per caller": perSecond([]string{"ai_gateway_caller_subscription_id"}, usage, byCaller, tokens),
	"Tokens in range":       exactly(nil, usage, func(modelCall) string { return "" }, tokens),
	"Latency p50 / p95 per region": func(t *testing.T, refID string, got []promSample, want expectation, r float64) {
		q := map[string]float64{"A": 0.5, "B": 0.95}[refID]
		require.NotZero(t, q, "target %s", refID)
		quantileWithinBucket(q, true, []string{"azure_openai_region"}, all, byRegion, duration)(t, refID, got, want, r)
	},
	"Time to first chunk p95 per region (streams)": quantileWithinBucket(0.95, true, []string{"azure_openai_region"},
		func(c modelCall) bool { return c.streamed }, byRegion, func(c modelCall) float64 { return c.firstChunk }),
	"Latency p95 per deployment (range)":      quantileWithinBucket(0.95, false, []string{"azure_openai_deployment"}, all, byDeployment, duration),
	"Rate-limit headroom: remaining tokens":   lastGauge(func(c modelCall) *float64 { return c.remainingTokens }),
	"Rate-limit headroom: remaining requests": lastGauge(func(c modelCall) *float64 { return c.remainingRequests }),
	"Rate-limit utilisation": func(t *testing.T, refID string, got []promSample, want expectation, _ float64) {
		value := map[string]func(modelCall) *float64{
			"A": utilization(func(c modelCall) *float64 { return c.remainingTokens }, func(c modelCall) *float64 { return c.limitTokens }),
			"B": utilization(func(c modelCall) *float64 { return c.remainingRequests }, func(c modelCall) *float64 { return c.limitRequests }),
		}[refID]
		require.NotNil(t, value, "target %s", refID)
		spans := want.lastGauges(value, math.Max)
		assert.ElementsMatch(t, sortedKeys(utilizationByHand[refID]), sortedKeys(spans), "groups of the spans")
		for k, w := range utilizationByHand[refID] {
			assert.InDelta(t, w, spans[k], 1e-12, "spans: %s", k)
		}
		assertGroups(t, got, []string{"azure_openai_deployment", "azure_openai_region"}, utilizationByHand[refID], 1e-9)
	},
	"429 rate per deployment":            ratio([]string{"azure_openai_deployment"}, byDeployment, func(c modelCall) bool { return c.errorType == "429" }),
	"Content-filter rate per deployment": ratio([]string{"azure_openai_deployment"}, byDeployment, func(c modelCall) bool { return c.filtered }),
	// Record 12 is the one spilled call (o4-mini, Sweden Central, spilled over
	// from o4-mini-ptu), and o4-mini's only call: a share of 1.
	"Spillover share": func(t *testing.T, refID string, got []promSample, want expectation, r float64) {
		spilled := func(c modelCall) bool { return c.spilledOver }
		byDeploymentRegion := func(c modelCall) string { return c.deployment + "|" + c.region }
		assert.Equal(t, map[string]float64{"o4-mini|Sweden Central": 1}, want.sumBy(spilled, byDeploymentRegion, one), "spilled calls of the spans")
		ratio([]string{"azure_openai_deployment", "azure_openai_region"}, byDeploymentRegion, spilled)(t, refID, got, want, r)
	},
	"Content-filter hits by category and caller": exactly([]string{"error_type", "ai_gateway_caller_subscription_id"},
		func(c modelCall) bool { return c.filtered }, func(c modelCall) string { return c.errorType + "|" + c.caller }, one),
	"Cost per caller and deployment": byHand([]string{"ai_gateway_caller_subscription_id", "azure_openai_deployment", "azure_openai_cost_currency"},
		func(c modelCall) bool { return c.currency != "" }, func(c modelCall) string { return byCallerDeployment(c) + "|" + c.currency },
		func(c modelCall) float64 { return c.cost }, costByHand),
	"PTU split by caller": func(t *testing.T, refID string, got []promSample, want expectation, r float64) {
		labels := []string{"azure_openai_deployment", "ai_gateway_caller_subscription_id"}
		keep := func(c modelCall) bool { return c.units > 0 }
		group := func(c modelCall) string { return c.deployment + "|" + c.caller }
		switch refID {
		case "A": // PTU-minutes
			byHand(labels, keep, group, func(c modelCall) float64 { return c.units }, ptuMinutesByHand)(t, refID, got, want, r)
		case "B": // each caller's PTU-minutes over its deployment's: 1 762 / 2 244 and 482 / 2 244
			perDeployment := map[string]float64{}
			for k, v := range ptuMinutesByHand {
				deployment, _, _ := strings.Cut(k, "|")
				perDeployment[deployment] += v
			}
			shares := map[string]float64{}
			for k, v := range ptuMinutesByHand {
				deployment, _, _ := strings.Cut(k, "|")
				shares[k] = v / perDeployment[deployment]
			}
			assertGroups(t, got, labels, shares, 1e-9)
		default:
			t.Errorf("target %s has no check", refID)
		}
	},
	"Calls by usage source":  exactly([]string{"azure_openai_usage_source"}, usage, bySource, one),
	"Tokens by usage source": perSecond([]string{"azure_openai_usage_source"}, usage, bySource, tokens),
}

// provisionedDeployment is the pricing.deployments entry the test adds to the
// Grafana example: the sample records' gpt-4.1-mini as a provisioned
// deployment of 50 PTUs at 1.0 USD per PTU and hour (as in examples/local).
const provisionedDeployment = "gpt-4.1-mini: {type: provisioned, ptu: 50, hourly_price_per_ptu: 1.0}"

// costByHand is what the 19 calls (the thirteen sample records, then the
// first six again) cost, from the records' token counts and the built-in
// sheet (USD per 1 M tokens). Records 01-07, 10 and 13 are priced (12 o4-mini
// has no price; 08, 09 and 11 no usage); 01-06 are sent twice.
//
//	gpt-4o global standard (input 2.50, cached input 1.25, output 10.00), sub-team-search:
//	  01: 1 843 input of which 1 536 cached, 41 output: 307 × 2.50 + 1 536 × 1.25 + 41 × 10 = 3 097.5
//	  03: 96 input, 21 output:                                    96 × 2.50 + 21 × 10 =   450
//	  05: 214 input, 58 output:                                  214 × 2.50 + 58 × 10 = 1 115
//	  4 662.5 / 1 M = 0.0046625, twice: 0.009325
//	text-embedding-3-small global standard (input 0.02, input only), sub-team-search:
//	  07: 9 input: 9 × 0.02 = 0.18 / 1 M
//	gpt-5-mini global standard (input 0.25, output 2.00), sub-team-support:
//	  10: 58 input, 412 output (384 of them reasoning): 58 × 0.25 + 412 × 2.00 = 14.5 + 824 = 838.5 / 1 M
//	gpt-4.1-mini provisioned (14 900 input tokens a minute per PTU, output weight 4):
//	  sub-team-support:
//	    02: 312 input, 38 output: 312 + 4 × 38 = 464 input-token equivalents
//	    04: 30 input, 26 output (the tokenizer's estimate): 30 + 4 × 26 = 134
//	    06: 187 input, 24 output: 187 + 4 × 24 = 283
//	    881 / 14 900 PTU-minutes, twice: 1 762 / 14 900; at 1.0 per PTU-hour, / 60: 1 762 / 894 000
//	  sub-team-research:
//	    13: 1 250 input of which 1 024 cached, 64 output: 226 + 4 × 64 = 482
//	    482 / 14 900 PTU-minutes; / 60: 482 / 894 000
var costByHand = map[string]float64{
	"sub-team-search|gpt-4o|USD":                 2 * 4662.5 / 1e6,
	"sub-team-search|text-embedding-3-small|USD": 0.18 / 1e6,
	"sub-team-support|gpt-5-mini|USD":            838.5 / 1e6,
	"sub-team-support|gpt-4.1-mini|USD":          1762.0 / 894000,
	"sub-team-research|gpt-4.1-mini|USD":         482.0 / 894000,
}

// ptuMinutesByHand: the PTU-minutes of the gpt-4.1-mini calls above; the
// deployment's 2 244 / 14 900 PTU-minutes split 1 762 : 482 between its two
// callers.
var ptuMinutesByHand = map[string]float64{
	"gpt-4.1-mini|sub-team-support":  1762.0 / 14900,
	"gpt-4.1-mini|sub-team-research": 482.0 / 14900,
}

// byHand: a range panel must show the numbers worked out by hand, and the
// spans sent to Tempo must carry the same (what the processor priced).
func byHand(labels []string, keep func(modelCall) bool, group func(modelCall) string, value func(modelCall) float64, want map[string]float64) promQLCheck {
	return func(t *testing.T, _ string, got []promSample, calls expectation, _ float64) {
		spans := calls.sumBy(keep, group, value)
		assert.ElementsMatch(t, sortedKeys(want), sortedKeys(spans), "groups of the spans")
		for k, w := range want {
			assert.InDelta(t, w, spans[k], 1e-12, "spans: %s", k)
		}
		assertGroups(t, got, labels, want, 1e-9)
	}
}

// TestDashboardRangeQueriesAcrossCounterResets feeds a real Prometheus series
// shaped as the example writes them (a 0 first, each call 1 ms after the total
// before it) and evaluates the dashboard's "Tokens in range": exact for a
// series that began before the range and for one that began inside it, and
// for a series that delta_to_cumulative forgot (idle past max_stale) and began
// again, the two runs added up, off by at most the documented sixth.
func TestDashboardRangeQueriesAcrossCounterResets(t *testing.T) {
	prom := startPrometheus(t)
	q := readDashboard(t, filepath.Join("..", "examples", "grafana", "dashboard.json"))
	var expr string
	for _, target := range q.Targets {
		if target.Title == "Tokens in range" {
			expr = target.Expr
		}
	}
	require.NotEmpty(t, expr, `the dashboard's "Tokens in range" panel`)

	start := time.Now().Add(-2 * time.Minute).Truncate(time.Second)
	const rangeSeconds = 60
	end := start.Add(rangeSeconds * time.Second)
	// series is one caller's token sum: at each call (an offset from the
	// range's start) the total before it, 1 ms earlier, then the total after.
	type call = struct {
		at            time.Duration
		before, after float64
	}
	series := func(caller string, calls ...call) []remoteWriteSample {
		labels := map[string]string{
			"__name__": "gen_ai_client_token_usage_sum", "gen_ai_token_type": "input",
			"ai_gateway_caller_subscription_id": caller, "azure_openai_deployment": "gpt-4o", "instance": "c1",
		}
		var out []remoteWriteSample
		for _, c := range calls {
			at := start.Add(c.at).UnixMilli()
			out = append(out,
				remoteWriteSample{Labels: labels, Value: c.before, Timestamp: at - 1},
				remoteWriteSample{Labels: labels, Value: c.after, Timestamp: at})
		}
		return out
	}
	var samples []remoteWriteSample
	// Began before the range: 100 then, 30 more inside it.
	samples = append(samples, series("before", call{-30 * time.Second, 0, 100}, call{10 * time.Second, 100, 130})...)
	// Began inside the range: 40.
	samples = append(samples, series("new", call{20 * time.Second, 0, 40})...)
	// Forgotten and begun again inside the range: 50 + 70.
	samples = append(samples, series("restarted", call{5 * time.Second, 0, 50}, call{40 * time.Second, 0, 70})...)
	prom.Write(t, samples)

	expr = strings.NewReplacer("$__range", fmt.Sprintf("%ds", rangeSeconds), "$caller", ".*", "$deployment", ".*").Replace(expr)
	perCaller := strings.Replace(expr, "sum(", "sum by (ai_gateway_caller_subscription_id) (", 1)
	require.NotEqual(t, expr, perCaller, "Tokens in range is a sum(...)")
	got := map[string]float64{}
	for _, s := range prom.Query(t, perCaller, end) {
		got[s.Labels["ai_gateway_caller_subscription_id"]] = s.Value
	}
	assert.InDelta(t, 30, got["before"], 1e-9, "series that began before the range")
	assert.InDelta(t, 40, got["new"], 1e-9, "series that began inside the range")
	assert.GreaterOrEqual(t, got["restarted"], 120.0, "a restarted series counts both runs")
	assert.LessOrEqual(t, got["restarted"], 120*(1+1.0/6)+1e-6, "increase() extrapolates by at most a sixth with one reset")
	total := prom.Query(t, expr, end)
	require.Len(t, total, 1)
	t.Logf("Tokens in range: %g (before 30, new 40, restarted %g of 120)", total[0].Value, got["restarted"])
}
