package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Machine describes where figures were taken.
func Machine(binary string) string {
	cpu := "unknown CPU"
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(raw)) {
			if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
				cpu = strings.TrimSpace(value)
				break
			}
		}
	}
	version := "?"
	if out, err := exec.Command(binary, "--version").Output(); err == nil {
		version = strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("%d × %s, %s, %s, collector %q, load average %s, %s",
		runtime.NumCPU(), cpu, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH, version, LoadAverage(),
		time.Now().UTC().Format("2006-01-02 15:04 UTC"))
}

// LoadAverage is the first three fields of /proc/loadavg.
func LoadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// RatesMarkdown renders the load test's figures, the ratios first.
func RatesMarkdown(r *RatesReport, o RatesOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Load test: ai_gateway+azure_openai beside otlp+transform\n\n")
	fmt.Fprintf(&b, "Machine: %s.\n\n", Machine(o.Binary))
	fmt.Fprintf(&b, "Steps of %s (after %s warm-up), %d record(s) per request, %d in flight at most (unpaced: %d), %d distinct records: 70 %% non-streaming chat (~3 KB), 30 %% streamed (~30 KB).\n\n",
		o.StepDuration, o.Warmup, o.Batch, o.Concurrency, o.UnpacedConcurrency, o.Pool)

	b.WriteString("| ratio (otlp+transform / ours) | value |\n|---|---|\n")
	for _, c := range r.CPURatios {
		fmt.Fprintf(&b, "| CPU per 1 000 records at %s | **%.2f×** |\n", rateName(c.Rate), c.Ratio)
	}
	if ours, theirs := r.MaxSustained[Ours], r.MaxSustained[Transform]; theirs > 0 {
		fmt.Fprintf(&b, "| max sustained paced step (ours / theirs) | **%.0f / %.0f records/s = %.2f×** |\n", ours, theirs, ours/theirs)
	} else {
		fmt.Fprintf(&b, "| max sustained paced step (ours / theirs) | %.0f / %.0f records/s |\n", ours, theirs)
	}
	if ours, theirs := r.Unpaced[Ours], r.Unpaced[Transform]; theirs > 0 {
		fmt.Fprintf(&b, "| unpaced throughput (ours / theirs) | **%.0f / %.0f records/s = %.2f×** |\n", ours, theirs, ours/theirs)
	}
	b.WriteString("\n| pipeline | step | offered/s | accepted/s | CPU s / 1 000 | cores | peak RSS MiB | p50 | p99 | exported / accepted | sustained |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "| %s | %s | %.0f | %.0f | %.3f | %.2f | %.0f | %s | %s | %d / %d | %s |\n",
			s.Pipeline, rateName(s.TargetRate), s.OfferedRate, s.AcceptedRate, s.CPUPer1000, s.CPUCores, s.PeakRSSMiB,
			fmtLatency(s.P50), fmtLatency(s.P99), s.Exported, s.AcceptedTotal, yesNo(s.Sustained))
	}
	if len(r.KeyCounts[Ours]) > 0 && len(r.KeyCounts[Transform]) > 0 {
		perSpan := func(p Pipeline) float64 {
			var total int64
			for _, n := range r.KeyCounts[p] {
				total += n
			}
			return float64(total) / float64(max(r.Exported[p], 1))
		}
		only := func(p, other Pipeline) string {
			var keys []string
			for k := range r.KeyCounts[p] {
				if _, ok := r.KeyCounts[other][k]; !ok {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			if len(keys) == 0 {
				return "none"
			}
			return strings.Join(keys, ", ")
		}
		fmt.Fprintf(&b, "\nExported spans carry %.1f attributes on average from ours, %.1f from transform; keys only ours writes: %s; keys only transform writes: %s.\n",
			perSpan(Ours), perSpan(Transform), only(Ours, Transform), only(Transform, Ours))
	}
	b.WriteString("\nSustained: every record accepted at ≥ 98 % of the paced rate with no 429/503, p99 under 1 s, every accepted record exported.\n")
	return b.String()
}

func fmtLatency(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// MiB formats bytes as mebibytes.
func MiB(b int64) float64 { return float64(b) / (1 << 20) }
