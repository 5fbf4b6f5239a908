package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

// pollLoop polls every tick until ctx ends. Its releases run under sendCtx,
// which Shutdown cancels only when its own deadline has passed: a release
// under way when shutdown begins may finish, and one that downstream blocks
// ends with Shutdown.
func (j *Joiner) pollLoop(ctx, sendCtx context.Context, ticker Ticker) {
	defer close(j.loopDone)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C():
		}
		j.deliverSpread(sendCtx, j.poll(ctx, false), false, newStepSpread(j.releaseSpread, ctx.Done()))
		if j.afterPoll != nil {
			j.afterPoll()
		}
	}
}

// poll reads the rows that came since the last poll (lookup: cursor, see
// cursor.go) or looks up the pending keys (lookup: keys), joins what was
// found and takes out what expired; final (shutdown) ignores back-off, keeps
// Retry-After and takes out everything.
func (j *Joiner) poll(ctx context.Context, final bool) *releaseSet {
	if j.cfg.Lookup == LookupKeys {
		return j.settle(j.runQueries(ctx, j.planQueries(final)), final)
	}
	res := j.runScan(ctx, j.planScan(final))
	return j.settleWith(final, func(now time.Time, out *releaseSet) pollVerdict { return j.applyScan(res, now, out) })
}

// planQueries picks the batches this poll may send: none while backing off,
// no more than the rate budget allows, oldest keys first.
func (j *Joiner) planQueries(final bool) []queryBatch {
	now := j.clock.Now()
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.started || !j.retry.ready(now, !final) {
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
	records map[string]*source.Record
	partial bool
	err     *source.LookupError
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
	window := source.NewWindow(batch.oldestStart, j.clock.Now())
	began := j.clock.Now()
	answer, err := j.src.Lookup(ctx, batch.keys, window)
	elapsed := j.clock.Now().Sub(began)
	if err != nil {
		res.err, res.cancelled = j.queryFailed(ctx, err, elapsed)
		return res
	}
	if answer.PartialCode != "" {
		res.partial = true
		j.queryPartial(ctx, answer.PartialCode, elapsed, answer.Rows)
	} else {
		j.countQuery(ctx, outcomeSuccess, elapsed, answer.Rows)
	}
	res.records = answer.Records
	return res
}

// queryFailed counts and warns about a failed query and says what it means
// for back-off; cancelled: shutdown cut it short, which says nothing.
func (j *Joiner) queryFailed(ctx context.Context, err error, elapsed time.Duration) (*source.LookupError, bool) {
	if ctx.Err() != nil {
		return nil, true
	}
	var le *source.LookupError
	if !errors.As(err, &le) {
		le = &source.LookupError{Code: "source", Cause: err}
	}
	outcome := outcomeError
	if le.Throttled {
		outcome = outcomeThrottled
	}
	j.countQuery(ctx, outcome, elapsed, 0)
	j.warner.warn("query_"+string(outcome), "Diagnostics query failed; pending spans are retried with back-off",
		1, zap.String("error", le.Error()), zap.Duration("retry_after", le.RetryAfter))
	return le, false
}

// queryPartial counts and warns about an answer that holds part of the rows.
func (j *Joiner) queryPartial(ctx context.Context, code string, elapsed time.Duration, rows int) {
	j.warner.warn("query_partial", "Diagnostics source answered part of a query; what it did not answer is asked again",
		1, zap.String("code", code))
	j.countQuery(ctx, outcomePartial, elapsed, rows)
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
	return j.settleWith(final, func(_ time.Time, out *releaseSet) pollVerdict { return j.applyResults(results, out) })
}

// settleWith is settle with apply putting a poll's findings into the buffer
// (under the lock) and saying how the source did.
func (j *Joiner) settleWith(final bool, apply func(now time.Time, out *releaseSet) pollVerdict) *releaseSet {
	out := newReleaseSet()
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.clock.Now()
	verdict := apply(now, out)
	switch {
	case verdict.failed:
		j.retry.failed(now, verdict.longestRetryAfter)
	case verdict.worked:
		j.retry.succeeded()
	}
	j.releaseExpired(now, final, out)
	j.buffer.leave(out.spans, out.bytes)
	ctx := context.Background()
	j.reportPendingLocked(ctx)
	for status, n := range out.counts {
		j.telemetry.ProcessorAzureOpenaiDiagnosticsReleasedSpans.Add(ctx, n, j.statusAttrs[status])
	}
	return out
}

// pollVerdict is what a poll's lookups say about the source, for the
// back-off: some failed (or answered in part), some worked.
type pollVerdict struct {
	failed, worked    bool
	longestRetryAfter time.Duration
}

// applyResults records every lookup's verdict on its keys and moves the
// spans whose record came into out.
func (j *Joiner) applyResults(results []batchResult, out *releaseSet) pollVerdict {
	var v pollVerdict
	for _, res := range results {
		switch {
		case res.cancelled:
			continue
		case res.err != nil:
			v.failed = true
			v.longestRetryAfter = max(v.longestRetryAfter, res.err.RetryAfter)
			for _, key := range res.keys {
				j.buffer.setLookup(key, lookupFailed)
			}
			continue
		case res.partial:
			v.failed = true
		default:
			v.worked = true
		}
		j.joinFound(res, out)
	}
	return v
}

// joinFound enriches and moves into out the spans of every key whose record
// is all they wait for (see recordComplete); the others keep what was found
// and wait on. A key without a record is marked missed, or failed when the
// answer was partial.
func (j *Joiner) joinFound(res batchResult, out *releaseSet) {
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
		if !recordComplete(rec, j.buffer.waitsForUsage(key)) {
			j.buffer.setFound(key, rec)
			continue
		}
		j.joinKey(key, rec, out)
	}
}

// joinKey takes out every span of key, enriched with rec, into out.
func (j *Joiner) joinKey(key string, rec *source.Record, out *releaseSet) {
	for _, ps := range j.buffer.takeKey(key) {
		j.leaveBuffer(out, ps, exitJoined, rec)
	}
}

// recordComplete reports whether rec is all a span waits for. Every span
// waits for the RequestResponse row, which holds the call's facts; a span
// whose token counts are missing or estimated also waits for the
// AzureOpenAIRequestUsage row, the billed counts, which Log Analytics may
// make visible a poll or more after the other (or never, when that category
// is off). Until max_wait: then the span leaves joined with what was found.
func recordComplete(rec *source.Record, needsUsage bool) bool {
	return rec.HasRequestResponse && (rec.HasRequestUsage || !needsUsage)
}

// releaseExpired moves into out the spans that waited max_wait (all of them
// when final, unless they wait in storage for the next start): joined with
// what was found of their call, else marked not_found when their last lookup
// (with the cursor: the last poll's) worked and error when it did not.
func (j *Joiner) releaseExpired(now time.Time, final bool, out *releaseSet) {
	leaving := j.buffer.takeExpired(now.Add(-j.cfg.MaxWait))
	if final && j.store == nil {
		leaving = append(leaving, j.buffer.takeAll()...)
	}
	scanned := j.cfg.Lookup != LookupKeys && j.cursor.healthy
	for _, ps := range leaving {
		if j.cfg.Lookup != LookupKeys {
			j.cursor.early.leave(ps.key.String(), now)
		}
		exit := exitError
		switch {
		case ps.found() != nil:
			exit = exitWaitedJoined
		case ps.lookup == lookupMissed || scanned:
			exit = exitNotFound
		}
		j.leaveBuffer(out, ps, exit, nil)
	}
}
