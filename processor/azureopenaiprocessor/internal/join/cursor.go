package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

// The ingestion-time cursor (lookup: cursor) reads every diagnostic row once,
// in the order Log Analytics ingested them, and matches the rows to the
// pending keys here: a poll costs one query, and one more per
// max_rows_per_query rows, however many spans wait.
//
// Each poll reads [readTo − ingestion_overlap, now]: a row is stamped with
// its ingestion time a little before queries can see it, so the overlap reads
// again what the last poll may have missed at its edge, and seen tells the
// rows read twice apart. A poll whose answer stops at the row limit pages on
// from its last row's ingestion time.

// ingestionCursor is how far the rows have been read, and the rows of the
// overlap already read. The Joiner locks around it.
type ingestionCursor struct {
	// readTo: every row ingested before it was read. Zero until the first
	// poll, which starts max_wait back (see planScan).
	readTo time.Time
	// resume says the last poll stopped inside its range (the rate budget ran
	// out, or a page failed after others): the next poll goes on from readTo
	// exactly. Reading the overlap again there would spend the pages that
	// should catch up.
	resume bool
	// seen holds the ids of the rows read that a later poll's overlap may
	// read again, with their ingestion time (unix nanoseconds): rows older
	// than readTo − overlap are forgotten, so it holds about a poll and an
	// overlap of rows.
	seen map[uint64]int64
	// healthy says the last scan read its range: a span that reaches
	// max_wait without rows is then not_found, else error.
	healthy bool
	early   *earlyRows
}

func newIngestionCursor(cfg *Config) *ingestionCursor {
	return &ingestionCursor{seen: map[uint64]int64{}, early: newEarlyRows(cfg.EarlyRowsMaxCalls, cfg.EarlyRowsGrace)}
}

// scanPlan is the ingestion range one poll reads.
type scanPlan struct {
	from, to time.Time
}

// scanResult is what a poll's pages read.
type scanResult struct {
	// calls are the rows read for the first time, merged by call as each
	// page came: a poll holds a record per new call, not its pages' rows.
	calls *freshCalls
	pages int
	// readTo: every row ingested before it was read (zero: nothing new);
	// complete: up to the plan's end.
	readTo    time.Time
	complete  bool
	partial   bool
	err       *source.LookupError
	cancelled bool
}

// planScan picks the range this poll reads: none while backing off. The
// first poll starts max_wait and a poll interval back, so that spans that
// were held before a restart (and restored) find rows ingested meanwhile.
func (j *Joiner) planScan(final bool) *scanPlan {
	now := j.clock.Now()
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.started || !j.retry.ready(now, !final) {
		return nil
	}
	c := j.cursor
	if c.readTo.IsZero() {
		c.readTo = now.Add(-j.cfg.MaxWait - j.cfg.PollInterval)
	}
	from := c.readTo
	if !c.resume {
		from = from.Add(-j.cfg.IngestionOverlap)
	}
	return &scanPlan{from: from, to: now}
}

// spendQuery takes one query from the rate budget, if there is one left.
func (j *Joiner) spendQuery() bool {
	now := j.clock.Now()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.budget.available(now) <= 0 {
		return false
	}
	j.budget.spend(now)
	return true
}

// runScan reads the plan's range page by page, while the rate budget lasts;
// a page that fails ends the poll with what the earlier pages read.
func (j *Joiner) runScan(ctx context.Context, plan *scanPlan) *scanResult {
	if plan == nil {
		return nil
	}
	res := &scanResult{calls: newFreshCalls()}
	from := plan.from
	for j.spendQuery() {
		req := source.ScanRequest{
			IngestedFrom: from,
			IngestedTo:   plan.to,
			// Rows are ingested up to max_wait after their call (the longest a
			// span waits for them), plus the clocks' margin.
			Window: source.Window{From: from.Add(-j.cfg.MaxWait - source.WindowMargin).UTC(), To: plan.to.Add(source.WindowMargin).UTC()},
			Limit:  j.cfg.MaxRowsPerQuery,
			Known:  j.readBefore,
		}
		began := j.clock.Now()
		answer, err := j.src.Scan(ctx, req)
		elapsed := j.clock.Now().Sub(began)
		if err != nil {
			res.err, res.cancelled = j.queryFailed(ctx, err, elapsed)
			return res
		}
		res.pages++
		j.foldPage(res, answer.Rows)
		if answer.PartialCode != "" {
			j.queryPartial(ctx, answer.PartialCode, elapsed, len(answer.Rows))
			res.partial = true
			return res
		}
		j.countQuery(ctx, outcomeSuccess, elapsed, len(answer.Rows))
		if !answer.Truncated(req) {
			res.readTo, res.complete = plan.to, true
			return res
		}
		last := answer.Rows[len(answer.Rows)-1].IngestedAt
		if !last.After(from) {
			// A whole page ingested at one instant: paging on from it would
			// read the same page again, so the rest of that instant is skipped.
			j.warner.warn("scan_instant", "More diagnostic rows share one ingestion time than max_rows_per_query; some are skipped",
				1, zap.Time("ingestion_time", last), zap.Int("max_rows_per_query", req.Limit))
			last = last.Add(time.Nanosecond)
		}
		from = last
		res.readTo = from
	}
	return res
}

// applyScan joins what a poll read (and the early rows whose span has come
// since) to the pending spans, keeps rows that came before their span, moves
// the cursor and says how the source did.
func (j *Joiner) applyScan(res *scanResult, now time.Time, out *releaseSet) pollVerdict {
	var v pollVerdict
	c := j.cursor
	j.meetEarlyRows(now, out)
	if res == nil {
		return v
	}
	switch {
	case res.cancelled:
	case res.err != nil:
		v.failed = true
		v.longestRetryAfter = res.err.RetryAfter
	case res.partial:
		v.failed = true
	default:
		v.worked = true
	}
	if !res.cancelled {
		c.healthy = v.worked
	}
	if res.readTo.After(c.readTo) {
		c.readTo, c.resume = res.readTo, !res.complete
	}
	for _, call := range res.calls.order {
		j.meetRows(call.key, call.rec, call.rows, now, out)
	}
	c.forget(c.readTo.Add(-j.cfg.IngestionOverlap))
	return v
}

// freshCall is the rows of one call a poll read for the first time, merged.
type freshCall struct {
	key  string
	rec  *source.Record
	rows int
}

// freshCalls are the calls a poll read rows of for the first time, merged, in
// the order their keys first came.
type freshCalls struct {
	byKey map[string]*freshCall
	order []*freshCall
}

func newFreshCalls() *freshCalls {
	return &freshCalls{byKey: map[string]*freshCall{}}
}

// readBefore says whether a row was read by an earlier page or poll: the
// source need not decode it (ScanRequest.Known). Scan calls it outside the
// Joiner's lock.
func (j *Joiner) readBefore(id uint64) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	_, ok := j.cursor.seen[id]
	return ok
}

// foldPage merges a page's new rows into the poll's calls as soon as it
// comes, so that the rows read before are dropped at once and the pages are
// never held together. The rows are marked read here, not when the poll is
// applied: applyScan joins whatever runScan folded, failed or not.
func (j *Joiner) foldPage(res *scanResult, rows []source.Row) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.cursor.fresh(res.calls, rows)
}

// fresh drops the rows read before (by id) and merges the others into calls
// by key.
func (c *ingestionCursor) fresh(calls *freshCalls, rows []source.Row) {
	byKey := calls.byKey
	for i := range rows {
		r := &rows[i]
		if _, dup := c.seen[r.ID]; dup {
			continue
		}
		c.seen[r.ID] = r.IngestedAt.UnixNano()
		if call, ok := byKey[r.Key]; ok {
			call.rec.Merge(r.Record)
			call.rows++
			continue
		}
		call := &freshCall{key: r.Key, rec: r.Record, rows: 1}
		byKey[r.Key] = call
		calls.order = append(calls.order, call)
	}
}

// forget drops the ids of rows ingested before the next poll's range.
func (c *ingestionCursor) forget(before time.Time) {
	limit := before.UnixNano()
	for id, at := range c.seen {
		if at < limit {
			delete(c.seen, id)
		}
	}
}

// meetRows gives rows of key to its pending spans, or, when none waits, to
// the early-rows table (unless the call's span has already left).
func (j *Joiner) meetRows(key string, rec *source.Record, rows int, now time.Time, out *releaseSet) {
	found, waiting := j.buffer.found(key)
	if !waiting {
		if !j.cursor.early.hasLeft(key, now) && !j.cursor.early.keep(key, rec, now) {
			j.telemetry.ProcessorAzureOpenaiDiagnosticsEarlyRowsDropped.Add(context.Background(), int64(rows))
			j.warner.warn("early_rows_full", "Diagnostic rows that came before their span find the early-rows table full and are dropped (raise early_rows_max_calls)", rows)
		}
		return
	}
	if found != nil {
		merged := *found
		merged.Merge(rec)
		rec = &merged
	}
	if !recordComplete(rec, j.buffer.waitsForUsage(key)) {
		j.buffer.setFound(key, rec)
		return
	}
	j.joinKey(key, rec, out)
	j.cursor.early.leave(key, now)
}

// meetEarlyRows gives the kept early rows whose span has come since to it,
// and counts the calls whose rows waited early_rows_grace in vain.
func (j *Joiner) meetEarlyRows(now time.Time, out *releaseSet) {
	early := j.cursor.early
	for key, call := range early.calls {
		if j.buffer.head(key) != nil {
			early.remove(key)
			j.meetRows(key, call.rec, 0, now, out)
		}
	}
	for _, rec := range early.expire(now) {
		j.telemetry.ProcessorAzureOpenaiDiagnosticsUnmatchedCalls.Add(context.Background(), 1, early.labels.of(rec))
	}
}
