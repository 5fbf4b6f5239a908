package diagnostics // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/diagnostics"

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
)

// Joiner holds spans that carry an azure.service.request.id until their
// Azure OpenAI diagnostic-log row can be read from Log Analytics, writes the
// row's fields on them and sends them on (design: diagnostics-join.md):
//
//	Admit ──> pending buffer (bounded) ──every poll_interval: one query per
//	max_keys_per_query keys──> row found: joined | max_wait: not_found / error
//	| buffer full: overflow (at once) | Shutdown: one last query, then all.
//
// Every span that enters leaves, through release, grouped per poll with its
// resource, scope and client.Info.
type Joiner struct {
	cfg       Config
	set       component.TelemetrySettings
	telemetry *metadata.TelemetryBuilder
	release   func(context.Context, ptrace.Traces) error
	clock     Clock
	warner    *rateLimitedWarner

	httpClient *http.Client
	querier    logsQuerier
	afterPoll  func()
	closeIdle  func()

	cancelLoop context.CancelFunc
	loopDone   chan struct{}

	mu     sync.Mutex
	buffer *pendingBuffer
	retry  *retryState
	budget *queryBudget
	// stopped closes intake: Shutdown has begun.
	stopped bool
	// reportedSpans/Bytes are what the pending gauges were last moved to.
	reportedSpans int64
	reportedBytes int64

	uniqueAuth atomic.Uint64

	statusAttrs  map[Status]metric.MeasurementOption
	outcomeAttrs map[queryOutcome]metric.MeasurementOption
}

// queryOutcome is the query_outcome attribute of the queries metric.
type queryOutcome string

const (
	outcomeSuccess   queryOutcome = "success"
	outcomePartial   queryOutcome = "partial"
	outcomeThrottled queryOutcome = "throttled"
	outcomeError     queryOutcome = "error"
)

// NewJoiner builds a join for cfg; with cfg not Enabled it passes every span
// through. It does no I/O and starts nothing: Start does. release receives the
// spans that leave the buffer; telemetry is the processor's builder.
func NewJoiner(cfg Config, set component.TelemetrySettings, telemetry *metadata.TelemetryBuilder,
	release func(context.Context, ptrace.Traces) error, opts ...Option,
) (*Joiner, error) {
	if cfg.Enabled() {
		if err := errors.Join(cfg.Validate(), cfg.Credential.Validate()); err != nil {
			return nil, fmt.Errorf("diagnostics: %w", err)
		}
	}
	if telemetry == nil || release == nil {
		return nil, errors.New("diagnostics: a telemetry builder and a release function are required")
	}
	j := &Joiner{
		cfg:          cfg,
		set:          set,
		telemetry:    telemetry,
		release:      release,
		clock:        realClock{},
		buffer:       newPendingBuffer(cfg.MaxPending, cfg.MaxPendingBytes),
		retry:        newRetryState(cfg.PollInterval, cfg.MaxWait),
		budget:       newQueryBudget(),
		statusAttrs:  map[Status]metric.MeasurementOption{},
		outcomeAttrs: map[queryOutcome]metric.MeasurementOption{},
	}
	for _, opt := range opts {
		opt(j)
	}
	if j.set.Logger == nil {
		j.set.Logger = zap.NewNop()
	}
	j.warner = newRateLimitedWarner(j.set.Logger, j.clock)
	for _, s := range statuses {
		j.statusAttrs[s] = metric.WithAttributeSet(attribute.NewSet(attribute.String("status", string(s))))
	}
	for _, o := range []queryOutcome{outcomeSuccess, outcomePartial, outcomeThrottled, outcomeError} {
		j.outcomeAttrs[o] = metric.WithAttributeSet(attribute.NewSet(attribute.String("query_outcome", string(o))))
	}
	return j, nil
}

// Start builds the Log Analytics client (HTTP settings from confighttp, so TLS,
// CA file, timeout and proxy apply; a token from the credential section) and
// starts the poll loop.
func (j *Joiner) Start(ctx context.Context, host component.Host) error {
	if !j.cfg.Enabled() {
		return nil
	}
	if j.querier == nil {
		httpClient := j.httpClient
		if httpClient == nil {
			var extensions map[component.ID]component.Component
			if host != nil {
				extensions = host.GetExtensions()
			}
			built, err := j.cfg.ClientConfig.ToClient(ctx, extensions, j.set)
			if err != nil {
				return fmt.Errorf("diagnostics: HTTP client for %s: %w", j.cfg.ClientConfig.Endpoint, err)
			}
			httpClient = built
		}
		j.closeIdle = httpClient.CloseIdleConnections
		cred, err := newCredential(j.cfg.Credential, j.cfg.Audience)
		if err != nil {
			return fmt.Errorf("diagnostics: %w", err)
		}
		if j.querier, err = newAzqueryClient(&j.cfg, cred, httpClient); err != nil {
			return fmt.Errorf("diagnostics: %w", err)
		}
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	j.cancelLoop = cancel
	j.loopDone = make(chan struct{})
	// The ticker exists before Start returns, so a test's clock can tick it.
	ticker := j.clock.NewTicker(j.cfg.PollInterval)
	go j.pollLoop(loopCtx, ticker)
	j.set.Logger.Info("Diagnostics join started",
		zap.String("workspace_id", j.cfg.WorkspaceID),
		zap.String("endpoint", j.cfg.ClientConfig.Endpoint),
		zap.String("credential", string(j.cfg.Credential.Type)),
		zap.Duration("poll_interval", j.cfg.PollInterval),
		zap.Duration("max_wait", j.cfg.MaxWait))
	return nil
}

// Admit takes the spans that carry a join key into the buffer and returns
// what must go on at once: spans without a key, spans whose key is not a
// GUID, and spans that found the buffer full (marked overflow). td is changed
// in place; a resource or scope left without spans is removed.
func (j *Joiner) Admit(ctx context.Context, td ptrace.Traces) ptrace.Traces {
	if !j.cfg.Enabled() {
		return td
	}
	info := client.FromContext(ctx)
	fingerprint := clientFingerprint(info, func() uint64 { return j.uniqueAuth.Add(1) })
	enteredAt := j.clock.Now().UnixNano()

	var overflowed, invalid int
	j.mu.Lock()
	if j.stopped {
		j.mu.Unlock()
		return td
	}
	td.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		var resKey *resourceKey
		emptied := false
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			var key originKey
			keyed := false
			taken := 0
			ss.Spans().RemoveIf(func(span ptrace.Span) bool {
				requestID, ok := span.Attributes().Get(attrRequestID)
				if !ok {
					return false
				}
				joinOn, valid := "", false
				if requestID.Type() == pcommon.ValueTypeStr {
					joinOn, valid = joinKey(requestID.Str())
				}
				if !valid {
					invalid++
					return false
				}
				if !keyed {
					if resKey == nil {
						k := newResourceKey(rs)
						resKey = &k
					}
					key = originKey{resource: *resKey, scope: newScopeKey(ss), client: fingerprint}
					keyed = true
				}
				size := spanBytes(span) + pendingEntryBytes
				origin := j.buffer.origins.lookup(key)
				var newOriginBytes int64
				if origin == nil {
					newOriginBytes = originBytes(rs, ss, fingerprint)
				}
				if !j.buffer.fits(size + newOriginBytes) {
					markStatus(span, StatusOverflow)
					overflowed++
					return false
				}
				if origin == nil {
					origin = j.buffer.origins.insert(key, rs, ss, info, newOriginBytes)
				}
				held := ptrace.NewSpan()
				span.MoveTo(held)
				detachSpan(held)
				pending := &pendingSpan{span: held, origin: origin, key: strings.Clone(joinOn), enteredAt: enteredAt, bytes: size}
				j.buffer.add(pending, newOriginBytes)
				taken++
				return true
			})
			if taken > 0 && ss.Spans().Len() == 0 {
				emptied = true
				return true
			}
			return false
		})
		return emptied && rs.ScopeSpans().Len() == 0
	})
	j.reportPendingLocked(ctx)
	j.mu.Unlock()

	if overflowed > 0 {
		j.telemetry.ProcessorAzureOpenaiDiagnosticsReleasedSpans.Add(ctx, int64(overflowed), j.statusAttrs[StatusOverflow])
		j.warner.warn("overflow", "Diagnostics join buffer is full: spans pass on unjoined (raise max_pending / max_pending_bytes or lower max_wait)",
			overflowed, zap.Int("max_pending", j.cfg.MaxPending), zap.Int64("max_pending_bytes", j.cfg.MaxPendingBytes))
	}
	if invalid > 0 {
		j.warner.warn("invalid_key", "Spans whose azure.service.request.id is not a GUID pass on unjoined", invalid)
	}
	return td
}

// reportPendingLocked moves the pending gauges to the buffer's size.
func (j *Joiner) reportPendingLocked(ctx context.Context) {
	spans, bytes := int64(j.buffer.spans), j.buffer.bytes
	if d := spans - j.reportedSpans; d != 0 {
		j.telemetry.ProcessorAzureOpenaiDiagnosticsPendingSpans.Add(ctx, d)
	}
	if d := bytes - j.reportedBytes; d != 0 {
		j.telemetry.ProcessorAzureOpenaiDiagnosticsPendingBytes.Add(ctx, d)
	}
	j.reportedSpans, j.reportedBytes = spans, bytes
}

// Shutdown stops intake, runs one last query inside ctx's deadline and
// releases every span still held (joined, not_found or error). It is safe
// without Start.
func (j *Joiner) Shutdown(ctx context.Context) error {
	if !j.cfg.Enabled() {
		return nil
	}
	j.mu.Lock()
	if j.stopped {
		j.mu.Unlock()
		return nil
	}
	j.stopped = true
	pending := j.buffer.spans > 0
	j.mu.Unlock()

	var err error
	loopStopped := true
	if j.cancelLoop != nil {
		j.cancelLoop()
		select {
		case <-j.loopDone:
		case <-ctx.Done():
			loopStopped = false
			err = fmt.Errorf("diagnostics: poll loop still busy at the shutdown deadline: %w", ctx.Err())
		}
	}
	var out *releaseSet
	if loopStopped && pending && j.querier != nil && ctx.Err() == nil {
		queryCtx, cancel := finalQueryContext(ctx)
		out = j.poll(queryCtx, true)
		cancel()
	} else {
		out = j.settle(nil, true)
	}
	// Downstream still runs (the collector stops components from the
	// receivers on), and the spans must not be refused for our deadline.
	j.send(context.WithoutCancel(ctx), out)
	if j.closeIdle != nil {
		j.closeIdle()
	}
	if err == nil {
		j.set.Logger.Info("Diagnostics join stopped")
	}
	return err
}

// finalQueryContext leaves a fifth of the time to shutdown to releasing.
func finalQueryContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, time.Now().Add(time.Until(deadline)*4/5))
}

func (j *Joiner) pollLoop(ctx context.Context, ticker Ticker) {
	defer close(j.loopDone)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C():
		}
		// Spans leave even when shutdown began during the poll; they are not
		// the loop's to keep.
		j.send(context.Background(), j.poll(ctx, false))
		if j.afterPoll != nil {
			j.afterPoll()
		}
	}
}

// poll looks up the pending keys, joins what was found and takes out what
// expired; final (shutdown) ignores back-off, keeps Retry-After and takes out
// everything.
func (j *Joiner) poll(ctx context.Context, final bool) *releaseSet {
	return j.settle(j.runQueries(ctx, j.planQueries(final)), final)
}

// planQueries picks the batches this poll may send: none while backing off,
// no more than the rate budget allows, oldest keys first.
func (j *Joiner) planQueries(final bool) []queryBatch {
	now := j.clock.Now()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.querier == nil || !j.retry.ready(now, !final) {
		return nil
	}
	batches := j.buffer.planBatches(j.cfg.MaxKeysPerQuery, j.budget.available(now))
	for range batches {
		j.budget.spend(now)
	}
	return batches
}

type batchResult struct {
	keys    []string
	records map[string]*diagnosticRecord
	partial bool
	err     *queryError
	// cancelled: shutdown cut the query short; it says nothing about the keys.
	cancelled bool
}

// runQueries sends the batches, at most maxConcurrentQueries at once.
func (j *Joiner) runQueries(ctx context.Context, batches []queryBatch) []batchResult {
	results := make([]batchResult, len(batches))
	slots := make(chan struct{}, maxConcurrentQueries)
	var wg sync.WaitGroup
	for i := range batches {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			results[i] = j.runQuery(ctx, batches[i])
		})
	}
	wg.Wait()
	return results
}

func (j *Joiner) runQuery(ctx context.Context, batch queryBatch) batchResult {
	res := batchResult{keys: batch.keys}
	window := newQueryWindow(batch.oldestStart, j.clock.Now())
	kql, err := buildQuery(j.cfg.KeyColumn, batch.keys, window)
	if err != nil {
		res.err = &queryError{code: "query text", cause: err}
		j.countQuery(ctx, outcomeError, 0, 0)
		return res
	}
	queryCtx := ctx
	if timeout := j.cfg.ClientConfig.Timeout; timeout > 0 {
		var cancel context.CancelFunc
		queryCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	began := j.clock.Now()
	answer, err := j.querier.query(queryCtx, kql, window)
	elapsed := j.clock.Now().Sub(began)
	if err != nil {
		if ctx.Err() != nil {
			res.cancelled = true
			return res
		}
		var qe *queryError
		if !errors.As(err, &qe) {
			qe = classifyQueryError(err)
		}
		res.err = qe
		outcome := outcomeError
		if qe.throttled {
			outcome = outcomeThrottled
		}
		j.countQuery(ctx, outcome, elapsed, 0)
		j.warner.warn("query_"+string(outcome), "Log Analytics query failed; pending spans are retried with back-off",
			1, zap.String("workspace_id", j.cfg.WorkspaceID), zap.String("error", qe.Error()),
			zap.Duration("retry_after", qe.retryAfter))
		return res
	}
	outcome := outcomeSuccess
	if answer.partialCode != "" {
		outcome = outcomePartial
		res.partial = true
		j.warner.warn("query_partial", "Log Analytics answered part of a query; keys without rows are retried",
			1, zap.String("workspace_id", j.cfg.WorkspaceID), zap.String("code", answer.partialCode))
	}
	j.countQuery(ctx, outcome, elapsed, answer.rowCount())
	res.records = decodeRecords(&answer, j.cfg.KeyColumn)
	return res
}

func (j *Joiner) countQuery(ctx context.Context, outcome queryOutcome, elapsed time.Duration, rows int) {
	// The loop's context may be cancelled by now; metrics must still count.
	ctx = context.WithoutCancel(ctx)
	j.telemetry.ProcessorAzureOpenaiDiagnosticsQueries.Add(ctx, 1, j.outcomeAttrs[outcome])
	j.telemetry.ProcessorAzureOpenaiDiagnosticsQueryDuration.Record(ctx, elapsed.Seconds())
	if rows > 0 {
		j.telemetry.ProcessorAzureOpenaiDiagnosticsRows.Add(ctx, int64(rows))
	}
}

// settle applies query results to the buffer, takes out expired spans (all
// of them when final) and returns what leaves.
func (j *Joiner) settle(results []batchResult, final bool) *releaseSet {
	out := newReleaseSet()
	j.mu.Lock()
	defer j.mu.Unlock()
	failed, worked := false, false
	var longestRetryAfter time.Duration
	for _, res := range results {
		switch {
		case res.cancelled:
			continue
		case res.err != nil:
			failed = true
			longestRetryAfter = max(longestRetryAfter, res.err.retryAfter)
			for _, key := range res.keys {
				j.buffer.setLookup(key, lookupFailed)
			}
			continue
		case res.partial:
			failed = true
		default:
			worked = true
		}
		missing := lookupMissed
		if res.partial {
			missing = lookupFailed
		}
		for _, key := range res.keys {
			rec, found := res.records[key]
			if !found {
				j.buffer.setLookup(key, missing)
				continue
			}
			for _, ps := range j.buffer.takeKey(key) {
				enrichSpan(ps.span, rec)
				out.add(ps, StatusJoined)
			}
		}
	}
	now := j.clock.Now()
	switch {
	case failed:
		j.retry.failed(now, longestRetryAfter)
	case worked:
		j.retry.succeeded()
	}
	leaving := j.buffer.takeExpired(now.Add(-j.cfg.MaxWait))
	if final {
		leaving = append(leaving, j.buffer.takeAll()...)
	}
	for _, ps := range leaving {
		status := StatusError
		if ps.lookup == lookupMissed {
			status = StatusNotFound
		}
		markStatus(ps.span, status)
		out.add(ps, status)
	}
	ctx := context.Background()
	j.reportPendingLocked(ctx)
	for status, n := range out.counts {
		j.telemetry.ProcessorAzureOpenaiDiagnosticsReleasedSpans.Add(ctx, n, j.statusAttrs[status])
	}
	return out
}

// send hands each client's batch to release, with that client's Info in the
// context. A refusal is logged (rate limited); the spans are not retried: the
// collector counts them as failed produced items, and the exporters' queues
// are where retrying belongs.
func (j *Joiner) send(ctx context.Context, out *releaseSet) {
	for _, batch := range out.order {
		spans := batch.traces.SpanCount()
		if err := j.release(client.NewContext(ctx, batch.info), batch.traces); err != nil {
			j.warner.warn("release", "Spans leaving the diagnostics join were refused downstream", spans, zap.Error(err))
		}
	}
}
