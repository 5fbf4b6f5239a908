package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// judgeSoak compares what was acknowledged with what arrived: delivery,
// diagnostics statuses, and the spans that should have been joined.
func judgeSoak(r *rig, rep *SoakReport, plan *rowPlan, count int, stopAt time.Time) {
	arrivals, acked := r.sink.Arrivals(), r.ledger.Acked()
	rep.Delivery = compareDelivery(acked, arrivals, r.mix.sentBy(count))
	rep.Statuses = statusCounts(arrivals)
	rep.Overflow = rep.Statuses["overflow"]
	rep.UsageNever = plan.withoutUsage()
	rep.ShouldJoin, rep.NotJoined = plan.unjoined(arrivals, stopAt.Add(-rep.Options.PollInterval-15*time.Second))
}

// figuresOfSoak derives the figures of the samples: peaks, the cost of a
// pending span above the baseline, in anonymous memory and on disk. The
// load ran from loadStart to loadEnd, seconds since the sampler's start
// (the warm-up comes before it).
func figuresOfSoak(rep *SoakReport, loadStart, loadEnd float64) {
	for _, s := range rep.Samples {
		rep.MaxPending = max(rep.MaxPending, s.PendingSpans)
		rep.PeakAnonMiB = max(rep.PeakAnonMiB, s.AnonMiB)
		rep.PeakFileMiB = max(rep.PeakFileMiB, s.FileMiB)
		rep.PeakShmemMiB = max(rep.PeakShmemMiB, s.ShmemMiB)
		rep.PeakDiskMiB = max(rep.PeakDiskMiB, s.DiskMiB)
	}
	anon := func(s Sample) float64 { return s.AnonMiB }
	steady := lastFifth(rep.Samples, loadStart, loadEnd)
	rep.AnonPerSpanAtEnd = perPendingSpan(rep.Baseline, rep.Steady, anon)
	rep.AnonPerSpan = medianPerPendingSpan(rep.Baseline, steady, anon)
	rep.DiskPerSpan = medianPerPendingSpan(Sample{}, steady, func(s Sample) float64 { return s.DiskMiB })
	rep.LateGrowth = lateGrowth(rep.Samples, loadStart, loadEnd)
}

// lastFifth is the samples of the last fifth of the load, from loadStart
// to loadEnd: its steady state. The warm-up before loadStart is no part of
// the load, so it does not stretch the fifth back.
func lastFifth(samples []Sample, loadStart, loadEnd float64) []Sample {
	return samplesBetween(samples, fifthCut(loadStart, loadEnd), loadEnd)
}

// fifthCut is where the last fifth of the load begins.
func fifthCut(loadStart, loadEnd float64) float64 {
	return loadStart + (loadEnd-loadStart)*4/5
}

// medianPerPendingSpan is the median of perPendingSpan over the samples:
// one sample's RssAnon depends on where the garbage collector stood, the
// median of a few minutes' samples does not.
func medianPerPendingSpan(base Sample, samples []Sample, of func(Sample) float64) float64 {
	var values []float64
	for _, s := range samples {
		if s.PendingSpans > base.PendingSpans {
			values = append(values, perPendingSpan(base, s, of))
		}
	}
	return median(values)
}

// median is the middle of values, the mean of the two middle ones when
// their number is even, 0 when there are none; it sorts values.
func median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	slices.Sort(values)
	if n := len(values); n%2 == 0 {
		return (values[n/2-1] + values[n/2]) / 2
	}
	return values[len(values)/2]
}

// perPendingSpan is what of spans grew from base to steady, in bytes, per
// span that became pending in between; 0 when none did.
func perPendingSpan(base, steady Sample, of func(Sample) float64) float64 {
	spans := steady.PendingSpans - base.PendingSpans
	if spans <= 0 {
		return 0
	}
	return (of(steady) - of(base)) * (1 << 20) / spans
}

// lateGrowth is how much the highest RssAnon of the last fifth of the load
// exceeds the highest of the load before it (the warm-up left out).
func lateGrowth(samples []Sample, loadStart, loadEnd float64) float64 {
	cut := fifthCut(loadStart, loadEnd)
	var before, after float64
	for _, s := range samples {
		switch {
		case s.At < loadStart || s.At > loadEnd:
		case s.At <= cut:
			before = max(before, s.AnonMiB)
		default:
			after = max(after, s.AnonMiB)
		}
	}
	return max(after-before, 0)
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
		failures = append(failures, fmt.Errorf("spans in %d (receiver), spans out %d: of %d acknowledged %d missing %v, %d duplicated, %d unknown, %d with other span ids",
			rep.SpansIn, rep.SpansOut, d.Acked, d.Missing, d.MissingIDs, d.Duplicated, d.Unknown, d.IDsDiffer))
	}
	if rep.Overflow > 0 {
		failures = append(failures, fmt.Errorf("%d spans left the join as overflow (its bounds: max_pending %d, max_pending_bytes %d)", rep.Overflow, o.MaxPending, o.MaxPendingBytes))
	}
	if rep.NotJoined > 0 {
		failures = append(failures, fmt.Errorf("%d of %d spans whose rows were visible a poll before the stop were not joined", rep.NotJoined, rep.ShouldJoin))
	}
	if o.MaxAnonPerSpan > 0 && rep.AnonPerSpan > o.MaxAnonPerSpan {
		failures = append(failures, fmt.Errorf("RssAnon per pending span %.0f B above the baseline, more than %.0f B", rep.AnonPerSpan, o.MaxAnonPerSpan))
	}
	if o.MaxPeakAnonMiB > 0 && rep.PeakAnonMiB > o.MaxPeakAnonMiB {
		failures = append(failures, fmt.Errorf("peak RssAnon %.0f MiB, more than %.0f MiB", rep.PeakAnonMiB, o.MaxPeakAnonMiB))
	}
	if o.Plateau > 0 && rep.LateGrowth > o.Plateau*rep.PeakAnonMiB {
		failures = append(failures, fmt.Errorf("RssAnon still grew %.0f MiB over the last fifth of the load (more than %.0f%% of the %.0f MiB peak): no plateau", rep.LateGrowth, 100*o.Plateau, rep.PeakAnonMiB))
	}
	if !rep.Drained && o.Storage {
		failures = append(failures, fmt.Errorf("the join still held spans %s after the load (-drain): a stop keeps them stored", o.drain()))
	}
	return errors.Join(failures...)
}
