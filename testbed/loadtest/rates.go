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
	run := &ratesRun{o: o}
	if err := run.prepareInputs(); err != nil {
		return nil, err
	}
	var err error
	if run.sinkPort, err = collector.FreePort(); err != nil {
		return nil, err
	}
	run.sink = NewSink(fmt.Sprintf("127.0.0.1:%d", run.sinkPort), false, true)
	if err := run.sink.Start(); err != nil {
		return nil, err
	}
	defer run.sink.Stop()

	report := &RatesReport{
		MaxSustained: map[Pipeline]float64{}, Unpaced: map[Pipeline]float64{},
		KeyCounts: map[Pipeline]map[string]int64{}, Exported: map[Pipeline]int64{},
	}
	var failures []error
	for _, st := range run.steps() {
		byPipeline := map[Pipeline]StepResult{}
		for _, p := range []Pipeline{Ours, Transform} {
			st.pipeline = p
			res, err := run.step(ctx, st)
			if err != nil {
				return report, err
			}
			byPipeline[p] = res
			logf(o.Log, "%-24s %s: offered %.0f/s accepted %.0f/s, %.3f CPU s/1000, %.2f cores, peak RSS %.0f MiB, p50 %s p99 %s, exported %d/%d, lifted %.1f%%, sustained %v",
				p, rateName(st.rate), res.OfferedRate, res.AcceptedRate, res.CPUPer1000, res.CPUCores, res.PeakRSSMiB,
				res.P50.Round(10*time.Microsecond), res.P99.Round(10*time.Microsecond), res.Exported, res.AcceptedTotal, 100*res.LiftedShare, res.Sustained)
			failures = append(failures, stepFailures(res)...)
			report.add(res, run.sink.KeyCounts())
		}
		ours, theirs := byPipeline[Ours], byPipeline[Transform]
		if st.rate > 0 && ours.Sustained && theirs.Sustained && ours.CPUPer1000 > 0 {
			report.CPURatios = append(report.CPURatios, CPURatio{st.rate, theirs.CPUPer1000 / ours.CPUPer1000})
		}
	}
	failures = append(failures, report.failures(o.MinCPURatio)...)
	return report, errors.Join(failures...)
}

// ratesRun is what every step of RunRates shares: the options, the sink and
// the inputs of both pipelines.
type ratesRun struct {
	o        RatesOptions
	sink     *Sink
	sinkPort int
	// records are the exchange records ours takes; otlp the same content as
	// OTLP JSON spans, the baseline's input.
	records, otlp [][]byte
}

// stepPlan is one pipeline at one step.
type stepPlan struct {
	pipeline    Pipeline
	rate        float64 // 0: unpaced
	concurrency int
	profile     bool // save a CPU profile during the step
}

// prepareInputs makes the pool of distinct records and their OTLP JSON.
func (run *ratesRun) prepareInputs() error {
	o := run.o
	mix, err := NewMix(o.Examples)
	if err != nil {
		return err
	}
	run.records, run.otlp = make([][]byte, o.Pool), make([][]byte, o.Pool)
	translator := NewOTLPTranslator()
	start := time.Now()
	var recordBytes, otlpBytes int
	for n := range run.records {
		run.records[n] = mix.Record(n, start.Add(time.Duration(n)*time.Millisecond))
		if run.otlp[n], err = translator.Translate(run.records[n]); err != nil {
			return fmt.Errorf("record %d: %w", n, err)
		}
		recordBytes += len(run.records[n])
		otlpBytes += len(run.otlp[n])
	}
	logf(o.Log, "%d distinct records, %.1f KB on average as exchange records, %.1f KB as OTLP JSON",
		o.Pool, float64(recordBytes)/float64(o.Pool)/1000, float64(otlpBytes)/float64(o.Pool)/1000)
	return nil
}

// steps are the paced rates, then the unpaced step if asked for.
func (run *ratesRun) steps() []stepPlan {
	o := run.o
	var steps []stepPlan
	for _, r := range o.Rates {
		steps = append(steps, stepPlan{rate: r, concurrency: o.Concurrency, profile: o.ProfileRate > 0 && r == o.ProfileRate})
	}
	if o.Unpaced {
		steps = append(steps, stepPlan{rate: 0, concurrency: o.UnpacedConcurrency})
	}
	return steps
}

// input is what the pipeline's receiver takes, where, and in which form.
func (run *ratesRun) input(p Pipeline) (records [][]byte, urlFormat string, target replay.Target) {
	if p == Transform {
		return run.otlp, "http://127.0.0.1:%d/v1/traces", replay.TargetOTLPJSON
	}
	return run.records, "http://127.0.0.1:%d/v1/exchanges", replay.TargetExchanges
}

// stepFailures: every accepted record exported (at most the cancelled
// in-flight ones more), and the key facts lifted on nearly every span.
func stepFailures(res StepResult) []error {
	var failures []error
	p, rate := res.Pipeline, rateName(res.TargetRate)
	if res.Exported < res.AcceptedTotal || res.Exported > res.AcceptedTotal+res.InFlightAtStop {
		failures = append(failures, fmt.Errorf("%s at %s: %d records accepted, %d spans exported", p, rate, res.AcceptedTotal, res.Exported))
	}
	if res.Exported > 0 && res.LiftedShare < 0.99 {
		failures = append(failures, fmt.Errorf("%s at %s: only %.1f%% of exported spans carry every key fact %v", p, rate, 100*res.LiftedShare, keyFacts))
	}
	return failures
}

// add keeps one step's result and the attribute keys the sink saw.
func (report *RatesReport) add(res StepResult, keys map[string]int64) {
	p := res.Pipeline
	report.Steps = append(report.Steps, res)
	report.KeyCounts[p] = keys
	report.Exported[p] = res.Exported
	if res.TargetRate > 0 && res.Sustained {
		report.MaxSustained[p] = max(report.MaxSustained[p], res.TargetRate)
	}
	if res.TargetRate == 0 {
		report.Unpaced[p] = res.AcceptedRate
	}
}

// failures: the baseline does no work ours does not, and the CPU goal.
func (report *RatesReport) failures(minCPURatio float64) []error {
	var failures []error
	// The baseline must not do work ours does not: every key it writes, ours writes.
	for k := range report.KeyCounts[Transform] {
		if _, ok := report.KeyCounts[Ours][k]; !ok && len(report.KeyCounts[Ours]) > 0 {
			failures = append(failures, fmt.Errorf("the transform baseline writes %s, which ours does not", k))
		}
	}
	if minCPURatio > 0 {
		if len(report.CPURatios) == 0 {
			failures = append(failures, errors.New("no step was sustained by both pipelines: no CPU ratio"))
		}
		for _, r := range report.CPURatios {
			if r.Ratio < minCPURatio {
				failures = append(failures, fmt.Errorf("goal missed at %s: transform uses %.2f× our CPU per record, goal %.1f×", rateName(r.Rate), r.Ratio, minCPURatio))
			}
		}
	}
	return failures
}

func rateName(rate float64) string {
	if rate == 0 {
		return "unpaced"
	}
	return fmt.Sprintf("%.0f/s", rate)
}

// step starts a fresh collector for one pipeline, warms it up, measures one
// step and stops it.
func (run *ratesRun) step(ctx context.Context, st stepPlan) (StepResult, error) {
	o := run.o
	res := StepResult{Pipeline: st.pipeline, TargetRate: st.rate, Concurrency: st.concurrency}
	ports, err := collector.FreePorts(4)
	if err != nil {
		return res, err
	}
	cfg, err := Config(ConfigParams{
		Pipeline: st.pipeline, ReceiverPort: ports[0], HealthPort: ports[1], PprofPort: ports[2], MetricsPort: ports[3],
		SinkPort: run.sinkPort, MemoryLimitMiB: o.MemoryLimitMiB, SpikeLimitMiB: o.MemoryLimitMiB / 4,
	})
	if err != nil {
		return res, err
	}
	name := fmt.Sprintf("%s-%s", map[Pipeline]string{Ours: "ours", Transform: "transform"}[st.pipeline], map[bool]string{true: "unpaced", false: fmt.Sprintf("%.0f", st.rate)}[st.rate == 0])
	dir := filepath.Join(o.OutDir, "rates", name)
	_ = os.RemoveAll(dir)
	run.sink.Reset()
	col, err := collector.Start(ctx, collector.Spec{Binary: o.Binary, Dir: dir, Config: cfg, HealthPort: ports[1]})
	if err != nil {
		return res, err
	}
	defer func() {
		if col.Running() {
			col.Kill()
		}
	}()

	input, urlFormat, target := run.input(st.pipeline)
	m := &stepMeasure{st: st, batch: o.Batch, col: col, opts: replay.Options{
		URL: fmt.Sprintf(urlFormat, ports[0]), Records: input, Target: target, Rate: st.rate,
		Concurrency: st.concurrency, Batch: o.Batch, MaxRetries: 10, MaxBackoff: time.Second, Client: httpClient(st.concurrency, 30*time.Second),
	}}
	if err := m.warmUp(ctx, o.Warmup); err != nil {
		return res, err
	}
	profile := run.startProfile(st.profile, ports[2], name)
	sum, err := m.measure(ctx, o.StepDuration, &res)
	if err != nil {
		return res, err
	}
	res.Profile = <-profile

	run.sink.WaitFor(ctx, m.acceptedTotal, 30*time.Second)
	if final, err := col.Stats(); err == nil {
		res.PeakRSSMiB = MiB(final.PeakRSS)
	}
	if err := col.Stop(30 * time.Second); err != nil {
		return res, fmt.Errorf("%s: collector stop: %w (see %s)", name, err, dir)
	}
	run.sink.WaitQuiet(ctx, 300*time.Millisecond, 5*time.Second)
	res.AcceptedTotal, res.Exported, res.InFlightAtStop = m.acceptedTotal, run.sink.Spans(), m.slack
	res.LiftedShare = liftedShare(run.sink.KeyCounts(), res.Exported)
	res.Sustained = st.rate > 0 && sum.Failed == 0 && sum.Rejected == 0 && res.Refused == 0 &&
		res.AcceptedRate >= 0.98*st.rate && sum.Latency.P99 < time.Second && res.Exported == m.acceptedTotal
	return res, nil
}

// startProfile saves a 20-s CPU profile of the collector in the background
// when asked; the channel gives its path ("" when none).
func (run *ratesRun) startProfile(profile bool, pprofPort int, name string) <-chan string {
	done := make(chan string, 1)
	if !profile {
		done <- ""
		return done
	}
	go func() {
		const seconds = 20
		done <- savePprof(pprofPort, fmt.Sprintf("profile?seconds=%d", seconds), filepath.Join(run.o.OutDir, "profile-"+name+".pprof"), (seconds+30)*time.Second)
	}()
	return done
}

// liftedShare is the share of exported spans that carry every key fact.
func liftedShare(keys map[string]int64, exported int64) float64 {
	if exported == 0 {
		return 0
	}
	lifted := int64(math.MaxInt64)
	for _, k := range keyFacts {
		lifted = min(lifted, keys[k])
	}
	return float64(lifted) / float64(exported)
}

// stepMeasure replays one step's load: the warm-up, then the measured run.
type stepMeasure struct {
	st    stepPlan
	batch int
	col   *collector.Process
	opts  replay.Options
	// acceptedTotal counts records accepted in the warm-up and the step.
	acceptedTotal int64
	// slack is how many records an unpaced run may have left in flight.
	slack int64
}

// limits sets the run's duration and count. A paced run ends when its count
// went out and every answer came, so that accepted and exported can be
// compared exactly. An unpaced run ends at its duration, cancelling what is
// in flight: up to concurrency × batch records the collector may have taken
// without the answer being counted.
func (m *stepMeasure) limits(d time.Duration) {
	if m.st.rate == 0 {
		m.slack += int64(m.st.concurrency * m.batch)
		m.opts.Duration, m.opts.Count = d, math.MaxInt32
		return
	}
	m.opts.Duration, m.opts.Count = d+time.Minute, int(m.st.rate*d.Seconds())
}

func (m *stepMeasure) warmUp(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	m.limits(d)
	warm, err := replay.Run(ctx, m.opts)
	if err != nil {
		return err
	}
	m.acceptedTotal += warm.Accepted
	return nil
}

// measure runs the step and fills res with the collector's CPU and the
// replay's rates and latencies.
func (m *stepMeasure) measure(ctx context.Context, d time.Duration, res *StepResult) (replay.Summary, error) {
	before, err := m.col.Stats()
	if err != nil {
		return replay.Summary{}, err
	}
	driverBefore := driverCPU()
	m.limits(d)
	sum, err := replay.Run(ctx, m.opts)
	if err != nil {
		return sum, err
	}
	after, err := m.col.Stats()
	if err != nil {
		return sum, err
	}
	driverUsed := driverCPU() - driverBefore
	m.acceptedTotal += sum.Accepted

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
	return sum, nil
}
