// Command aoai-replay posts exchange records to an ai_gateway receiver at a
// given rate, concurrency and count, prints a progress line, and ends with a
// summary: sent, accepted, rejected, retried, failed and answer latencies. It
// honours 429/503 Retry-After, as a gateway should.
//
//	go run ./cmd/aoai-replay -rate 50 -count 1000 examples/records
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/internal/replay"
)

// headerFlags collects repeated -H "Name: value" flags.
type headerFlags map[string]string

func (h headerFlags) String() string { return fmt.Sprint(map[string]string(h)) }

func (h headerFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("header %q is not \"Name: value\"", v)
	}
	h[strings.TrimSpace(name)] = strings.TrimSpace(value)
	return nil
}

func main() {
	os.Exit(run())
}

func run() int {
	headers := headerFlags{}
	url := flag.String("url", "http://localhost:4320/v1/exchanges", "receiver URL")
	rate := flag.Float64("rate", 0, "records per second (0: as fast as the receiver answers)")
	concurrency := flag.Int("concurrency", 1, "requests in flight")
	count := flag.Int("count", 0, "records to send, cycling through the inputs (0: each record once)")
	duration := flag.Duration("duration", 0, "stop after this long (0: when count records went out)")
	batch := flag.Int("batch", 1, "records per request (more than 1 go as NDJSON)")
	gz := flag.Bool("gzip", false, "gzip request bodies")
	retries := flag.Int("max-retries", 10, "retries per request after 429/503 or connection errors")
	progress := flag.Duration("progress", time.Second, "progress line interval (0: none)")
	asJSON := flag.Bool("json", false, "print the summary as JSON")
	flag.Var(headers, "H", "extra request header \"Name: value\" (repeatable)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: aoai-replay [flags] FILE|DIR...\n\n"+
			"Posts exchange records (JSON, JSON arrays or NDJSON) to an ai_gateway receiver.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		return 2
	}

	records, err := replay.LoadRecords(flag.Args()...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "aoai-replay:", err)
		return 1
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := replay.Options{
		URL: *url, Records: records, Count: *count, Duration: *duration, Rate: *rate,
		Concurrency: *concurrency, Batch: *batch, Gzip: *gz, MaxRetries: *retries, Headers: headers,
	}
	if *progress > 0 {
		opts.Progress, opts.ProgressEvery = os.Stderr, *progress
	}
	summary, err := replay.Run(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "aoai-replay:", err)
		return 1
	}
	if *asJSON {
		out, _ := json.MarshalIndent(summary, "", "  ")
		fmt.Println(string(out))
	} else {
		fmt.Println(summary)
		if summary.LastError != "" {
			fmt.Println("last error:", summary.LastError)
		}
	}
	if summary.Failed > 0 || summary.Rejected > 0 {
		return 1
	}
	return 0
}
