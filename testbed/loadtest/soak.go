package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/internal/replay"
)

// SoakOptions configure the soak.
type SoakOptions struct {
	Common
	Duration time.Duration
	Rate     float64
	// Warmup runs the same load before the measured one with every row
	// visible at once, so that the baseline is a warm collector that polls
	// and releases at this rate while its join holds few spans; zero:
	// warmupPolls poll intervals.
	Warmup       time.Duration
	Rows         RowTiming
	PollInterval time.Duration
	MaxWait      time.Duration
	// MaxPending and MaxPendingBytes are the join's bounds (zero: defaults).
	MaxPending, MaxPendingBytes int64
	// Storage keeps pending spans on disk (diagnostics.storage with a
	// file_storage/join extension in the run's folder), at most
	// MaxStoredBytes of them (zero: the default).
	Storage        bool
	MaxStoredBytes int64
	// Lookup is diagnostics.lookup (cursor or keys); empty: the default.
	Lookup string
	// Drain is how long the soak waits after the load for the join to hold
	// nothing before it stops the collector; zero: max_wait plus two polls
	// with Storage (a stop keeps stored spans), one poll without (a stop
	// releases what is held).
	Drain          time.Duration
	MemoryLimitMiB int
	// Plateau is how much RssAnon may still grow over the last fifth of the
	// load, as a share of its peak (0: no check).
	Plateau float64
	// MaxAnonPerSpan is the most RssAnon above the baseline per pending span,
	// in bytes; MaxPeakAnonMiB the most RssAnon at any sample (0: no check).
	MaxAnonPerSpan, MaxPeakAnonMiB float64
}

// drain is Drain with its default filled in.
func (o SoakOptions) drain() time.Duration {
	switch {
	case o.Drain > 0:
		return o.Drain
	case o.Storage:
		return o.MaxWait + 2*o.PollInterval
	default:
		return o.PollInterval + 5*time.Second
	}
}

// SoakReport is the outcome of the soak.
type SoakReport struct {
	Options    SoakOptions    `json:"-"`
	Machine    string         `json:"machine"`
	LoadAtEnd  string         `json:"load_average_at_end"`
	Summary    replay.Summary `json:"replay"`
	Delivery   delivery       `json:"delivery"`
	Statuses   map[string]int `json:"statuses"`
	Overflow   int            `json:"overflow"`
	UsageNever int            `json:"calls_without_usage_row"`
	ShouldJoin int            `json:"should_join"`
	NotJoined  int            `json:"should_join_but_did_not"`
	// Baseline is warmBaseline of the BaselineSamples samples taken over
	// the warm-up's last BaselineWindow seconds.
	Baseline        Sample  `json:"baseline"`
	BaselineSamples int     `json:"baseline_samples"`
	BaselineWindow  float64 `json:"baseline_window_s"`
	// Steady is the last sample of the load, the one the per-span figures
	// are taken at.
	Steady Sample `json:"steady"`
	// AnonPerSpan and DiskPerSpan are medians over the last fifth of the
	// load; AnonPerSpanAtEnd is the figure at its last sample.
	AnonPerSpan      float64   `json:"rss_anon_bytes_per_pending_span"`
	AnonPerSpanAtEnd float64   `json:"rss_anon_bytes_per_pending_span_at_load_end"`
	DiskPerSpan      float64   `json:"disk_bytes_per_pending_span"`
	PeakAnonMiB      float64   `json:"peak_rss_anon_mib"`
	PeakFileMiB      float64   `json:"peak_rss_file_mib"`
	PeakShmemMiB     float64   `json:"peak_rss_shmem_mib"`
	PeakRSSMiB       float64   `json:"peak_rss_mib"`
	PeakDiskMiB      float64   `json:"peak_disk_mib"`
	LateGrowth       float64   `json:"rss_anon_growth_last_fifth_mib"`
	MaxPending       float64   `json:"max_pending_spans"`
	CPUPer1000       float64   `json:"cpu_s_per_1000"`
	Polls            pollStats `json:"queries_per_poll"`
	Drained          bool      `json:"drained"`
	ExitClean        bool      `json:"exit_clean"`
	SpansIn          int64     `json:"spans_in"`
	SpansOut         int64     `json:"spans_out"`
	Refused          int64     `json:"refused_spans"`
	HeapProfile      string    `json:"heap_profile,omitempty"`
	CPUProfile       string    `json:"cpu_profile,omitempty"`
	Samples          []Sample  `json:"samples"`
}

// RunSoak runs the collector with the diagnostics join on: a warm-up, then
// Duration at Rate with each call's rows arriving as Rows says, then waits
// for the join to drain and stops it. It checks that every span came out
// once, joined when its rows were there, that nothing overflowed, and what
// each pending span cost in anonymous memory and on disk.
func RunSoak(ctx context.Context, o SoakOptions) (*SoakReport, error) {
	o.Warmup = o.warmup()
	rep := &SoakReport{Options: o, Machine: Machine(o.Binary)}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return rep, err
	}
	r, err := newRig(o.Common, "soak", ConfigParams{Pipeline: Ours, MemoryLimitMiB: o.MemoryLimitMiB, SpikeLimitMiB: o.MemoryLimitMiB / 4}, 8)
	if err != nil {
		return rep, err
	}
	defer r.close()
	fake, err := r.startJoin(o.PollInterval, o.MaxWait, 60*time.Second)
	if err != nil {
		return rep, err
	}
	r.params.Join.MaxPending, r.params.Join.MaxPendingBytes, r.params.Join.Lookup = o.MaxPending, o.MaxPendingBytes, o.Lookup
	if o.Storage {
		r.params.Join.StorageDir, r.params.Join.MaxStoredBytes = filepath.Join(r.dir, "join-storage"), o.MaxStoredBytes
	}
	if err := r.start(ctx); err != nil {
		return rep, err
	}
	plan := newRowPlan(fake, r.mix, o.Rows, o.MaxWait)
	warm := int(o.Rate * o.Warmup.Seconds())
	count := int(o.Rate * o.Duration.Seconds())
	r.logf("%d records at %.0f/s for %s after a %s warm-up; rows %s to %s late, usage row ±%s, %.0f%% never; poll %s, max_wait %s, storage %v, lookup %q, memory limit %d MiB",
		count, o.Rate, o.Duration, o.Warmup, o.Rows.MinDelay, o.Rows.MaxDelay, o.Rows.UsageSpread, 100*o.Rows.UsageNever,
		o.PollInterval, o.MaxWait, o.Storage, o.Lookup, o.MemoryLimitMiB)

	start := time.Now()
	cpu0, _ := r.col.Stats()
	sampler := newSoakSampler(r, start, cpu0)
	defer sampler.stop()
	if warm > 0 {
		if _, err := r.replay(ctx, replay.Options{
			Record: func(n int) []byte { return plan.recordWith(n, RowTiming{}) }, Count: warm, Rate: o.Rate, Concurrency: 8, MaxRetries: 100, MaxBackoff: 5 * time.Second,
		}); err != nil {
			return rep, err
		}
	}
	takeBaseline(rep, sampler.take().At, sampler.all())
	r.logf("baseline after the warm-up: RssAnon %.0f MiB with %.0f spans pending, %s", rep.Baseline.AnonMiB, rep.Baseline.PendingSpans, rep.baselineHow())
	loadStart, cpuLoad := time.Now(), sampler.cpuNow()
	finishProfile := profileMidway(ctx, r, o.Duration)
	sum, err := r.replay(ctx, replay.Options{
		Record: func(n int) []byte { return plan.record(warm + n) }, Count: count, Rate: o.Rate, Concurrency: 8, Duration: o.Duration, MaxRetries: 100, MaxBackoff: 5 * time.Second,
	})
	rep.CPUProfile = finishProfile()
	if err != nil {
		return rep, err
	}
	rep.Summary = sum
	loadEnd := time.Now()
	rep.Steady = sampler.take()
	measureLoadEnd(r, rep, cpuLoad)

	rep.Drained = waitDrained(ctx, r, o.drain())
	stopAt := time.Now()
	sampler.stop()
	rep.Samples = sampler.all()
	stopErr := stopSoak(ctx, r, rep)
	rep.LoadAtEnd = LoadAverage()
	judgeSoak(r, rep, plan, warm+count, stopAt)
	rep.Polls = queriesPerPoll(fake.Queries(), loadStart, loadEnd, o.PollInterval)
	figuresOfSoak(rep, loadStart.Sub(start).Seconds(), loadEnd.Sub(start).Seconds())
	_ = writeSamples(filepath.Join(r.dir, "samples.csv"), rep.Samples)
	return rep, soakFailures(rep, stopErr)
}

// profileMidway saves a 20-s CPU profile of the collector halfway through
// the load, for the join's share of the CPU. The function it returns gives
// up on a profile not yet begun (the load ended early) and returns the
// profile's path, "" when there is none.
func profileMidway(ctx context.Context, r *rig, load time.Duration) (finish func() string) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan string, 1)
	go func() {
		select {
		case <-ctx.Done():
			done <- ""
		case <-time.After(load / 2):
			done <- savePprof(r.params.PprofPort, "profile?seconds=20", filepath.Join(r.dir, "cpu-midway.pprof"), 40*time.Second)
		}
	}()
	return func() string {
		cancel()
		return <-done
	}
}

// measureLoadEnd keeps what the collector looks like when the load stops:
// where the memory is (a heap profile) and the CPU per record of the load.
func measureLoadEnd(r *rig, rep *SoakReport, cpuLoad time.Duration) {
	rep.HeapProfile = savePprof(r.params.PprofPort, "heap", filepath.Join(r.dir, "heap-at-load-end.pprof"), 30*time.Second)
	st, _ := r.col.Stats()
	rep.PeakRSSMiB = MiB(st.PeakRSS)
	if rep.Summary.Accepted > 0 {
		rep.CPUPer1000 = (st.CPU - cpuLoad).Seconds() / float64(rep.Summary.Accepted) * 1000
	}
}

// waitDrained waits until the join holds no span, at most d; it reports
// whether it got there.
func waitDrained(ctx context.Context, r *rig, d time.Duration) bool {
	r.logf("waiting up to %s for the join to release every span", d)
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if pendingSpans(r) == 0 {
			return true
		}
		time.Sleep(5 * time.Second)
	}
	return pendingSpans(r) == 0
}

func pendingSpans(r *rig) float64 {
	return scrapeMetrics(r.params.MetricsPort)["otelcol_processor_azure_openai_diagnostics_pending_spans"]
}

// stopSoak counts the spans the receiver took and refused, stops the
// collector and waits for the sink to go quiet; the error is the stop's.
func stopSoak(ctx context.Context, r *rig, rep *SoakReport) error {
	// Spans in: what the receiver took (the replay's acknowledgements miss
	// requests cancelled in flight when the load stopped).
	metrics := scrapeMetrics(r.params.MetricsPort)
	rep.SpansIn = int64(metrics["otelcol_receiver_accepted_spans"])
	rep.Refused = int64(metrics["otelcol_receiver_refused_spans"])
	r.logf("stopping the collector: %.0f spans pending, %d exported so far", metrics["otelcol_processor_azure_openai_diagnostics_pending_spans"], r.sink.Spans())
	stopErr := r.col.Stop(2 * time.Minute)
	rep.ExitClean = stopErr == nil
	r.sink.WaitQuiet(ctx, time.Second, 30*time.Second)
	rep.SpansOut = r.sink.Spans()
	return stopErr
}
