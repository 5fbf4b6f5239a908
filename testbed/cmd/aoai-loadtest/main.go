// Command aoai-loadtest measures the built collector on loopback and checks
// its reliability, the way an operator runs it:
//
//	aoai-loadtest rates  -bin _build/otelcol-aoai    # stepped load, ours beside otlp+transform
//	aoai-loadtest soak   -bin _build/otelcol-aoai    # 20 minutes at 500/s with the diagnostics join
//	aoai-loadtest faults -bin _build/otelcol-aoai exporter-down kill kill-storage loganalytics hostile
//
// Each run prints its figures, writes them (JSON and Markdown) and the
// collectors' logs under -out, and exits 1 when a property it checks fails
// (2 for bad usage). `make loadtest`, `make soak` and `make faults` run it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: aoai-loadtest rates|soak|faults [flags] [scenario...]; -h after the mode lists its flags")
}

func run(args []string) int {
	if len(args) == 0 {
		usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	mode, args := args[0], args[1:]
	modes := map[string]func(context.Context, *commonFlags, []string) (int, error){
		"rates": runRates, "soak": runSoak, "faults": runFaults,
	}
	runMode, ok := modes[mode]
	if !ok {
		usage()
		return 2
	}
	code, err := runMode(ctx, newCommonFlags(mode), args)
	if code != 0 {
		return code
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	fmt.Fprintln(os.Stderr, "PASS")
	return 0
}

// commonFlags are the flags of every mode.
type commonFlags struct {
	fs                 *flag.FlagSet
	bin, out, examples *string
}

func newCommonFlags(mode string) *commonFlags {
	fs := flag.NewFlagSet(mode, flag.ContinueOnError)
	return &commonFlags{
		fs:       fs,
		bin:      fs.String("bin", "_build/otelcol-aoai", "the built collector"),
		out:      fs.String("out", "_loadtest", "folder for results, collector logs and profiles"),
		examples: fs.String("examples", "examples/records", "the example records the load is made of"),
	}
}

// common is what the flags say every scenario shares.
func (c *commonFlags) common() loadtest.Common {
	return loadtest.Common{Binary: c.binary(), OutDir: *c.out, Examples: *c.examples, Log: os.Stderr}
}

// binary is -bin made absolute: the collector runs in its own folder.
func (c *commonFlags) binary() string {
	abs, err := filepath.Abs(*c.bin)
	if err != nil {
		return *c.bin
	}
	return abs
}

// runRates is the rates mode; a non-zero code is bad usage.
func runRates(ctx context.Context, c *commonFlags, args []string) (code int, err error) {
	fs := c.fs
	o := loadtest.RatesOptions{}
	rates := fs.String("rates", "250,500,1000,2000,3000,4000", "paced steps, records per second")
	fs.BoolVar(&o.Unpaced, "unpaced", true, "add an unpaced step: as fast as the collector answers")
	fs.IntVar(&o.UnpacedConcurrency, "unpaced-concurrency", 8, "requests in flight in the unpaced step")
	fs.DurationVar(&o.StepDuration, "step", 60*time.Second, "measured time per step and pipeline")
	fs.DurationVar(&o.Warmup, "warmup", 5*time.Second, "warm-up before each measured step")
	fs.IntVar(&o.Concurrency, "concurrency", 32, "most requests in flight in paced steps")
	fs.IntVar(&o.Batch, "batch", 1, "records per request (an API Management policy posts one)")
	fs.IntVar(&o.Pool, "pool", 1000, "distinct records cycled")
	fs.IntVar(&o.MemoryLimitMiB, "memory-limit-mib", 1024, "memory_limiter limit_mib of both pipelines")
	fs.Float64Var(&o.ProfileRate, "profile-rate", 1000, "save a 20-s CPU profile of each pipeline during this paced step (0: none)")
	fs.Float64Var(&o.MinCPURatio, "min-cpu-ratio", 3, "goal: transform CPU per record / ours, at every step both sustain (0: no check)")
	if err := fs.Parse(args); err != nil {
		return 2, nil
	}
	if o.Rates, err = parseRates(*rates); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2, nil
	}
	o.Binary, o.OutDir, o.Examples, o.Log = c.binary(), *c.out, *c.examples, os.Stderr
	report, err := loadtest.RunRates(ctx, o)
	if report != nil {
		writeResults(*c.out, "loadtest", report, loadtest.RatesMarkdown(report, o))
	}
	return 0, err
}

// runSoak is the soak mode; a non-zero code is bad usage.
func runSoak(ctx context.Context, c *commonFlags, args []string) (code int, err error) {
	fs := c.fs
	o := loadtest.SoakOptions{}
	fs.DurationVar(&o.Duration, "duration", 20*time.Minute, "how long the measured load runs")
	fs.Float64Var(&o.Rate, "rate", 500, "records per second")
	fs.DurationVar(&o.Warmup, "warmup", 0, "load before the measured one, rows visible at once; the median over its last 2 polls is the baseline (0: 5 poll intervals)")
	fs.DurationVar(&o.Rows.MinDelay, "min-delay", 2*time.Minute, "earliest a call's RequestResponse rows become visible")
	fs.DurationVar(&o.Rows.MaxDelay, "max-delay", 10*time.Minute, "latest a call's RequestResponse rows become visible")
	fs.DurationVar(&o.Rows.UsageSpread, "usage-spread", time.Minute, "the usage row comes up to this much before or after the RequestResponse rows")
	fs.Float64Var(&o.Rows.UsageNever, "usage-never", 0.25, "share of calls that never get a usage row")
	fs.DurationVar(&o.PollInterval, "poll-interval", 30*time.Second, "diagnostics poll_interval")
	fs.DurationVar(&o.MaxWait, "max-wait", 15*time.Minute, "diagnostics max_wait")
	fs.Int64Var(&o.MaxPending, "max-pending", 400000, "diagnostics max_pending (0: the default)")
	fs.Int64Var(&o.MaxPendingBytes, "max-pending-bytes", 4<<30, "diagnostics max_pending_bytes (0: the default)")
	fs.BoolVar(&o.Storage, "storage", false, "pending spans on disk: diagnostics.storage: file_storage/join, in the run's folder")
	fs.Int64Var(&o.MaxStoredBytes, "max-stored-bytes", 4<<30, "diagnostics max_stored_bytes with -storage (0: the default)")
	fs.StringVar(&o.Lookup, "lookup", "", "diagnostics.lookup: cursor or keys (empty: not set)")
	fs.DurationVar(&o.Drain, "drain", 0, "longest wait after the load for the join to hold nothing (0: max_wait + 2 polls with -storage, one poll without)")
	fs.IntVar(&o.MemoryLimitMiB, "memory-limit-mib", 512, "memory_limiter limit_mib (GOMEMLIMIT is set to 80 % of it)")
	fs.Float64Var(&o.Plateau, "plateau", 0.10, "most RssAnon may grow over the last fifth of the load, as a share of its peak (0: no check)")
	fs.Float64Var(&o.MaxAnonPerSpan, "max-anon-per-span", 300, "most RssAnon bytes per pending span above the baseline (0: no check)")
	fs.Float64Var(&o.MaxPeakAnonMiB, "max-peak-anon-mib", 512, "most RssAnon at any sample, MiB (0: no check)")
	if err := fs.Parse(args); err != nil {
		return 2, nil
	}
	o.Common = c.common()
	report, err := loadtest.RunSoak(ctx, o)
	if report != nil {
		writeResults(*c.out, "soak", report, loadtest.SoakMarkdown(report))
	}
	return 0, err
}

// runFaults is the faults mode: the scenarios named, or all; a non-zero
// code is bad usage.
func runFaults(ctx context.Context, c *commonFlags, args []string) (code int, err error) {
	fs := c.fs
	o := loadtest.FaultOptions{}
	fs.DurationVar(&o.LogAnalyticsWindow, "la-window", 5*time.Minute, "loganalytics: how long the workspace fails")
	fs.DurationVar(&o.LogAnalyticsMaxWait, "la-max-wait", 2*time.Minute, "loganalytics: the join's max_wait")
	fs.DurationVar(&o.HostileDuration, "hostile-duration", time.Minute, "hostile: how long the inputs run")
	fs.Float64Var(&o.StorageRate, "storage-rate", 500, "kill-storage: records per second")
	fs.DurationVar(&o.StorageKillAfter, "storage-kill-after", time.Minute, "kill-storage: load before the SIGKILL")
	fs.DurationVar(&o.StorageLoadAfter, "storage-load-after", 30*time.Second, "kill-storage: load after the restart")
	fs.StringVar(&o.Lookup, "lookup", "", "kill-storage: diagnostics.lookup, cursor or keys (empty: not set)")
	if err := fs.Parse(args); err != nil {
		return 2, nil
	}
	names := fs.Args()
	if len(names) == 0 {
		names = loadtest.FaultOrder
	}
	for _, n := range names {
		if loadtest.Faults[n] == nil {
			fmt.Fprintf(os.Stderr, "no scenario %q; there are %s\n", n, strings.Join(loadtest.FaultOrder, ", "))
			return 2, nil
		}
	}
	o.Common = c.common()
	machine := loadtest.Machine(o.Binary)
	var results []*loadtest.FaultResult
	var failed []string
	for _, n := range names {
		r := loadtest.Faults[n](ctx, o)
		results = append(results, r)
		if !r.Passed {
			failed = append(failed, n+": "+r.Error)
		}
		fmt.Fprintf(os.Stderr, "%s: %s\n", n, map[bool]string{true: "PASS", false: "FAIL"}[r.Passed])
	}
	_ = os.MkdirAll(*c.out, 0o755)
	writeResults(*c.out, "faults-"+strings.Join(names, "-"), results, loadtest.FaultsMarkdown(results, machine))
	if len(failed) > 0 {
		return 0, errors.New(strings.Join(failed, "\n"))
	}
	return 0, nil
}

func parseRates(s string) ([]float64, error) {
	var rates []float64
	for _, f := range strings.Split(s, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("-rates: %q is not a positive rate", f)
		}
		rates = append(rates, r)
	}
	return rates, nil
}

// writeResults writes name.json and name.md under out and prints the Markdown.
func writeResults(out, name string, v any, markdown string) {
	if raw, err := json.MarshalIndent(v, "", "  "); err == nil {
		_ = os.WriteFile(filepath.Join(out, name+".json"), raw, 0o644)
	}
	_ = os.WriteFile(filepath.Join(out, name+".md"), []byte(markdown), 0o644)
	fmt.Println(markdown)
}
