package replay // import "github.com/otelcol-aoai/otelcol-aoai/internal/replay"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Options say what to send, where and how fast.
type Options struct {
	// URL of the receiver's exchange path, e.g. http://localhost:4320/v1/exchanges.
	URL string
	// Records to send, cycled in order until Count records went out.
	Records [][]byte
	// Record, when set, makes the n-th record (from 0) instead of cycling
	// through Records: long runs of distinct records without holding them all.
	Record func(n int) []byte
	// Target is what URL takes: exchange records (default) or OTLP/HTTP JSON.
	Target Target
	// Count of records to send; 0 sends each record once.
	Count int
	// Duration stops the run early when > 0.
	Duration time.Duration
	// Rate in records per second; 0 sends as fast as the receiver answers.
	Rate float64
	// Concurrency is the number of requests in flight (default 1).
	Concurrency int
	// Batch is the number of records per request (default 1; more go as NDJSON).
	Batch int
	// Gzip compresses request bodies.
	Gzip bool
	// MaxRetries per request after 429/503 answers or connection errors; 0 gives up at once.
	MaxRetries int
	// MaxBackoff caps the wait between retries, including the receiver's Retry-After (default 30s).
	MaxBackoff time.Duration
	// Headers added to every request (for auth extensions in front of the receiver).
	Headers map[string]string
	// Client sends the requests; default: a client with a 30 s timeout.
	Client *http.Client
	// Progress, when set, gets a status line every ProgressEvery (default 1 s).
	Progress      io.Writer
	ProgressEvery time.Duration
	// OnOutcome, when set, is called once per batch with its final answer (not
	// for attempts that were retried), from the worker that sent it: tools that
	// must know which records were acknowledged use it.
	OnOutcome func(Outcome)
}

// Target says what kind of endpoint Options.URL is.
type Target int

const (
	// TargetExchanges is an ai_gateway receiver: records go as JSON, several
	// per request as NDJSON, and the answer counts accepted records.
	TargetExchanges Target = iota
	// TargetOTLPJSON is an OTLP/HTTP traces endpoint (/v1/traces): each record
	// is an ExportTraceServiceRequest in OTLP JSON, a batch goes as one
	// request holding all their resource spans, and a 200 accepts every span
	// but those its partial_success rejects. Count records as one span each.
	TargetOTLPJSON
)

// Outcome is the final answer to one batch.
type Outcome struct {
	Records [][]byte
	// Status is the last HTTP status answered; 0 when no answer came. A
	// batch that ran out of retries ends with its last 429/503 (or 0).
	Status             int
	Accepted, Rejected int64
	At                 time.Time
}

// Summary is the outcome of a run.
type Summary struct {
	Requests int64 `json:"requests"`
	// Sent counts records the receiver answered for (each record once, however often retried).
	Sent     int64 `json:"sent"`
	Accepted int64 `json:"accepted"`
	Rejected int64 `json:"rejected"`
	// Retried counts retries after 429/503 or connection errors.
	Retried int64 `json:"retried"`
	// Failed counts records given up on: retries exhausted or an unexpected answer.
	Failed    int64          `json:"failed"`
	Statuses  map[int]int64  `json:"statuses"`
	Elapsed   time.Duration  `json:"elapsed_ns"`
	Latency   LatencySummary `json:"latency"`
	LastError string         `json:"last_error,omitempty"`
	_         struct{}       `json:"-"`
}

// LatencySummary holds answer-latency percentiles of single HTTP attempts.
type LatencySummary struct {
	P50 time.Duration `json:"p50_ns"`
	P90 time.Duration `json:"p90_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
}

// RecordsPerSecond is the accepted throughput of the run.
func (s Summary) RecordsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Accepted) / s.Elapsed.Seconds()
}

func (s Summary) String() string {
	return fmt.Sprintf("sent %d records in %d requests over %s (%.1f accepted/s): accepted %d, rejected %d, retried %d, failed %d; latency p50 %s p90 %s p99 %s max %s",
		s.Sent, s.Requests, s.Elapsed.Round(time.Millisecond), s.RecordsPerSecond(),
		s.Accepted, s.Rejected, s.Retried, s.Failed,
		s.Latency.P50.Round(time.Microsecond), s.Latency.P90.Round(time.Microsecond),
		s.Latency.P99.Round(time.Microsecond), s.Latency.Max.Round(time.Microsecond))
}

// counters are updated by the workers while the run goes on.
type counters struct {
	requests, sent, accepted, rejected, retried, failed atomic.Int64
	mu                                                  sync.Mutex
	statuses                                            map[int]int64
	lastError                                           string
	latency                                             latencyHistogram
}

func (c *counters) status(code int) {
	c.mu.Lock()
	c.statuses[code]++
	c.mu.Unlock()
}

func (c *counters) fail(err string) {
	c.mu.Lock()
	c.lastError = err
	c.mu.Unlock()
}

// Run sends the records and returns what happened. It stops early, with what
// it has counted so far, when ctx is done.
func Run(ctx context.Context, opts Options) (Summary, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	if opts.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Duration)
		defer cancel()
	}

	c := &counters{statuses: map[int]int64{}}
	batches := make(chan [][]byte, opts.Concurrency)
	start := time.Now()

	var workers sync.WaitGroup
	for range opts.Concurrency {
		workers.Go(func() {
			for batch := range batches {
				sendBatch(ctx, opts, c, batch)
			}
		})
	}

	stopProgress := make(chan struct{})
	var progressDone sync.WaitGroup
	if opts.Progress != nil {
		progressDone.Go(func() { reportProgress(opts, c, start, stopProgress) })
	}

	schedule(ctx, opts, start, batches)
	close(batches)
	workers.Wait()
	close(stopProgress)
	progressDone.Wait()

	return c.summary(time.Since(start)), nil
}

// withDefaults checks the options and fills in what was left zero.
func (opts Options) withDefaults() (Options, error) {
	if opts.URL == "" {
		return opts, errors.New("no receiver URL")
	}
	if len(opts.Records) == 0 && opts.Record == nil {
		return opts, errors.New("no records to send")
	}
	opts.Concurrency = max(opts.Concurrency, 1)
	opts.Batch = max(opts.Batch, 1)
	if opts.Count <= 0 {
		if opts.Record != nil {
			return opts, errors.New("a Record function needs a Count")
		}
		opts.Count = len(opts.Records)
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = time.Second
	}
	return opts, nil
}

// summary is what the counters add up to after elapsed.
func (c *counters) summary(elapsed time.Duration) Summary {
	return Summary{
		Requests: c.requests.Load(), Sent: c.sent.Load(), Accepted: c.accepted.Load(),
		Rejected: c.rejected.Load(), Retried: c.retried.Load(), Failed: c.failed.Load(),
		Statuses: c.statuses, Elapsed: elapsed, LastError: c.lastError,
		Latency: LatencySummary{
			P50: c.latency.quantile(0.50), P90: c.latency.quantile(0.90),
			P99: c.latency.quantile(0.99), Max: c.latency.quantile(1),
		},
	}
}

// schedule hands out batches at the configured rate. When the workers fall
// behind it blocks on the channel and then catches up without sleeping, so
// the offered rate is the configured one as long as the receiver keeps up.
func schedule(ctx context.Context, opts Options, start time.Time, batches chan<- [][]byte) {
	next := 0
	for emitted := 0; emitted < opts.Count; {
		n := min(opts.Batch, opts.Count-emitted)
		batch := make([][]byte, n)
		for i := range batch {
			if opts.Record != nil {
				batch[i] = opts.Record(emitted + i)
				continue
			}
			batch[i] = opts.Records[next]
			next = (next + 1) % len(opts.Records)
		}
		if opts.Rate > 0 {
			due := start.Add(time.Duration(float64(emitted) / opts.Rate * float64(time.Second)))
			if wait := time.Until(due); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case batches <- batch:
		}
		emitted += n
	}
}

// sendBatch posts one batch, retrying it whole after 429/503 or a connection
// error, as the receiver's contract asks.
func sendBatch(ctx context.Context, opts Options, c *counters, batch [][]byte) {
	n := int64(len(batch))
	body, contentType, err := encodeBatch(batch, opts.Target, opts.Gzip)
	if err != nil {
		c.failed.Add(n)
		c.fail(err.Error())
		outcome(opts, Outcome{Records: batch})
		return
	}
	backoff := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil {
			return
		}
		began := time.Now()
		a, err := post(ctx, opts, body, contentType, n)
		if ctx.Err() != nil {
			return // stopped mid-request: not an outcome of the receiver's
		}
		c.requests.Add(1)
		c.latency.record(time.Since(began))

		var wait time.Duration
		switch {
		case err != nil:
			c.fail(err.Error())
			wait = backoff
		case a.retryable():
			c.status(a.status)
			wait = a.retryAfter
			if wait == 0 {
				wait = backoff
			}
		default:
			c.final(a, n)
			outcome(opts, Outcome{Records: batch, Status: a.status, Accepted: a.accepted, Rejected: a.rejected})
			return
		}

		if attempt >= opts.MaxRetries {
			c.sent.Add(n)
			c.failed.Add(n)
			outcome(opts, Outcome{Records: batch, Status: a.status})
			return
		}
		c.retried.Add(1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(wait, opts.MaxBackoff)):
		}
		backoff = min(backoff*2, opts.MaxBackoff)
	}
}

// final counts the answer that ends a batch's attempts: accepted and
// rejected records as the receiver counted them, a 4xx as all rejected, any
// other status as all failed.
func (c *counters) final(a answer, n int64) {
	c.status(a.status)
	c.sent.Add(n)
	switch {
	case a.status == http.StatusOK:
		c.accepted.Add(a.accepted)
		c.rejected.Add(a.rejected)
		if a.rejected > 0 {
			c.fail(a.message)
		}
	case a.status >= 400 && a.status < 500:
		c.rejected.Add(n)
		c.fail(fmt.Sprintf("%d: %s", a.status, a.message))
	default:
		c.failed.Add(n)
		c.fail(fmt.Sprintf("%d: %s", a.status, a.message))
	}
}

func outcome(opts Options, o Outcome) {
	if opts.OnOutcome != nil {
		o.At = time.Now()
		opts.OnOutcome(o)
	}
}

func reportProgress(opts Options, c *counters, start time.Time, stop <-chan struct{}) {
	t := time.NewTicker(opts.ProgressEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			elapsed := time.Since(start)
			acc := c.accepted.Load()
			fmt.Fprintf(opts.Progress, "%6.1fs  sent %d/%d  accepted %d (%.0f/s)  rejected %d  retried %d  failed %d  p99 %s\n",
				elapsed.Seconds(), c.sent.Load(), opts.Count, acc, float64(acc)/elapsed.Seconds(),
				c.rejected.Load(), c.retried.Load(), c.failed.Load(), c.latency.quantile(0.99).Round(time.Microsecond))
		}
	}
}
