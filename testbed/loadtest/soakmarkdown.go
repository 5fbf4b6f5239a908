package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"fmt"
	"strings"
)

// SoakMarkdown renders the soak's figures.
func SoakMarkdown(r *SoakReport) string {
	var b strings.Builder
	o := r.Options
	mode := "in memory"
	if o.Storage {
		mode = "on file_storage"
	}
	lookup := o.Lookup
	if lookup == "" {
		lookup = "default"
	}
	fmt.Fprintf(&b, "## Soak: diagnostics join %s (lookup %s), %s at %.0f records/s, rows %s–%s late, usage row ±%s, %.0f %% never\n\n",
		mode, lookup, o.Duration, o.Rate, o.Rows.MinDelay, o.Rows.MaxDelay, o.Rows.UsageSpread, 100*o.Rows.UsageNever)
	fmt.Fprintf(&b, "Machine: %s; load average at the end %s.\n\n", r.Machine, r.LoadAtEnd)
	b.WriteString("| figure | value |\n|---|---|\n")
	d := r.Delivery
	fmt.Fprintf(&b, "| spans in (receiver's accepted_spans) / out (at the sink) | %d / %d |\n", r.SpansIn, r.SpansOut)
	fmt.Fprintf(&b, "| acknowledged records / exported / missing / twice / other span ids | %d / %d / %d / %d / %d |\n", d.Acked, d.Arrived, d.Missing, d.Duplicated, d.IDsDiffer)
	fmt.Fprintf(&b, "| spans refused by the memory limiter (429, resent by the replay) | %d |\n", r.Refused)
	fmt.Fprintf(&b, "| diagnostics status of the spans out | %s |\n", fmtCounts(r.Statuses))
	fmt.Fprintf(&b, "| overflow | %d |\n", r.Overflow)
	fmt.Fprintf(&b, "| calls without a usage row | %d |\n", r.UsageNever)
	fmt.Fprintf(&b, "| spans whose rows were all visible a poll before the stop / not joined | %d / %d |\n", r.ShouldJoin, r.NotJoined)
	fmt.Fprintf(&b, "| spans pending at the baseline / at the load's end / most | %.0f / %.0f / %.0f |\n", r.Baseline.PendingSpans, r.Steady.PendingSpans, r.MaxPending)
	fmt.Fprintf(&b, "| RssAnon at the baseline / at the load's end | %.0f / %.0f MiB |\n", r.Baseline.AnonMiB, r.Steady.AnonMiB)
	fmt.Fprintf(&b, "| baseline (RssAnon, pending spans) | %s |\n", r.baselineHow())
	fmt.Fprintf(&b, "| **RssAnon per pending span above the baseline**, median over the last fifth of the load (at its last sample) | **%.0f B** (%.0f B; at most %.0f) |\n", r.AnonPerSpan, r.AnonPerSpanAtEnd, o.MaxAnonPerSpan)
	fmt.Fprintf(&b, "| **peak RssAnon** | **%.0f MiB** (at most %.0f) |\n", r.PeakAnonMiB, o.MaxPeakAnonMiB)
	fmt.Fprintf(&b, "| peak RssFile / RssShmem / VmHWM | %.0f / %.0f / %.0f MiB |\n", r.PeakFileMiB, r.PeakShmemMiB, r.PeakRSSMiB)
	fmt.Fprintf(&b, "| storage on disk at the load's end / peak; per pending span (median, last fifth) | %.0f / %.0f MiB; %.0f B |\n", r.Steady.DiskMiB, r.PeakDiskMiB, r.DiskPerSpan)
	fmt.Fprintf(&b, "| RssAnon growth over the last fifth of the load | %.1f MiB (allowed %.0f %% of the peak) |\n", r.LateGrowth, 100*o.Plateau)
	fmt.Fprintf(&b, "| collector CPU per 1 000 records (lifting + join + export) | %.3f s |\n", r.CPUPer1000)
	fmt.Fprintf(&b, "| queries per poll during the load: mean / most (polls, queries) | %.1f / %d (%d, %d) |\n", r.Polls.Mean, r.Polls.Max, r.Polls.Polls, r.Polls.Queries)
	fmt.Fprintf(&b, "| replay | %s |\n", r.Summary)
	fmt.Fprintf(&b, "| drained before the stop / clean stop | %s / %s |\n", yesNo(r.Drained), yesNo(r.ExitClean))
	b.WriteString("\n| t (s) | RssAnon MiB | RssFile MiB | pending spans | pending MiB (estimate) | disk MiB | accepted | exported |\n|---|---|---|---|---|---|---|---|\n")
	step := max(len(r.Samples)/12, 1)
	for i := 0; i < len(r.Samples); i += step {
		s := r.Samples[i]
		fmt.Fprintf(&b, "| %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %d | %d |\n", s.At, s.AnonMiB, s.FileMiB, s.PendingSpans, s.PendingMiB, s.DiskMiB, s.Accepted, s.Exported)
	}
	return b.String()
}
