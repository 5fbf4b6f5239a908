package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/internal/replay"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

// FaultResult is the outcome of one fault scenario.
type FaultResult struct {
	Name     string `json:"name"`
	Property string `json:"property"`
	Passed   bool   `json:"passed"`
	// Figures are what the scenario measured, in order.
	Figures [][2]string `json:"figures"`
	Error   string      `json:"error,omitempty"`
}

func (f *FaultResult) figure(name, format string, args ...any) {
	f.Figures = append(f.Figures, [2]string{name, fmt.Sprintf(format, args...)})
}

// FaultOptions configure the fault scenarios; the durations let a quick run
// shrink them.
type FaultOptions struct {
	Common
	// LogAnalyticsWindow is how long the workspace fails (5 minutes).
	LogAnalyticsWindow time.Duration
	// LogAnalyticsMaxWait is the join's max_wait in that scenario.
	LogAnalyticsMaxWait time.Duration
	// HostileDuration is how long the hostile inputs and the valid traffic run.
	HostileDuration time.Duration
	// StorageRate, StorageKillAfter and StorageLoadAfter shape kill-storage:
	// records per second, load before the SIGKILL, load after the restart.
	StorageRate                        float64
	StorageKillAfter, StorageLoadAfter time.Duration
	// Lookup is diagnostics.lookup in kill-storage (empty: not set).
	Lookup string
}

// Faults lists the scenarios by name.
var Faults = map[string]func(context.Context, FaultOptions) *FaultResult{
	"exporter-down": ExporterDown,
	"kill":          Kill,
	"kill-storage":  KillWithStorage,
	"loganalytics":  LogAnalyticsDown,
	"hostile":       Hostile,
}

// FaultOrder is the order `faults` runs them in.
var FaultOrder = []string{"exporter-down", "kill", "kill-storage", "loganalytics", "hostile"}

// ExporterDown: otlp_http to a closed port, sending_queue on file_storage.
// The queue fills, the receiver refuses with 503/429 and Retry-After, the
// replay backs off; once the backend is back every acknowledged record is
// exported, and a record that came twice came with the same span id.
func ExporterDown(ctx context.Context, o FaultOptions) *FaultResult {
	res := &FaultResult{Name: "exporter-down", Property: "queue fills → 503/429 with Retry-After, sender backs off; after the exporter returns every acknowledged record is exported, duplicates only as the same span id"}
	err := func() error {
		const queueSize, rate, count = 1000, 200.0, 12000
		r, err := newRig(o.Common, res.Name, ConfigParams{Pipeline: Ours, Persistent: true, QueueSize: queueSize, MemoryLimitMiB: 256, SpikeLimitMiB: 64}, 8)
		if err != nil {
			return err
		}
		defer r.close()
		if err := r.start(ctx); err != nil {
			return err
		}
		r.logf("exporter down (port %d closed); %d records at %.0f/s, queue_size %d on file_storage", r.params.SinkPort, count, rate, queueSize)
		done := r.replayInBackground(ctx, replay.Options{Count: count, Rate: rate, Concurrency: 8, MaxRetries: 1000, MaxBackoff: 5 * time.Second})
		// Wait for the first refusals, let the sender back off a while, then
		// bring the backend up.
		deadline := time.Now().Add(90 * time.Second)
		for {
			_, refusals, _, _ := r.answers.snapshot()
			if refusals >= 50 {
				break
			}
			if time.Now().After(deadline) {
				return errors.New("no 429/503 within 90 s of the exporter going down")
			}
			time.Sleep(100 * time.Millisecond)
		}
		queueFull := scrapeMetrics(r.params.MetricsPort)["otelcol_exporter_queue_size"]
		ackedWhileDown := len(r.ledger.Acked())
		r.logf("refusing: queue size %.0f, %d records acknowledged; backend stays down 15 s more", queueFull, ackedWhileDown)
		time.Sleep(15 * time.Second)
		statusesDown, refusalsDown, withRetryDown, _ := r.answers.snapshot()
		if err := r.sink.Start(); err != nil {
			return err
		}
		r.logf("backend up")
		sum := <-done
		if !r.waitArrived(ctx, 3*time.Minute) {
			r.logf("not every acknowledged record arrived within 3 minutes")
		}
		stopErr := r.stop(ctx)
		d := compareDelivery(r.ledger.Acked(), r.sink.Arrivals(), r.mix.sentBy(count))

		res.figure("queue size when refusals began", "%.0f of %d", queueFull, queueSize)
		res.figure("answers while the exporter was down", "%s; refusals with Retry-After %d of %d", fmtCounts(statusesDown), withRetryDown, refusalsDown)
		res.figure("replay", "%s", sum)
		res.figure("acknowledged / exported / missing", "%d / %d / %d", d.Acked, d.Arrived, d.Missing)
		res.figure("exported twice (same span id) / with different span ids", "%d / %d", d.Duplicated, d.IDsDiffer)

		var failures []error
		if refusalsDown == 0 || withRetryDown != refusalsDown {
			failures = append(failures, fmt.Errorf("%d refusals, %d with Retry-After", refusalsDown, withRetryDown))
		}
		if sum.Retried == 0 {
			failures = append(failures, errors.New("the replay never backed off"))
		}
		if sum.Failed > 0 || sum.Rejected > 0 {
			failures = append(failures, fmt.Errorf("replay: %d failed, %d rejected: %s", sum.Failed, sum.Rejected, sum.LastError))
		}
		if d.Missing > 0 || d.Unknown > 0 || d.IDsDiffer > 0 {
			failures = append(failures, fmt.Errorf("%d acknowledged records never exported %v, %d unknown, %d with different span ids", d.Missing, d.MissingIDs, d.Unknown, d.IDsDiffer))
		}
		return errors.Join(append(failures, stopErr)...)
	}()
	return res.done(err)
}

// Kill: the collector is killed with SIGKILL mid-load and restarted on the
// same file_storage. Without the join, every record acknowledged before the
// kill comes out after the restart. With the join, what the in-memory pending
// buffer held at the kill is lost; every span that had left it survives.
func Kill(ctx context.Context, o FaultOptions) *FaultResult {
	res := &FaultResult{Name: "kill", Property: "every record acknowledged before SIGKILL and persisted by the queue is exported after the restart; the join's in-memory buffer is lost"}
	var failures []error
	if err := killPersisted(ctx, o, res); err != nil {
		failures = append(failures, fmt.Errorf("without the join: %w", err))
	}
	if err := killWithJoin(ctx, o, res); err != nil {
		failures = append(failures, fmt.Errorf("with the join: %w", err))
	}
	return res.done(errors.Join(failures...))
}

// killPersisted: the backend is down, so acknowledged records sit in the
// persistent queue when the collector is killed.
func killPersisted(ctx context.Context, o FaultOptions, res *FaultResult) error {
	const rate, count = 200.0, 6000
	r, err := newRig(o.Common, "kill-queue", ConfigParams{Pipeline: Ours, Persistent: true, QueueSize: 100000}, 8)
	if err != nil {
		return err
	}
	defer r.close()
	if err := r.start(ctx); err != nil {
		return err
	}
	done := r.replayInBackground(ctx, replay.Options{Count: count, Rate: rate, Concurrency: 8, MaxRetries: 1000, MaxBackoff: time.Second})
	time.Sleep(10 * time.Second)
	r.col.Kill()
	before := r.ledger.Acked()
	r.logf("SIGKILL with the backend down: %d records acknowledged", len(before))
	time.Sleep(2 * time.Second)
	if err := r.start(ctx); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	r.logf("restarted on the same queue")
	if err := r.sink.Start(); err != nil {
		return err
	}
	sum := <-done
	if !r.waitArrived(ctx, 3*time.Minute) {
		r.logf("not every acknowledged record arrived within 3 minutes")
	}
	stopErr := r.stop(ctx)
	arrivals := r.sink.Arrivals()
	lostBefore := countMissing(before, arrivals)
	d := compareDelivery(r.ledger.Acked(), arrivals, r.mix.sentBy(count))
	res.figure("join off: acknowledged before the kill / exported after the restart", "%d / %d", len(before), len(before)-lostBefore)
	res.figure("join off: all acknowledged / exported / exported twice (same span id)", "%d / %d / %d", d.Acked, d.Arrived, d.Duplicated)
	res.figure("join off: replay", "%s", sum)

	var failures []error
	if lostBefore > 0 || d.Missing > 0 {
		failures = append(failures, fmt.Errorf("%d records acknowledged before the kill and %d in all never exported %v", lostBefore, d.Missing, d.MissingIDs))
	}
	if d.Unknown > 0 || d.IDsDiffer > 0 {
		failures = append(failures, fmt.Errorf("%d unknown spans, %d records with different span ids", d.Unknown, d.IDsDiffer))
	}
	if sum.Failed > 0 {
		failures = append(failures, fmt.Errorf("replay gave up on %d records: %s", sum.Failed, sum.LastError))
	}
	return errors.Join(append(failures, stopErr)...)
}

// killWithJoin: rows arrive rowDelay after the call, so spans wait in the
// join's buffer that long before they reach the persistent queue.
func killWithJoin(ctx context.Context, o FaultOptions, res *FaultResult) error {
	const rate, count = 100.0, 6000
	const rowDelay, poll = 20 * time.Second, 2 * time.Second
	r, err := newRig(o.Common, "kill-join", ConfigParams{Pipeline: Ours, Persistent: true, QueueSize: 100000}, 8)
	if err != nil {
		return err
	}
	defer r.close()
	const maxWait = 5 * time.Minute
	fake, err := r.startJoin(poll, maxWait, 10*time.Second)
	if err != nil {
		return err
	}
	if err := r.start(ctx); err != nil {
		return err
	}
	plan := newRowPlan(fake, r.mix, RowTiming{MinDelay: rowDelay, MaxDelay: rowDelay}, maxWait)
	done := r.replayInBackground(ctx, replay.Options{Record: plan.record, Count: count, Rate: rate, Concurrency: 8, MaxRetries: 1000, MaxBackoff: time.Second})
	time.Sleep(45 * time.Second)
	ackedBeforeScrape := len(r.ledger.Acked())
	pending := scrapeMetrics(r.params.MetricsPort)["otelcol_processor_azure_openai_diagnostics_pending_spans"]
	r.col.Kill()
	killedAt := time.Now()
	before := r.ledger.Acked()
	// What the buffer can have held at the kill: what it held at the scrape
	// and what was acknowledged since.
	bufferBound := int(pending) + len(before) - ackedBeforeScrape
	r.logf("SIGKILL with the join holding %.0f spans (last scrape); %d records acknowledged", pending, len(before))
	time.Sleep(2 * time.Second)
	if err := r.start(ctx); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	sum := <-done
	// Rows of the last records become visible rowDelay after them; give the
	// join two more polls, then stop: shutdown releases the rest.
	time.Sleep(rowDelay + 3*poll)
	r.waitArrived(ctx, 30*time.Second)
	stopErr := r.stop(ctx)
	arrivals := r.sink.Arrivals()

	// A span acknowledged well before the kill had its row found and left the
	// buffer for the persistent queue; one acknowledged within the window was
	// still in the buffer.
	window := rowDelay + 2*poll + 5*time.Second
	l := countKillLosses(r.ledger.Acked(), arrivals, killedAt, window)
	res.figure("join on: spans pending at the last scrape before the kill (+ acknowledged since)", "%.0f (+%d)", pending, len(before)-ackedBeforeScrape)
	res.figure(fmt.Sprintf("join on: acknowledged more than %s before the kill / lost", window), "%d / %d", l.early, l.earlyLost)
	res.figure(fmt.Sprintf("join on: acknowledged in the last %s before the kill / lost (the pending buffer)", window), "%d / %d", l.late, l.lateLost)
	res.figure("join on: acknowledged after the restart / lost", "%d / %d", l.after, l.afterLost)
	res.figure("join on: replay", "%s", sum)
	if l.lateLost == 0 && l.late > 0 {
		r.logf("no span of the pending buffer was lost: the kill came between polls that had emptied it")
	}
	return errors.Join(l.failures(bufferBound), stopErr)
}

// killLosses counts the acknowledged spans of the kill with the join, and
// the lost ones, by when they were acknowledged: well before the kill (their
// rows found, out of the buffer), in the last window before it (still in the
// buffer), after the restart.
type killLosses struct {
	early, earlyLost, late, lateLost, after, afterLost int
}

func countKillLosses(acked map[string]time.Time, arrivals map[string]Arrival, killedAt time.Time, window time.Duration) killLosses {
	var l killLosses
	for id, at := range acked {
		_, arrived := arrivals[id]
		lost := 0
		if !arrived {
			lost = 1
		}
		switch {
		case at.After(killedAt):
			l.after++
			l.afterLost += lost
		case at.Before(killedAt.Add(-window)):
			l.early++
			l.earlyLost += lost
		default:
			l.late++
			l.lateLost += lost
		}
	}
	return l
}

// failures: only the buffer may lose spans, at most bufferBound of them.
func (l killLosses) failures(bufferBound int) error {
	var failures []error
	if l.earlyLost > 0 {
		failures = append(failures, fmt.Errorf("%d spans that had left the join buffer before the kill were lost", l.earlyLost))
	}
	if l.earlyLost+l.lateLost > bufferBound {
		failures = append(failures, fmt.Errorf("%d spans lost, more than the %d the join buffer can have held", l.earlyLost+l.lateLost, bufferBound))
	}
	if l.afterLost > 0 {
		failures = append(failures, fmt.Errorf("%d spans acknowledged after the restart were lost", l.afterLost))
	}
	return errors.Join(failures...)
}

// LogAnalyticsDown: the workspace answers 500, 429 with Retry-After, or not at
// all, for a whole window. Spans still leave by max_wait (status error), once
// each; after the window the join works again.
func LogAnalyticsDown(ctx context.Context, o FaultOptions) *FaultResult {
	res := &FaultResult{Name: "loganalytics", Property: "with Log Analytics failing (500/429/timeouts) every span still leaves by max_wait, once, marked error; joins resume afterwards"}
	return res.done(logAnalyticsDown(ctx, o, res))
}

func logAnalyticsDown(ctx context.Context, o FaultOptions, res *FaultResult) error {
	const rate, poll, timeout = 20.0, 10 * time.Second, 10 * time.Second
	window, maxWait := o.LogAnalyticsWindow, o.LogAnalyticsMaxWait
	phase1 := window - maxWait - poll - 30*time.Second
	if phase1 <= 0 {
		return fmt.Errorf("window %s too short for max_wait %s", window, maxWait)
	}
	r, err := newRig(o.Common, res.Name, ConfigParams{Pipeline: Ours}, 4)
	if err != nil {
		return err
	}
	defer r.close()
	fake, err := r.startJoin(poll, maxWait, timeout)
	if err != nil {
		return err
	}
	// Rows are there at once: only the failures keep spans from joining.
	plan := newRowPlan(fake, r.mix, RowTiming{}, maxWait)
	failEveryWay(fake)
	if err := r.start(ctx); err != nil {
		return err
	}
	windowStart := time.Now()
	r.logf("workspace failing for %s (500, 429 Retry-After 30 s, hang; timeout %s); %s of records at %.0f/s; max_wait %s",
		window, timeout, phase1, rate, maxWait)
	n1 := int(rate * phase1.Seconds())
	sum1, err := r.replay(ctx, replay.Options{Record: plan.record, Count: n1, Rate: rate, Concurrency: 4, MaxRetries: 100, MaxBackoff: 5 * time.Second})
	if err != nil {
		return err
	}
	phase1IDs := r.ledger.Acked()
	time.Sleep(time.Until(windowStart.Add(window)))
	fake.ClearFaults()
	queries := fake.Queries()
	r.logf("workspace healthy again after %d failed queries; 30 s of records that must join", len(queries))

	n2 := int(rate * 30)
	sum2, err := r.replay(ctx, replay.Options{
		Record: func(n int) []byte { return plan.record(n1 + n) }, Count: n2, Rate: rate, Concurrency: 4, MaxRetries: 100, MaxBackoff: 5 * time.Second,
	})
	if err != nil {
		return err
	}
	r.waitArrived(ctx, 2*poll+30*time.Second)
	stopErr := r.stop(ctx)
	arrivals, acked := r.sink.Arrivals(), r.ledger.Acked()

	// Expiry is settled by the poll loop after its queries return: a span
	// can leave up to one poll interval plus one query timeout after
	// max_wait (then the batch processor's 200 ms).
	out := judgeLogAnalyticsDown(acked, arrivals, phase1IDs, maxWait+poll+timeout+5*time.Second)
	out.delivery = compareDelivery(acked, arrivals, r.mix.sentBy(n1+n2))
	for _, q := range queries {
		out.byStatus[q.Status]++
	}
	out.maxConcurrent = fake.MaxConcurrentQueries()
	d := out.delivery
	res.figure("queries while failing", "%d (by status, 0 = no answer before the client's timeout: %s); at most %d at once", len(queries), fmtCounts(out.byStatus), out.maxConcurrent)
	res.figure("spans in the window / left later than max_wait + poll_interval + timeout + 5 s / not marked error", "%d / %d / %d", len(phase1IDs), out.late, out.notError)
	res.figure("longest a span waited (max_wait "+maxWait.String()+")", "%s", out.slowest.Round(100*time.Millisecond))
	res.figure("spans after the window / not joined", "%d / %d", len(acked)-len(phase1IDs), out.notJoined)
	res.figure("acknowledged / exported / missing / twice", "%d / %d / %d / %d", d.Acked, d.Arrived, d.Missing, d.Duplicated)
	res.figure("replay (window, after)", "%s; %s", sum1, sum2)
	return errors.Join(out.failures(), stopErr)
}

// failEveryWay makes each query get the next failure in turn: a 500, a 429
// that asks for 30 s, an answer that never comes (the client's timeout ends
// it); after the cycle, 500s until the faults are cleared.
func failEveryWay(fake *fakeloganalytics.Server) {
	kinds := []fakeloganalytics.Fault{fakeloganalytics.InternalError(), fakeloganalytics.Throttled(30 * time.Second), fakeloganalytics.Hang()}
	var cycle []fakeloganalytics.Fault
	for range 1000 {
		cycle = append(cycle, kinds...)
	}
	fake.FailNext(cycle...)
	fake.FailAlways(fakeloganalytics.InternalError())
}

// logAnalyticsOutcome is what the Log Analytics outage did to the spans.
type logAnalyticsOutcome struct {
	limit                     time.Duration // the latest a span of the window may leave
	late, notError, notJoined int
	slowest                   time.Duration
	delivery                  delivery
	byStatus                  map[int]int // queries by the status answered, 0 for none
	maxConcurrent             int
}

// judgeLogAnalyticsDown checks the spans of the window (left by limit,
// marked error) and those after it (joined).
func judgeLogAnalyticsDown(acked map[string]time.Time, arrivals map[string]Arrival, window map[string]time.Time, limit time.Duration) logAnalyticsOutcome {
	out := logAnalyticsOutcome{limit: limit, byStatus: map[int]int{}}
	for id, at := range acked {
		a, ok := arrivals[id]
		if !ok {
			continue
		}
		if _, inWindow := window[id]; inWindow {
			wait := a.First.Sub(at)
			out.slowest = max(out.slowest, wait)
			if wait > limit {
				out.late++
			}
			if a.Status != "error" {
				out.notError++
			}
		} else if a.Status != "joined" {
			out.notJoined++
		}
	}
	return out
}

func (out logAnalyticsOutcome) failures() error {
	d := out.delivery
	var failures []error
	if d.Missing > 0 || d.Duplicated > 0 || d.Unknown > 0 {
		failures = append(failures, fmt.Errorf("%d missing %v, %d twice, %d unknown", d.Missing, d.MissingIDs, d.Duplicated, d.Unknown))
	}
	if out.late > 0 {
		failures = append(failures, fmt.Errorf("%d spans left later than max_wait + poll_interval + timeout + 5 s (%s)", out.late, out.limit))
	}
	if out.notError > 0 {
		failures = append(failures, fmt.Errorf("%d spans of the failing window were not marked error", out.notError))
	}
	if out.notJoined > 0 {
		failures = append(failures, fmt.Errorf("%d spans after the window were not joined", out.notJoined))
	}
	if out.byStatus[500] == 0 || out.byStatus[429] == 0 || out.byStatus[0] == 0 {
		failures = append(failures, fmt.Errorf("the window did not see every failure (500, 429, timeout): %s", fmtCounts(out.byStatus)))
	}
	if out.maxConcurrent > 5 {
		failures = append(failures, fmt.Errorf("%d queries at once, over the API's 5", out.maxConcurrent))
	}
	return errors.Join(failures...)
}

func (f *FaultResult) done(err error) *FaultResult {
	f.Passed = err == nil
	if err != nil {
		f.Error = err.Error()
	}
	return f
}

// FaultsMarkdown renders the scenarios' outcomes.
func FaultsMarkdown(results []*FaultResult, machine string) string {
	var b strings.Builder
	b.WriteString("## Fault scenarios\n\n")
	fmt.Fprintf(&b, "Machine: %s.\n\n", machine)
	for _, r := range results {
		fmt.Fprintf(&b, "### %s: %s\n\n", r.Name, map[bool]string{true: "PASS", false: "FAIL"}[r.Passed])
		fmt.Fprintf(&b, "Property: %s.\n\n| figure | value |\n|---|---|\n", r.Property)
		for _, f := range r.Figures {
			fmt.Fprintf(&b, "| %s | %s |\n", f[0], strings.ReplaceAll(f[1], "|", "/"))
		}
		if r.Error != "" {
			fmt.Fprintf(&b, "\nFailed: %s\n", r.Error)
		}
		b.WriteString("\n")
	}
	return b.String()
}
