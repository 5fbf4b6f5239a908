package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/internal/replay"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/collector"
)

// RatesOptions configure the stepped load test.
type RatesOptions struct {
	Binary   string
	OutDir   string
	Examples string
	// Rates are the paced steps, records per second.
	Rates []float64
	// Unpaced adds a last step that sends as fast as answers come, with
	// UnpacedConcurrency requests in flight: the most either pipeline takes.
	Unpaced            bool
	UnpacedConcurrency int
	StepDuration       time.Duration
	Warmup             time.Duration
	Concurrency        int
	Batch              int
	// Pool is how many distinct records are cycled.
	Pool int
	// MemoryLimitMiB configures the memory_limiter (spike: a quarter of it).
	MemoryLimitMiB int
	// ProfileRate names the paced step during which a 20-s CPU profile of
	// each pipeline is saved from the pprof extension (0: none).
	ProfileRate float64
	// MinCPURatio is the goal: transform's CPU per record over ours, at every
	// step both sustain. 0 checks nothing.
	MinCPURatio float64
	Log         io.Writer
}

// StepResult is one pipeline at one step.
type StepResult struct {
	Pipeline Pipeline `json:"pipeline"`
	// TargetRate is the paced rate; 0 for the unpaced step.
	TargetRate  float64 `json:"target_rate"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	// OfferedRate counts records answered or given up per second of the step.
	OfferedRate  float64 `json:"offered_per_s"`
	AcceptedRate float64 `json:"accepted_per_s"`
	Accepted     int64   `json:"accepted"`
	Rejected     int64   `json:"rejected"`
	Failed       int64   `json:"failed"`
	Refused      int64   `json:"refused_429_503"`
	CPUSeconds   float64 `json:"cpu_s"`
	// CPUPer1000 is collector CPU seconds per 1 000 accepted records.
	CPUPer1000 float64 `json:"cpu_s_per_1000"`
	// CPUCores is the collector's average CPU use in cores.
	CPUCores   float64       `json:"cpu_cores"`
	PeakRSSMiB float64       `json:"peak_rss_mib"`
	P50        time.Duration `json:"p50_ns"`
	P99        time.Duration `json:"p99_ns"`
	// AcceptedTotal and Exported cover the collector's whole life (warm-up
	// included): every accepted record must reach the sink.
	AcceptedTotal int64 `json:"accepted_total"`
	Exported      int64 `json:"exported"`
	// InFlightAtStop bounds the records an unpaced run cancelled in flight:
	// taken by the collector, maybe, but not counted as accepted.
	InFlightAtStop int64 `json:"in_flight_at_stop"`
	// LiftedShare is the share of exported spans that carry every key fact.
	LiftedShare      float64 `json:"lifted_share"`
	DriverCPUPer1000 float64 `json:"driver_cpu_s_per_1000"`
	Sustained        bool    `json:"sustained"`
	Profile          string  `json:"profile,omitempty"`
}

// keyFacts must be on every exported span of the mix, in both pipelines: the
// check that the transform baseline really lifts what it is compared for.
var keyFacts = []string{
	"gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.response.model",
	"gen_ai.response.id", "gen_ai.request.model", "azure.service.request.id",
	"azure.openai.ratelimit.remaining_tokens", "azure.openai.region",
}

// RatesReport is the outcome of the stepped load test.
type RatesReport struct {
	Steps []StepResult `json:"steps"`
	// CPURatios are transform's CPU per 1 000 records over ours, per paced
	// step both sustained.
	CPURatios []CPURatio `json:"cpu_ratios"`
	// MaxSustained is the highest paced step each pipeline sustained.
	MaxSustained map[Pipeline]float64 `json:"max_sustained"`
	// Unpaced is the accepted rate of each pipeline in the unpaced step.
	Unpaced map[Pipeline]float64 `json:"unpaced"`
	// KeyCounts are, per pipeline, the attribute keys of the exported spans
	// in the last step and how many spans carried each.
	KeyCounts map[Pipeline]map[string]int64 `json:"key_counts"`
	Exported  map[Pipeline]int64            `json:"key_counts_spans"`
}

// CPURatio is transform's CPU per record over ours at one paced step.
type CPURatio struct {
	Rate  float64 `json:"rate"`
	Ratio float64 `json:"ratio"`
}

// RunRates runs every step for both pipelines, interleaved so that noise from
// other work on the machine falls on both alike.
func RunRates(ctx context.Context, o RatesOptions) (*RatesReport, error) {
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, err
	}
	mix, err := NewMix(o.Examples)
	if err != nil {
		return nil, err
	}
	records := make([][]byte, o.Pool)
	otlp := make([][]byte, o.Pool)
	translator := NewOTLPTranslator()
	start := time.Now()
	var recordBytes, otlpBytes int
	for n := range records {
		records[n] = mix.Record(n, start.Add(time.Duration(n)*time.Millisecond))
		if otlp[n], err = translator.Translate(records[n]); err != nil {
			return nil, fmt.Errorf("record %d: %w", n, err)
		}
		recordBytes += len(records[n])
		otlpBytes += len(otlp[n])
	}
	logf(o.Log, "%d distinct records, %.1f KB on average as exchange records, %.1f KB as OTLP JSON",
		o.Pool, float64(recordBytes)/float64(o.Pool)/1000, float64(otlpBytes)/float64(o.Pool)/1000)

	sinkPort, err := collector.FreePort()
	if err != nil {
		return nil, err
	}
	sink := NewSink(fmt.Sprintf("127.0.0.1:%d", sinkPort), false, true)
	if err := sink.Start(); err != nil {
		return nil, err
	}
	defer sink.Stop()

	report := &RatesReport{
		MaxSustained: map[Pipeline]float64{}, Unpaced: map[Pipeline]float64{},
		KeyCounts: map[Pipeline]map[string]int64{}, Exported: map[Pipeline]int64{},
	}
	type step struct {
		rate        float64
		concurrency int
	}
	var steps []step
	for _, r := range o.Rates {
		steps = append(steps, step{r, o.Concurrency})
	}
	if o.Unpaced {
		steps = append(steps, step{0, o.UnpacedConcurrency})
	}
	var failures []error
	for _, st := range steps {
		byPipeline := map[Pipeline]StepResult{}
		for _, p := range []Pipeline{Ours, Transform} {
			input, url := records, "http://127.0.0.1:%d/v1/exchanges"
			target := replay.TargetExchanges
			if p == Transform {
				input, url, target = otlp, "http://127.0.0.1:%d/v1/traces", replay.TargetOTLPJSON
			}
			profile := o.ProfileRate > 0 && st.rate == o.ProfileRate
			res, err := runStep(ctx, o, sink, sinkPort, p, input, url, target, st.rate, st.concurrency, profile)
			if err != nil {
				return report, err
			}
			byPipeline[p] = res
			report.Steps = append(report.Steps, res)
			logf(o.Log, "%-24s %s: offered %.0f/s accepted %.0f/s, %.3f CPU s/1000, %.2f cores, peak RSS %.0f MiB, p50 %s p99 %s, exported %d/%d, lifted %.1f%%, sustained %v",
				p, rateName(st.rate), res.OfferedRate, res.AcceptedRate, res.CPUPer1000, res.CPUCores, res.PeakRSSMiB,
				res.P50.Round(10*time.Microsecond), res.P99.Round(10*time.Microsecond), res.Exported, res.AcceptedTotal, 100*res.LiftedShare, res.Sustained)
			if res.Exported < res.AcceptedTotal || res.Exported > res.AcceptedTotal+res.InFlightAtStop {
				failures = append(failures, fmt.Errorf("%s at %s: %d records accepted, %d spans exported", p, rateName(st.rate), res.AcceptedTotal, res.Exported))
			}
			if res.Exported > 0 && res.LiftedShare < 0.99 {
				failures = append(failures, fmt.Errorf("%s at %s: only %.1f%% of exported spans carry every key fact %v", p, rateName(st.rate), 100*res.LiftedShare, keyFacts))
			}
			report.KeyCounts[p] = sink.KeyCounts()
			report.Exported[p] = res.Exported
			if st.rate > 0 && res.Sustained {
				report.MaxSustained[p] = max(report.MaxSustained[p], st.rate)
			}
			if st.rate == 0 {
				report.Unpaced[p] = res.AcceptedRate
			}
		}
		ours, theirs := byPipeline[Ours], byPipeline[Transform]
		if st.rate > 0 && ours.Sustained && theirs.Sustained && ours.CPUPer1000 > 0 {
			report.CPURatios = append(report.CPURatios, CPURatio{st.rate, theirs.CPUPer1000 / ours.CPUPer1000})
		}
	}
	// The baseline must not do work ours does not: every key it writes, ours writes.
	for k := range report.KeyCounts[Transform] {
		if _, ok := report.KeyCounts[Ours][k]; !ok && len(report.KeyCounts[Ours]) > 0 {
			failures = append(failures, fmt.Errorf("the transform baseline writes %s, which ours does not", k))
		}
	}
	if o.MinCPURatio > 0 {
		if len(report.CPURatios) == 0 {
			failures = append(failures, errors.New("no step was sustained by both pipelines: no CPU ratio"))
		}
		for _, r := range report.CPURatios {
			if r.Ratio < o.MinCPURatio {
				failures = append(failures, fmt.Errorf("goal missed at %s: transform uses %.2f× our CPU per record, goal %.1f×", rateName(r.Rate), r.Ratio, o.MinCPURatio))
			}
		}
	}
	return report, errors.Join(failures...)
}

func rateName(rate float64) string {
	if rate == 0 {
		return "unpaced"
	}
	return fmt.Sprintf("%.0f/s", rate)
}

// runStep starts a fresh collector for one pipeline, warms it up, measures
// one step and stops it.
func runStep(ctx context.Context, o RatesOptions, sink *Sink, sinkPort int, p Pipeline, input [][]byte, urlFormat string,
	target replay.Target, rate float64, concurrency int, profile bool,
) (StepResult, error) {
	res := StepResult{Pipeline: p, TargetRate: rate, Concurrency: concurrency}
	ports, err := collector.FreePorts(4)
	if err != nil {
		return res, err
	}
	cfg, err := Config(ConfigParams{
		Pipeline: p, ReceiverPort: ports[0], HealthPort: ports[1], PprofPort: ports[2], MetricsPort: ports[3],
		SinkPort: sinkPort, MemoryLimitMiB: o.MemoryLimitMiB, SpikeLimitMiB: o.MemoryLimitMiB / 4,
	})
	if err != nil {
		return res, err
	}
	name := fmt.Sprintf("%s-%s", map[Pipeline]string{Ours: "ours", Transform: "transform"}[p], map[bool]string{true: "unpaced", false: fmt.Sprintf("%.0f", rate)}[rate == 0])
	dir := filepath.Join(o.OutDir, "rates", name)
	_ = os.RemoveAll(dir)
	sink.Reset()
	col, err := collector.Start(ctx, collector.Spec{Binary: o.Binary, Dir: dir, Config: cfg, HealthPort: ports[1]})
	if err != nil {
		return res, err
	}
	defer func() {
		if col.Running() {
			col.Kill()
		}
	}()

	client := httpClient(concurrency, 30*time.Second)
	opts := replay.Options{
		URL: fmt.Sprintf(urlFormat, ports[0]), Records: input, Target: target, Rate: rate,
		Concurrency: concurrency, Batch: o.Batch, MaxRetries: 10, MaxBackoff: time.Second, Client: client,
	}
	// A paced run ends when its count went out and every answer came, so that
	// accepted and exported can be compared exactly. An unpaced run ends at its
	// duration, cancelling what is in flight: up to `concurrency` records the
	// collector may have taken without the answer being counted.
	var slack int64
	limits := func(d time.Duration) (time.Duration, int) {
		if rate == 0 {
			slack += int64(concurrency * o.Batch)
			return d, math.MaxInt32
		}
		return d + time.Minute, int(rate * d.Seconds())
	}
	var acceptedTotal int64
	if o.Warmup > 0 {
		opts.Duration, opts.Count = limits(o.Warmup)
		warm, err := replay.Run(ctx, opts)
		if err != nil {
			return res, err
		}
		acceptedTotal += warm.Accepted
	}

	profileDone := make(chan string, 1)
	if profile {
		go func() {
			const seconds = 20
			profileDone <- savePprof(ports[2], fmt.Sprintf("profile?seconds=%d", seconds), filepath.Join(o.OutDir, "profile-"+name+".pprof"), (seconds+30)*time.Second)
		}()
	} else {
		profileDone <- ""
	}
	before, err := col.Stats()
	if err != nil {
		return res, err
	}
	driverBefore := driverCPU()
	opts.Duration, opts.Count = limits(o.StepDuration)
	sum, err := replay.Run(ctx, opts)
	if err != nil {
		return res, err
	}
	after, err := col.Stats()
	if err != nil {
		return res, err
	}
	driverUsed := driverCPU() - driverBefore
	res.Profile = <-profileDone
	acceptedTotal += sum.Accepted

	elapsed := after.At.Sub(before.At).Seconds()
	res.Seconds = elapsed
	res.Accepted, res.Rejected, res.Failed = sum.Accepted, sum.Rejected, sum.Failed
	res.Refused = sum.Statuses[http.StatusTooManyRequests] + sum.Statuses[http.StatusServiceUnavailable]
	res.OfferedRate = float64(sum.Sent) / sum.Elapsed.Seconds()
	res.AcceptedRate = float64(sum.Accepted) / sum.Elapsed.Seconds()
	res.CPUSeconds = (after.CPU - before.CPU).Seconds()
	res.CPUCores = res.CPUSeconds / elapsed
	if sum.Accepted > 0 {
		res.CPUPer1000 = res.CPUSeconds / float64(sum.Accepted) * 1000
		res.DriverCPUPer1000 = driverUsed.Seconds() / float64(sum.Accepted) * 1000
	}
	res.P50, res.P99 = sum.Latency.P50, sum.Latency.P99

	sink.WaitFor(ctx, acceptedTotal, 30*time.Second)
	if final, err := col.Stats(); err == nil {
		res.PeakRSSMiB = MiB(final.PeakRSS)
	}
	if err := col.Stop(30 * time.Second); err != nil {
		return res, fmt.Errorf("%s: collector stop: %w (see %s)", name, err, dir)
	}
	sink.WaitQuiet(ctx, 300*time.Millisecond, 5*time.Second)
	res.AcceptedTotal, res.Exported, res.InFlightAtStop = acceptedTotal, sink.Spans(), slack
	keys := sink.KeyCounts()
	lifted := int64(math.MaxInt64)
	for _, k := range keyFacts {
		lifted = min(lifted, keys[k])
	}
	if res.Exported > 0 {
		res.LiftedShare = float64(lifted) / float64(res.Exported)
	}
	res.Sustained = rate > 0 && sum.Failed == 0 && sum.Rejected == 0 && res.Refused == 0 &&
		res.AcceptedRate >= 0.98*rate && sum.Latency.P99 < time.Second && res.Exported == acceptedTotal
	return res, nil
}
