package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/internal/replay"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/collector"
)

// SoakOptions configure the soak.
type SoakOptions struct {
	Common
	Duration           time.Duration
	Rate               float64
	MinDelay, MaxDelay time.Duration // when a call's rows become visible
	PollInterval       time.Duration
	MaxWait            time.Duration
	MemoryLimitMiB     int
	// Plateau is how much RSS may still grow over the last fifth of the load,
	// as a share of the peak.
	Plateau float64
}

// Sample is one look at the collector during a long run.
type Sample struct {
	At           float64 `json:"t_s"`
	RSSMiB       float64 `json:"rss_mib"`
	CPUSeconds   float64 `json:"cpu_s"`
	PendingSpans float64 `json:"pending_spans"`
	PendingMiB   float64 `json:"pending_mib"`
	Accepted     int64   `json:"accepted"`
	Exported     int64   `json:"exported"`
}

// SoakReport is the outcome of the soak.
type SoakReport struct {
	Options      SoakOptions    `json:"-"`
	Machine      string         `json:"machine"`
	Summary      replay.Summary `json:"replay"`
	Delivery     delivery       `json:"delivery"`
	Statuses     map[string]int `json:"statuses"`
	ShouldJoin   int            `json:"should_join"`
	NotJoined    int            `json:"should_join_but_did_not"`
	PeakRSSMiB   float64        `json:"peak_rss_mib"`
	LateGrowth   float64        `json:"rss_growth_last_fifth_mib"`
	MaxPending   float64        `json:"max_pending_spans"`
	CPUPer1000   float64        `json:"cpu_s_per_1000"`
	ExitClean    bool           `json:"exit_clean"`
	SpansIn      int64          `json:"spans_in"`
	SpansOut     int64          `json:"spans_out"`
	Refused      int64          `json:"refused_spans"`
	HeapProfile  string         `json:"heap_profile,omitempty"`
	Samples      []Sample       `json:"samples"`
	BytesPerSpan float64        `json:"rss_bytes_per_pending_span"`
}

// RunSoak runs the collector with the diagnostics join on for Duration at
// Rate, rows arriving MinDelay to MaxDelay late, then stops it and checks
// that every span came out once, joined when its row was there, and that
// memory levelled off below the limit.
func RunSoak(ctx context.Context, o SoakOptions) (*SoakReport, error) {
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
	if err := r.start(ctx); err != nil {
		return rep, err
	}
	plan := newRowPlan(fake, r.mix, o.MinDelay, o.MaxDelay)
	count := int(o.Rate * o.Duration.Seconds())
	r.logf("%d records at %.0f/s for %s, rows %s to %s late, poll %s, max_wait %s, memory limit %d MiB",
		count, o.Rate, o.Duration, o.MinDelay, o.MaxDelay, o.PollInterval, o.MaxWait, o.MemoryLimitMiB)

	start := time.Now()
	cpu0, _ := r.col.Stats()
	stopSampling := sampleSoak(r, rep, start, cpu0)
	defer stopSampling()
	sum, err := r.replay(ctx, replay.Options{
		Record: plan.record, Count: count, Rate: o.Rate, Concurrency: 8, Duration: o.Duration, MaxRetries: 100, MaxBackoff: 5 * time.Second,
	})
	if err != nil {
		return rep, err
	}
	rep.Summary = sum
	loadEnd := time.Since(start)
	measureLoadEnd(r, rep, cpu0)

	// One more poll, so that rows that became visible in the last interval
	// are looked up, then stop: shutdown releases every span still held.
	time.Sleep(o.PollInterval + 5*time.Second)
	stopAt := time.Now()
	stopSampling()
	stopErr := stopSoak(ctx, r, rep)
	judgeSoak(r, rep, plan, count, stopAt)
	rep.LateGrowth = lateGrowth(rep.Samples, loadEnd.Seconds())
	if last := lastSample(rep.Samples, loadEnd.Seconds()); last != nil && last.PendingSpans > 0 {
		rep.BytesPerSpan = (last.RSSMiB - rep.Samples[0].RSSMiB) * (1 << 20) / last.PendingSpans
	}
	_ = writeSamples(filepath.Join(r.dir, "samples.csv"), rep.Samples)
	return rep, soakFailures(rep, stopErr)
}

// sampleSoak looks at the collector every 5 s (memory, CPU, the join's
// pending spans, what was accepted and exported) into rep.Samples, logging a
// line a minute; rep.Samples is written by the sampler alone until stop.
func sampleSoak(r *rig, rep *SoakReport, start time.Time, cpu0 collector.ProcStats) (stop func()) {
	var lastLog int64
	return every(5*time.Second, func() bool {
		st, err := r.col.Stats()
		if err != nil {
			return true
		}
		metrics := scrapeMetrics(r.params.MetricsPort)
		pending := metrics["otelcol_processor_azure_openai_diagnostics_pending_spans"]
		pendingBytes := metrics["otelcol_processor_azure_openai_diagnostics_pending_bytes"]
		s := Sample{
			At: time.Since(start).Seconds(), RSSMiB: MiB(st.RSS), CPUSeconds: (st.CPU - cpu0.CPU).Seconds(),
			PendingSpans: pending, PendingMiB: pendingBytes / (1 << 20), Accepted: int64(len(r.ledger.Acked())), Exported: r.sink.Spans(),
		}
		rep.Samples = append(rep.Samples, s)
		if s.At-float64(lastLog) >= 60 {
			lastLog = int64(s.At)
			r.logf("%4.0fs RSS %.0f MiB, pending %.0f spans (%.0f MiB by its estimate), accepted %d, exported %d",
				s.At, s.RSSMiB, s.PendingSpans, s.PendingMiB, s.Accepted, s.Exported)
		}
		return true
	})
}

// measureLoadEnd keeps what the collector looks like when the load stops:
// where the memory is (a heap profile), the peak RSS, the CPU per record.
func measureLoadEnd(r *rig, rep *SoakReport, cpu0 collector.ProcStats) {
	rep.HeapProfile = savePprof(r.params.PprofPort, "heap", filepath.Join(r.dir, "heap-at-load-end.pprof"), 30*time.Second)
	before, _ := r.col.Stats()
	rep.PeakRSSMiB = MiB(before.PeakRSS)
	if rep.Summary.Accepted > 0 {
		rep.CPUPer1000 = (before.CPU - cpu0.CPU).Seconds() / float64(rep.Summary.Accepted) * 1000
	}
}

// stopSoak counts the spans the receiver took and refused, stops the
// collector and waits for the sink to go quiet; the error is the stop's.
func stopSoak(ctx context.Context, r *rig, rep *SoakReport) error {
	// Spans in: what the receiver took (the replay's acknowledgements miss
	// requests cancelled in flight when the load stopped).
	metrics := scrapeMetrics(r.params.MetricsPort)
	rep.SpansIn = int64(metrics["otelcol_receiver_accepted_spans"])
	rep.Refused = int64(metrics["otelcol_receiver_refused_spans"])
	r.logf("stopping the collector: %d spans pending, %d exported so far", int64(lastPending(rep.Samples)), r.sink.Spans())
	stopErr := r.col.Stop(2 * time.Minute)
	rep.ExitClean = stopErr == nil
	r.sink.WaitQuiet(ctx, time.Second, 30*time.Second)
	rep.SpansOut = r.sink.Spans()
	return stopErr
}

// judgeSoak compares what was acknowledged with what arrived: delivery,
// diagnostics statuses, and the spans that should have been joined.
func judgeSoak(r *rig, rep *SoakReport, plan *rowPlan, count int, stopAt time.Time) {
	arrivals, acked := r.sink.Arrivals(), r.ledger.Acked()
	rep.Delivery = compareDelivery(acked, arrivals, r.mix.sentBy(count))
	rep.Statuses = statusCounts(arrivals)
	// A span must be joined when its rows were visible for a whole poll
	// interval (and a margin) before the collector was stopped.
	for id, at := range plan.availableAt() {
		if _, ok := acked[id]; !ok || at.After(stopAt.Add(-rep.Options.PollInterval-15*time.Second)) {
			continue
		}
		rep.ShouldJoin++
		if arrivals[id].Status != "joined" {
			rep.NotJoined++
		}
	}
	for _, s := range rep.Samples {
		rep.MaxPending = max(rep.MaxPending, s.PendingSpans)
	}
}

// soakFailures lists the properties the soak broke.
func soakFailures(rep *SoakReport, stopErr error) error {
	o, sum, d := rep.Options, rep.Summary, rep.Delivery
	var failures []error
	if !rep.ExitClean {
		failures = append(failures, fmt.Errorf("collector did not stop cleanly: %v", stopErr))
	}
	if sum.Failed > 0 || sum.Rejected > 0 {
		failures = append(failures, fmt.Errorf("replay: %d failed, %d rejected (%s)", sum.Failed, sum.Rejected, sum.LastError))
	}
	if d.Missing > 0 || d.Duplicated > 0 || d.Unknown > 0 || d.IDsDiffer > 0 || rep.SpansIn != rep.SpansOut {
		failures = append(failures, fmt.Errorf("spans in %d (receiver), spans out %d: of %d acknowledged %d missing %v, %d duplicated, %d unknown",
			rep.SpansIn, rep.SpansOut, d.Acked, d.Missing, d.MissingIDs, d.Duplicated, d.Unknown))
	}
	if rep.NotJoined > 0 {
		failures = append(failures, fmt.Errorf("%d of %d spans whose rows were visible a poll before the stop were not joined", rep.NotJoined, rep.ShouldJoin))
	}
	if rep.PeakRSSMiB >= float64(o.MemoryLimitMiB) {
		failures = append(failures, fmt.Errorf("peak RSS %.0f MiB reached the memory limit %d MiB", rep.PeakRSSMiB, o.MemoryLimitMiB))
	}
	if rep.LateGrowth > o.Plateau*rep.PeakRSSMiB {
		failures = append(failures, fmt.Errorf("RSS still grew %.0f MiB over the last fifth of the load (more than %.0f%% of the %.0f MiB peak): no plateau", rep.LateGrowth, 100*o.Plateau, rep.PeakRSSMiB))
	}
	return errors.Join(failures...)
}

func lastPending(samples []Sample) float64 {
	if len(samples) == 0 {
		return 0
	}
	return samples[len(samples)-1].PendingSpans
}

// lastSample is the last sample taken while the load ran.
func lastSample(samples []Sample, loadEnd float64) *Sample {
	var last *Sample
	for i := range samples {
		if samples[i].At <= loadEnd {
			last = &samples[i]
		}
	}
	return last
}

// lateGrowth is how much the highest RSS of the last fifth of the load
// exceeds the highest RSS before it.
func lateGrowth(samples []Sample, loadEnd float64) float64 {
	cut := loadEnd * 4 / 5
	var before, after float64
	for _, s := range samples {
		switch {
		case s.At > loadEnd:
		case s.At <= cut:
			before = max(before, s.RSSMiB)
		default:
			after = max(after, s.RSSMiB)
		}
	}
	return max(after-before, 0)
}

func writeSamples(path string, samples []Sample) error {
	var b strings.Builder
	b.WriteString("t_s,rss_mib,cpu_s,pending_spans,pending_mib,accepted,exported\n")
	for _, s := range samples {
		fmt.Fprintf(&b, "%.0f,%.1f,%.2f,%.0f,%.1f,%d,%d\n", s.At, s.RSSMiB, s.CPUSeconds, s.PendingSpans, s.PendingMiB, s.Accepted, s.Exported)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// SoakMarkdown renders the soak's figures.
func SoakMarkdown(r *SoakReport) string {
	var b strings.Builder
	o := r.Options
	fmt.Fprintf(&b, "## Soak: diagnostics join, %s at %.0f records/s, rows %s–%s late\n\n", o.Duration, o.Rate, o.MinDelay, o.MaxDelay)
	fmt.Fprintf(&b, "Machine: %s.\n\n", r.Machine)
	b.WriteString("| figure | value |\n|---|---|\n")
	d := r.Delivery
	fmt.Fprintf(&b, "| spans in (receiver's accepted_spans) / out (at the sink) | %d / %d |\n", r.SpansIn, r.SpansOut)
	fmt.Fprintf(&b, "| acknowledged records / exported / missing / twice | %d / %d / %d / %d |\n", d.Acked, d.Arrived, d.Missing, d.Duplicated)
	fmt.Fprintf(&b, "| records refused by the memory limiter (429, resent by the replay) | %d |\n", r.Refused)
	fmt.Fprintf(&b, "| diagnostics status of the spans out | %s |\n", fmtCounts(r.Statuses))
	fmt.Fprintf(&b, "| spans whose rows were visible a poll before the stop / not joined | %d / %d |\n", r.ShouldJoin, r.NotJoined)
	fmt.Fprintf(&b, "| most spans pending | %.0f |\n", r.MaxPending)
	fmt.Fprintf(&b, "| peak RSS / memory_limiter limit | %.0f MiB / %d MiB |\n", r.PeakRSSMiB, o.MemoryLimitMiB)
	fmt.Fprintf(&b, "| RSS growth over the last fifth of the load | %.1f MiB (allowed %.0f %% of the peak) |\n", r.LateGrowth, 100*o.Plateau)
	fmt.Fprintf(&b, "| RSS above start per pending span | %.0f B |\n", r.BytesPerSpan)
	fmt.Fprintf(&b, "| collector CPU per 1 000 records (lifting + join) | %.3f s |\n", r.CPUPer1000)
	fmt.Fprintf(&b, "| replay | %s |\n", r.Summary)
	fmt.Fprintf(&b, "| clean stop | %s |\n", yesNo(r.ExitClean))
	b.WriteString("\n| t (s) | RSS MiB | pending spans | pending MiB (estimate) | accepted | exported |\n|---|---|---|---|---|---|\n")
	step := max(len(r.Samples)/12, 1)
	for i := 0; i < len(r.Samples); i += step {
		s := r.Samples[i]
		fmt.Fprintf(&b, "| %.0f | %.0f | %.0f | %.0f | %d | %d |\n", s.At, s.RSSMiB, s.PendingSpans, s.PendingMiB, s.Accepted, s.Exported)
	}
	return b.String()
}
