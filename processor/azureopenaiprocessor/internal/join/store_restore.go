package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
)

// restore takes back the spans the store holds, at start. Each waits on
// under its first entry time, so max_wait counts from when it first came;
// spans whose release downstream refused before the restart (and whose
// max_wait may have passed) get one lookup more at the first poll.
func (j *Joiner) restore(ctx context.Context) error {
	var spent []storedPart
	spans, batches := 0, 0
	j.mu.Lock()
	err := j.store.load(ctx, func(seq uint64, value []byte, released *positionSet) uint32 {
		batches++
		decoded, err := decodeStoredBatch(value)
		if err != nil {
			// Kept as it is (never done, so the manifest keeps naming it):
			// a later version, or an operator, may read it.
			j.set.Logger.Error("A batch in the diagnostics storage cannot be read; its spans stay stored and are not released",
				zap.Error(err))
			return neverDone
		}
		j.buffer.stored += int64(len(value))
		restored := j.restoreBatch(seq, decoded, released)
		spans += restored
		if restored == 0 {
			spent = append(spent, storedPart{batch: seq})
		}
		return uint32(restored)
	})
	if err != nil {
		j.mu.Unlock()
		return err
	}
	j.reportPendingLocked(ctx)
	j.mu.Unlock()
	// A batch all of whose spans had left, where the last write before the
	// restart did not get to delete it.
	freed, err := j.store.forget(ctx, spent)
	j.mu.Lock()
	j.buffer.stored -= freed
	j.reportPendingLocked(ctx)
	j.mu.Unlock()
	j.set.Logger.Info("Diagnostics join took back the spans waiting in storage",
		zap.Int("spans", spans), zap.Int("batches", batches))
	return err
}

// restoreBatch links the spans of one stored batch that had not left yet
// (released holds the positions that did) and returns how many.
func (j *Joiner) restoreBatch(seq uint64, decoded decodedBatch, released *positionSet) int {
	position := uint32(0)
	restored := 0
	for _, rs := range decoded.traces.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, span := range ss.Spans().All() {
				pos := position
				position++
				if released != nil && released.has(pos) {
					continue
				}
				ps := restoredSpan(span, decoded.enteredAt)
				if ps == nil || j.buffer.holds(ps.key, ps.spanID) {
					// Never held (cannot happen), or stored twice: a refused
					// batch whose deletion failed, then its resend. Either
					// must not block the batch.
					continue
				}
				ps.batch, ps.position = seq, pos
				j.buffer.add(ps, 0)
				restored++
			}
		}
	}
	return restored
}

// restoredSpan is the index entry of a stored span.
func restoredSpan(span ptrace.Span, enteredAt int64) *pendingSpan {
	requestID, ok := span.Attributes().Get(attrRequestID)
	if !ok {
		return nil
	}
	id, ok := parseJoinID(requestID.Str())
	if !ok {
		return nil
	}
	return newPendingSpan(span, id, enteredAt, storedEntryBytes)
}
