package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
)

// Joiner holds spans that carry an azure.service.request.id until their
// Azure OpenAI diagnostic record can be read from its source, writes the
// record's fields on them and sends them on:
//
//	Admit ──> pending buffer (bounded) ──every poll_interval: one lookup per
//	max_keys_per_query keys──> the rows it waits for found: joined | max_wait:
//	joined with what was found, else not_found / error | buffer full: overflow
//	(at once) | Shutdown: one last lookup, then all.
//
// Every span that enters leaves once, through release (retried while
// downstream refuses), grouped per poll with its resource, scope and
// client.Info.
type Joiner struct {
	cfg       Config
	src       source.Source // nil: the join is off
	set       component.TelemetrySettings
	telemetry *metadata.TelemetryBuilder
	release   func(context.Context, ptrace.Traces) error
	clock     Clock
	warner    *rateLimitedWarner

	afterPoll func()
	// usageChanged, when set, is called on a span whose usage the join replaced.
	usageChanged func(ptrace.Span)

	cancelLoop context.CancelFunc
	cancelSend context.CancelFunc
	loopDone   chan struct{}

	// owner is the processor's id; store, with `storage`, holds the spans
	// waiting (set by Start, before any Admit).
	owner component.ID
	store *spanStore

	mu     sync.Mutex
	buffer *pendingBuffer
	retry  *retryState
	budget *queryBudget
	// cursor is how far rows were read with lookup: cursor (cursor.go).
	cursor *ingestionCursor
	// refused are released batches downstream refused, waiting for a retry
	// (deliver.go); releaseRetry spaces those retries out.
	refused      []*clientBatch
	releaseRetry *retryState
	// refusedStored are the stored spans of refused batches: they are read
	// back again for the retry.
	refusedStored []storedPart
	// releaseStep is releaseStepBytes; tests make it smaller. releaseSpread is
	// how long the loop spreads one delivery's steps over (release_spread.go):
	// half a poll interval; tests set 0 (or less) to take them at once.
	releaseStep   int64
	releaseSpread time.Duration
	// started says the source was started and may be asked.
	started bool
	// stopped closes intake: Shutdown has begun.
	stopped bool
	// reportedSpans/Bytes are what the pending gauges were last moved to.
	reportedSpans  int64
	reportedBytes  int64
	reportedStored int64

	uniqueAuth atomic.Uint64

	statusAttrs  map[Status]metric.MeasurementOption
	outcomeAttrs map[queryOutcome]metric.MeasurementOption
	refusalAttrs map[refusal]metric.MeasurementOption
}

// queryOutcome is the query_outcome attribute of the queries metric.
type queryOutcome string

const (
	outcomeSuccess   queryOutcome = "success"
	outcomePartial   queryOutcome = "partial"
	outcomeThrottled queryOutcome = "throttled"
	outcomeError     queryOutcome = "error"
)

// NewJoiner builds a join for cfg that looks records up in src; with src nil
// (no source configured) it passes every span through. It does no I/O and
// starts nothing: Start does. release receives the spans that leave the
// buffer; telemetry is the processor's builder.
func NewJoiner(cfg Config, src source.Source, set component.TelemetrySettings, telemetry *metadata.TelemetryBuilder,
	release func(context.Context, ptrace.Traces) error, opts ...Option,
) (*Joiner, error) {
	if src != nil {
		if err := cfg.Check(); err != nil {
			return nil, fmt.Errorf("diagnostics: %w", err)
		}
	}
	if telemetry == nil || release == nil {
		return nil, errors.New("diagnostics: a telemetry builder and a release function are required")
	}
	j := &Joiner{
		cfg:           cfg,
		src:           src,
		set:           set,
		telemetry:     telemetry,
		release:       release,
		clock:         realClock{},
		buffer:        newPendingBuffer(cfg.MaxPending, cfg.MaxPendingBytes),
		retry:         newRetryState(cfg.PollInterval, cfg.MaxWait),
		releaseRetry:  newRetryState(cfg.PollInterval, cfg.MaxWait),
		budget:        newQueryBudget(),
		releaseStep:   releaseStepBytes,
		releaseSpread: cfg.PollInterval / 2,
		cursor:        newIngestionCursor(&cfg),
		statusAttrs:   map[Status]metric.MeasurementOption{},
		outcomeAttrs:  map[queryOutcome]metric.MeasurementOption{},
		refusalAttrs:  map[refusal]metric.MeasurementOption{},
	}
	for _, opt := range opts {
		opt(j)
	}
	if j.set.Logger == nil {
		j.set.Logger = zap.NewNop()
	}
	j.buffer.maxStored = cfg.MaxStoredBytes
	j.warner = newRateLimitedWarner(j.set.Logger, j.clock)
	for _, s := range statuses {
		j.statusAttrs[s] = metric.WithAttributeSet(attribute.NewSet(attribute.String("status", string(s))))
	}
	for _, o := range []queryOutcome{outcomeSuccess, outcomePartial, outcomeThrottled, outcomeError} {
		j.outcomeAttrs[o] = metric.WithAttributeSet(attribute.NewSet(attribute.String("query_outcome", string(o))))
	}
	for _, r := range []refusal{refusalRetried, refusalDropped} {
		j.refusalAttrs[r] = metric.WithAttributeSet(attribute.NewSet(attribute.String("refusal", string(r))))
	}
	return j, nil
}

// enabled reports whether the join holds spans: a source is configured.
func (j *Joiner) enabled() bool { return j.src != nil }

// Start opens the storage, when one is configured, and takes back the spans
// it holds, then starts the source (with host, for its HTTP settings and
// extensions) and the poll loop.
func (j *Joiner) Start(ctx context.Context, host component.Host) error {
	if !j.enabled() {
		return nil
	}
	if j.cfg.Storage != nil {
		store, err := openStore(ctx, host, *j.cfg.Storage, j.owner)
		if err != nil {
			return fmt.Errorf("diagnostics: %w", err)
		}
		j.store = store
		if err := j.restore(ctx); err != nil {
			return errors.Join(fmt.Errorf("diagnostics: storage %q: %w", *j.cfg.Storage, err), store.close(ctx))
		}
	}
	if err := j.src.Start(ctx, host); err != nil {
		if j.store != nil {
			err = errors.Join(err, j.store.close(ctx))
		}
		return fmt.Errorf("diagnostics: %w", err)
	}
	j.mu.Lock()
	j.started = true
	j.mu.Unlock()
	loopCtx, cancelLoop := context.WithCancel(context.Background())
	sendCtx, cancelSend := context.WithCancel(context.Background())
	j.cancelLoop, j.cancelSend = cancelLoop, cancelSend
	j.loopDone = make(chan struct{})
	// The ticker exists before Start returns, so a test's clock can tick it.
	ticker := j.clock.NewTicker(j.cfg.PollInterval)
	go j.pollLoop(loopCtx, sendCtx, ticker)
	j.set.Logger.Info("Diagnostics join started",
		zap.Duration("poll_interval", j.cfg.PollInterval),
		zap.Duration("max_wait", j.cfg.MaxWait))
	return nil
}

// reportPendingLocked moves the pending gauges to what the join holds (in
// RAM, and with storage on disk).
func (j *Joiner) reportPendingLocked(ctx context.Context) {
	spans, bytes := int64(j.buffer.heldSpans()), j.buffer.heldBytes()
	if d := spans - j.reportedSpans; d != 0 {
		j.telemetry.ProcessorAzureOpenaiDiagnosticsPendingSpans.Add(ctx, d)
	}
	if d := bytes - j.reportedBytes; d != 0 {
		j.telemetry.ProcessorAzureOpenaiDiagnosticsPendingBytes.Add(ctx, d)
	}
	if d := j.buffer.stored - j.reportedStored; d != 0 {
		j.telemetry.ProcessorAzureOpenaiDiagnosticsPendingStoredBytes.Add(ctx, d)
	}
	j.reportedSpans, j.reportedBytes, j.reportedStored = spans, bytes, j.buffer.stored
}

// Shutdown stops intake, runs one last lookup inside ctx's deadline,
// releases every span still held (joined, not_found or error) and then stops
// the source. With storage it releases only what joined (or waited
// max_wait): the rest stays stored, and waits on after the next start. It returns by ctx's deadline (give or take the moment a
// release that downstream blocks needs to see its context cancelled): a
// release still refused then is dropped and counted. It is safe without
// Start.
func (j *Joiner) Shutdown(ctx context.Context) error {
	if !j.enabled() {
		return nil
	}
	j.mu.Lock()
	if j.stopped {
		j.mu.Unlock()
		return nil
	}
	j.stopped = true
	started := j.started
	j.mu.Unlock()

	var err error
	loopStopped := true
	if j.cancelLoop != nil {
		// The loop's lookups end now; a release it is making may finish
		// until ctx ends.
		j.cancelLoop()
		loopStopped = j.waitForLoop(ctx)
		j.cancelSend()
		if !loopStopped {
			err = fmt.Errorf("diagnostics: poll loop still busy at the shutdown deadline: %w", ctx.Err())
		}
	}
	j.mu.Lock()
	pending := j.buffer.spans > 0
	j.mu.Unlock()
	var out *releaseSet
	if loopStopped && pending && started && ctx.Err() == nil {
		queryCtx, cancel := finalQueryContext(ctx)
		out = j.poll(queryCtx, true)
		cancel()
	} else {
		out = j.settle(nil, true)
	}
	// Downstream still runs (the collector stops components from the
	// receivers on); what it refuses within ctx is dropped and counted.
	j.deliver(ctx, out, true)
	if started {
		err = errors.Join(err, j.src.Shutdown(ctx))
	}
	if j.store != nil {
		// An Admit still writing finishes first; one after this refuses to
		// hold its spans and passes them on.
		err = errors.Join(err, j.store.close(ctx))
	}
	if err == nil {
		j.set.Logger.Info("Diagnostics join stopped")
	}
	return err
}

// loopExitGrace is how long Shutdown waits, once its deadline has passed and
// the loop's release was cancelled, for the loop to notice. A downstream
// consumer that honours its context returns at once; one that does not would
// otherwise hold Shutdown forever.
const loopExitGrace = time.Second

// waitForLoop waits for the poll loop to end: until ctx ends, then (its
// release cancelled) for loopExitGrace more. It reports whether it ended.
func (j *Joiner) waitForLoop(ctx context.Context) bool {
	select {
	case <-j.loopDone:
		return true
	case <-ctx.Done():
	}
	j.cancelSend()
	grace := time.NewTimer(loopExitGrace)
	defer grace.Stop()
	select {
	case <-j.loopDone:
		return true
	case <-grace.C:
		return false
	}
}

// finalQueryContext leaves a fifth of the time to shutdown to releasing.
func finalQueryContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, time.Now().Add(time.Until(deadline)*4/5))
}
