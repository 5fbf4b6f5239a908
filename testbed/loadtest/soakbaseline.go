package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"fmt"
	"time"
)

// warmupPolls is how many poll intervals the warm-up lasts by default: the
// first poll comes a poll interval after the start, and the join's steady
// cycle (the cursor's scan of the last minutes' rows, a poll's release
// downstream through the batch processor and the exporter) needs a few
// more before its working set stops growing.
const warmupPolls = 5

// baselinePolls is how many of the warm-up's last poll intervals the
// baseline is the median of.
const baselinePolls = 2

// warmup is Warmup with its default filled in: warmupPolls poll intervals.
func (o SoakOptions) warmup() time.Duration {
	if o.Warmup > 0 {
		return o.Warmup
	}
	return warmupPolls * o.PollInterval
}

// baselineWindow is the part of a warm-up ending at end (seconds since the
// sampler's start) whose samples make the baseline: its last baselinePolls
// poll intervals, all of it when it is shorter.
func baselineWindow(end float64, warmup, pollInterval time.Duration) (from, to float64) {
	span := min(baselinePolls*pollInterval, warmup).Seconds()
	return max(end-span, 0), end
}

// warmBaseline is the collector the soak's per-span figure is measured
// above, from window: the samples taken at the warm-up's end, when the collector
// runs at the soak's rate with every row visible at once, so it does each
// poll's work (the scan, the release, the export) with few spans pending.
// Whatever that work holds belongs to the collector at this rate, not to
// the spans waiting, so the baseline must have polled: a sample taken before
// the first poll counts the poll's working set as a cost of each pending
// span. Levels (RssAnon and the other memory figures, pending spans, disk)
// are the medians of the window, since one sample depends on where the
// garbage collector and the poll cycle stood and the median over two polls
// does not; running totals (CPU, accepted, exported) and At are the last
// sample's. No sample in the window: the zero Sample.
func warmBaseline(window []Sample) Sample {
	if len(window) == 0 {
		return Sample{}
	}
	level := func(of func(Sample) float64) float64 {
		values := make([]float64, len(window))
		for i, s := range window {
			values[i] = of(s)
		}
		return median(values)
	}
	b := window[len(window)-1]
	b.RSSMiB = level(func(s Sample) float64 { return s.RSSMiB })
	b.AnonMiB = level(func(s Sample) float64 { return s.AnonMiB })
	b.FileMiB = level(func(s Sample) float64 { return s.FileMiB })
	b.ShmemMiB = level(func(s Sample) float64 { return s.ShmemMiB })
	b.PendingSpans = level(func(s Sample) float64 { return s.PendingSpans })
	b.PendingMiB = level(func(s Sample) float64 { return s.PendingMiB })
	b.DiskMiB = level(func(s Sample) float64 { return s.DiskMiB })
	return b
}

// takeBaseline sets the report's baseline from the samples of a warm-up
// that ended at end, seconds since the sampler's start.
func takeBaseline(rep *SoakReport, end float64, samples []Sample) {
	from, to := baselineWindow(end, rep.Options.Warmup, rep.Options.PollInterval)
	window := samplesBetween(samples, from, to)
	rep.Baseline = warmBaseline(window)
	rep.BaselineSamples = len(window)
	rep.BaselineWindow = to - from
}

// baselineHow says how the baseline was taken, for the log and the report.
func (r *SoakReport) baselineHow() string {
	return fmt.Sprintf("the median of %d samples over the last %.0f s of a %s warm-up (poll interval %s)",
		r.BaselineSamples, r.BaselineWindow, r.Options.Warmup, r.Options.PollInterval)
}
