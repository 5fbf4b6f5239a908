package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"context"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.uber.org/zap"
)

// Refusal is what became of spans downstream refused when the join released
// them: the refused_spans metric's refusal attribute.
type refusal string

const (
	refusalRetried refusal = "retried" // kept, and offered again after a back-off
	refusalDropped refusal = "dropped" // a permanent error, or still refused at shutdown
)

// releaseStepBytes bounds one step of a delivery with storage: the stored
// batches a poll releases are read back, sent downstream and forgotten this
// many stored bytes at a time (at least one batch a step). Without it a
// poll holds every span it releases in memory at once: at 500 records/s
// that is 15 000 spans each poll, and after a Log Analytics outage every
// span reaching max_wait together, hundreds of thousands.
const releaseStepBytes = 1 << 20

// delivery is what one deliver call did with the batches it offered.
type delivery struct {
	kept      []*clientBatch // refused, in memory: offered again later
	keptParts []storedPart   // refused or not read, stored: read back again later
	// storedHalted: a stored batch was refused or could not be read; the
	// stored ones after it are not read, they wait behind it. deferred: the
	// loop stopped while the steps were spread (release_spread.go); the rest
	// waits for shutdown's delivery, not for a back-off.
	storedHalted, deferred bool

	doneSpans, retried, dropped int
	doneBytes, freedStored      int64
}

// deliver hands each client's batch of out to release, with that client's
// Info in the context, after the batches refused earlier (oldest first).
// A batch downstream refuses is kept, still counted in the buffer's limits,
// and offered again at the next poll, then after 2, 4, ... poll intervals
// (at most 5 minutes or max_wait/3), until it is accepted; while that
// back-off runs, new batches wait behind it. A permanent error
// (consumererror.IsPermanent) is not retried, and at the last delivery
// (final: shutdown) nothing can wait any more: those spans are counted as
// dropped and warned about, never lost silently.
//
// With storage, stored spans are read back here, their batches once each,
// releaseStepBytes at a time, and forgotten in storage only once downstream
// accepted them; a refused one keeps only its index entry in RAM and is
// read back again for the retry, and the stored spans after it wait unread.
// At shutdown it is not dropped: it stays stored, and the next start offers
// it again.
func (j *Joiner) deliver(ctx context.Context, out *releaseSet, final bool) {
	j.deliverSpread(ctx, out, final, nil)
}

// deliverSpread is deliver with the steps of its stored spans spread by
// spread (nil: one after the other).
func (j *Joiner) deliverSpread(ctx context.Context, out *releaseSet, final bool, spread *stepSpread) {
	now := j.clock.Now()
	j.mu.Lock()
	batches := append(j.refused, out.order...)
	parts := append(j.refusedStored, out.parts...)
	j.refused, j.refusedStored = nil, nil
	if len(batches)+len(parts) == 0 || !final && !j.releaseRetry.ready(now, true) {
		j.refused, j.refusedStored = batches, parts
		j.mu.Unlock()
		return
	}
	j.mu.Unlock()

	var d delivery
	for _, batch := range batches {
		j.offer(ctx, batch, final, &d)
	}
	var steps [][]storedPart
	if len(parts) > 0 { // only with storage
		steps = j.store.steps(parts, j.releaseStep)
	}
	for i, step := range steps {
		if !d.storedHalted && !d.deferred && i > 0 && !spread.wait(ctx, len(steps)) {
			d.deferred = true
		}
		if d.storedHalted || d.deferred {
			d.keptParts = append(d.keptParts, step...)
			continue
		}
		j.deliverStored(ctx, step, final, &d)
	}

	j.mu.Lock()
	defer j.mu.Unlock()
	// A delivery that ran beside this one (shutdown's, while a blocked loop
	// finished) may have kept batches too; the older go first.
	j.refused = append(d.kept, j.refused...)
	j.refusedStored = append(d.keptParts, j.refusedStored...)
	j.buffer.left(d.doneSpans, d.doneBytes)
	j.buffer.stored -= d.freedStored
	if len(d.kept) > 0 || d.storedHalted {
		j.releaseRetry.failed(now, 0)
	} else {
		j.releaseRetry.succeeded()
	}
	bg := context.Background()
	j.reportPendingLocked(bg)
	if d.retried > 0 {
		j.telemetry.ProcessorAzureOpenaiDiagnosticsRefusedSpans.Add(bg, int64(d.retried), j.refusalAttrs[refusalRetried])
	}
	if d.dropped > 0 {
		j.telemetry.ProcessorAzureOpenaiDiagnosticsRefusedSpans.Add(bg, int64(d.dropped), j.refusalAttrs[refusalDropped])
	}
}

// deliverStored is one step of a delivery with storage: it reads the
// batches of parts back, offers their spans downstream and forgets in
// storage those that left.
func (j *Joiner) deliverStored(ctx context.Context, parts []storedPart, final bool, d *delivery) {
	read, unread, lost := j.readBack(ctx, parts)
	if len(unread) > 0 {
		d.keptParts = append(d.keptParts, unread...)
		d.storedHalted = true
	}
	left := lost
	for _, part := range lost {
		d.dropped += len(part.spans)
		d.doneSpans += len(part.spans)
		for _, ps := range part.spans {
			d.doneBytes += int64(ps.bytes)
		}
	}
	for _, batch := range read {
		if j.offer(ctx, batch, final, d) {
			left = append(left, batch.parts...)
		}
	}
	d.freedStored += j.forgetDelivered(ctx, left)
}

// offer releases one batch downstream and reports whether its spans left
// (accepted, or dropped for good); a refused one is kept in d for a retry.
func (j *Joiner) offer(ctx context.Context, batch *clientBatch, final bool, d *delivery) bool {
	err := j.release(client.NewContext(ctx, batch.info), batch.traces)
	stays := batch.parts != nil && final // stored: the next start offers it again
	if err != nil && (stays || !final) && !consumererror.IsPermanent(err) {
		if batch.parts != nil {
			d.keptParts = append(d.keptParts, batch.parts...)
			d.storedHalted = true
		} else {
			d.kept = append(d.kept, batch)
		}
		d.retried += batch.spans
		j.warner.warn("release", "Spans leaving the diagnostics join were refused downstream; they are retried",
			batch.spans, zap.Error(err))
		return false
	}
	if err != nil {
		d.dropped += batch.spans
		j.warner.warn("release_dropped", "Spans leaving the diagnostics join were refused downstream and are dropped",
			batch.spans, zap.Error(err), zap.Bool("permanent", consumererror.IsPermanent(err)))
	}
	d.doneSpans += batch.spans
	d.doneBytes += batch.bytes
	return true
}

// forgetDelivered tells the store that the spans of accepted left and
// returns the stored bytes freed. This is the one window of the exactly-once
// promise: a crash between downstream's acceptance and this write sends
// those spans again after the restart.
func (j *Joiner) forgetDelivered(ctx context.Context, accepted []storedPart) int64 {
	if len(accepted) == 0 {
		return 0
	}
	// Downstream has the spans: recording that must not be cut short by the
	// cancellation that ends a blocked release at shutdown.
	freed, err := j.store.forget(context.WithoutCancel(ctx), accepted)
	if err != nil {
		spans := 0
		for _, part := range accepted {
			spans += len(part.spans)
		}
		j.warner.warn("storage_forget", "Diagnostics storage failed to record delivered spans; a restart sends them again",
			spans, zap.Error(err))
	}
	return freed
}
