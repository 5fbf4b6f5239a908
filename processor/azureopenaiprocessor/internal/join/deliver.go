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
// and forgotten in storage only once downstream accepted them; a refused
// one keeps only its index entry in RAM and is read back again for the
// retry. At shutdown it is not dropped: it stays stored, and the next start
// offers it again.
func (j *Joiner) deliver(ctx context.Context, out *releaseSet, final bool) {
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

	read, unread, lost := j.readBack(ctx, parts)
	batches = append(batches, read...)
	keptParts := unread
	var kept []*clientBatch
	var doneSpans, retried, dropped int
	var doneBytes int64
	accepted := lost
	for _, part := range lost {
		dropped += len(part.spans)
		doneSpans += len(part.spans)
		for _, ps := range part.spans {
			doneBytes += int64(ps.bytes)
		}
	}
	for _, batch := range batches {
		err := j.release(client.NewContext(ctx, batch.info), batch.traces)
		stays := batch.parts != nil && final // stored: the next start offers it again
		if err != nil && (stays || !final) && !consumererror.IsPermanent(err) {
			if batch.parts != nil {
				keptParts = append(keptParts, batch.parts...)
			} else {
				kept = append(kept, batch)
			}
			retried += batch.spans
			j.warner.warn("release", "Spans leaving the diagnostics join were refused downstream; they are retried",
				batch.spans, zap.Error(err))
			continue
		}
		if err != nil {
			dropped += batch.spans
			j.warner.warn("release_dropped", "Spans leaving the diagnostics join were refused downstream and are dropped",
				batch.spans, zap.Error(err), zap.Bool("permanent", consumererror.IsPermanent(err)))
		}
		accepted = append(accepted, batch.parts...)
		doneSpans += batch.spans
		doneBytes += batch.bytes
	}
	freed := j.forgetDelivered(ctx, accepted)

	j.mu.Lock()
	defer j.mu.Unlock()
	// A delivery that ran beside this one (shutdown's, while a blocked loop
	// finished) may have kept batches too; the older go first.
	j.refused = append(kept, j.refused...)
	j.refusedStored = append(keptParts, j.refusedStored...)
	j.buffer.left(doneSpans, doneBytes)
	j.buffer.stored -= freed
	if len(kept)+len(keptParts) > 0 {
		j.releaseRetry.failed(now, 0)
	} else {
		j.releaseRetry.succeeded()
	}
	bg := context.Background()
	j.reportPendingLocked(bg)
	if retried > 0 {
		j.telemetry.ProcessorAzureOpenaiDiagnosticsRefusedSpans.Add(bg, int64(retried), j.refusalAttrs[refusalRetried])
	}
	if dropped > 0 {
		j.telemetry.ProcessorAzureOpenaiDiagnosticsRefusedSpans.Add(bg, int64(dropped), j.refusalAttrs[refusalDropped])
	}
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
