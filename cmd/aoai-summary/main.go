// Command aoai-summary reads the spans the collector's file exporter wrote
// (OTLP/JSON, one document per line) and prints what a platform team looks at
// first: tokens per caller and deployment, latency per region, where the token
// counts came from, the cost per caller and deployment of the calls the
// processor priced, and for provisioned deployments each caller's share of an
// hour's PTU cost (-config reads their size and price from the collector's
// configuration, -ptu gives or overrides one). With -metrics it
// also checks that the token metric of the signal_to_metrics connector adds up
// to the spans' usage.
//
//	go run ./cmd/aoai-summary -config examples/local/config.yaml -metrics _out/metrics.jsonl _out/traces.jsonl
package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/internal/summary"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("aoai-summary", flag.ContinueOnError)
	fs.SetOutput(stderr)
	metricsFile := fs.String("metrics", "", "file of the connector's metrics (OTLP/JSON lines, delta) to check against the spans")
	expect := fs.Int("expect", 0, "fail unless the traces hold this many spans (0: no check)")
	wait := fs.Duration("wait", 0, "with -expect: wait up to this long for the spans to be written")
	config := fs.String("config", "", "the collector's configuration: the provisioned deployments of its azure_openai processors' pricing.deployments")
	ptu := map[string]summary.PTUDeployment{}
	fs.Func("ptu", "a provisioned deployment's size and price, deployment=PTUS:HOURLY_PRICE_PER_PTU (repeatable; over -config): splits its hourly cost by caller", func(v string) error {
		name, d, err := summary.ParsePTUDeployment(v)
		ptu[name] = d
		return err
	})
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: aoai-summary [flags] TRACES.jsonl...\n\n"+
			"Sums up the model calls in the file exporter's output.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	provisioned, err := provisionedDeployments(*config, ptu)
	if err != nil {
		fmt.Fprintln(stderr, "aoai-summary:", err)
		return 2
	}

	traces, err := readUntil(fs.Args(), *expect, *wait)
	if err != nil {
		fmt.Fprintln(stderr, "aoai-summary:", err)
		return 1
	}
	s := summary.Summarize(traces)
	s.ChargePTU(provisioned)
	if *expect > 0 && s.Spans != *expect {
		fmt.Fprintf(stderr, "aoai-summary: %d spans in %v, expected %d\n", s.Spans, fs.Args(), *expect)
		return 1
	}
	if err := s.Write(stdout); err != nil {
		fmt.Fprintln(stderr, "aoai-summary:", err)
		return 1
	}
	if *metricsFile != "" {
		return checkMetrics(*metricsFile, s.Total(), stdout, stderr)
	}
	return 0
}

// provisionedDeployments are those of the configuration at path (none
// without one), with the -ptu ones over them.
func provisionedDeployments(path string, flags map[string]summary.PTUDeployment) (map[string]summary.PTUDeployment, error) {
	deployments := map[string]summary.PTUDeployment{}
	if path != "" {
		var err error
		if deployments, err = summary.ReadPTUConfig(path); err != nil {
			return nil, err
		}
	}
	maps.Copy(deployments, flags)
	return deployments, nil
}

// readUntil reads the files, and with expect > 0 reads them again until they
// hold that many spans or wait has passed: the file exporter writes batches
// some time after the receiver accepted the records.
func readUntil(paths []string, expect int, wait time.Duration) ([]ptrace.Traces, error) {
	deadline := time.Now().Add(wait)
	for {
		var all []ptrace.Traces
		for _, p := range paths {
			td, err := summary.ReadTraces(p)
			if err != nil {
				return nil, err
			}
			all = append(all, td...)
		}
		if expect <= 0 || summary.SpanCount(all) >= expect || time.Now().After(deadline) {
			return all, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkMetrics compares the token histogram with the spans' usage.
func checkMetrics(path string, spans summary.TokenRow, stdout, stderr io.Writer) int {
	metrics, err := summary.ReadMetrics(path)
	if err != nil {
		fmt.Fprintln(stderr, "aoai-summary:", err)
		return 1
	}
	totals, ok := summary.SumTokenMetric(metrics)
	if !ok {
		fmt.Fprintf(stderr, "aoai-summary: %s holds cumulative %s data points; the check needs the connector's delta output\n", path, summary.TokenMetric)
		return 1
	}
	in, out := spans.InputTokens, spans.OutputTokens
	fmt.Fprintf(stdout, "\nMetric %s (%d data points): input %.0f, output %.0f", summary.TokenMetric, totals.Points, totals.Input, totals.Output)
	if math.Abs(totals.Input-float64(in)) > 0.5 || math.Abs(totals.Output-float64(out)) > 0.5 {
		fmt.Fprintf(stdout, " - DIFFERS from the spans (input %d, output %d)\n", in, out)
		return 1
	}
	fmt.Fprintln(stdout, " - equal to the spans' usage")
	return 0
}
