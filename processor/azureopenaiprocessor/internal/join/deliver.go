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
func (j *Joiner) deliver(ctx context.Context, out *releaseSet, final bool) {
	now := j.clock.Now()
	j.mu.Lock()
	batches := append(j.refused, out.order...)
	j.refused = nil
	if len(batches) == 0 || !final && !j.releaseRetry.ready(now, true) {
		j.refused = batches
		j.mu.Unlock()
		return
	}
	j.mu.Unlock()

	var kept []*clientBatch
	var doneSpans, retried, dropped int
	var doneBytes int64
	for _, batch := range batches {
		err := j.release(client.NewContext(ctx, batch.info), batch.traces)
		if err != nil && !final && !consumererror.IsPermanent(err) {
			kept = append(kept, batch)
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
		doneSpans += batch.spans
		doneBytes += batch.bytes
	}

	j.mu.Lock()
	defer j.mu.Unlock()
	// A delivery that ran beside this one (shutdown's, while a blocked loop
	// finished) may have kept batches too; the older go first.
	j.refused = append(kept, j.refused...)
	j.buffer.left(doneSpans, doneBytes)
	if len(kept) > 0 {
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
