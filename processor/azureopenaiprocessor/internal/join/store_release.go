package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"context"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
)

// readBack reads the stored batches of parts, each once, writes on every
// leaving span how it leaves (applyExit) and gathers them per client into
// batches for release; the other spans of a batch are not sent. Parts that
// cannot be read now stay for a retry (unread); a batch that is gone or
// corrupt cannot be delivered at all (lost: counted as dropped).
func (j *Joiner) readBack(ctx context.Context, parts []storedPart) (batches []*clientBatch, unread, lost []storedPart) {
	if len(parts) == 0 {
		return nil, nil, nil
	}
	stored := make([]uint64, len(parts))
	for i, part := range parts {
		stored[i] = part.batch
	}
	values, err := j.store.read(ctx, stored)
	if err != nil {
		j.warner.warn("storage_read", "Diagnostics storage failed to read held spans back; they are retried", len(parts), zap.Error(err))
		return nil, parts, nil
	}
	byClient := map[string]*clientBatch{}
	for i, part := range parts {
		if values[i] == nil {
			lost = append(lost, part)
			continue
		}
		decoded, err := decodeStoredBatch(values[i])
		if err != nil {
			j.warner.warn("storage_corrupt", "A batch in the diagnostics storage cannot be read; its spans are dropped",
				len(part.spans), zap.Error(err))
			lost = append(lost, part)
			continue
		}
		info := client.Info{Metadata: decoded.metadata}
		fingerprint := clientFingerprint(info, func() uint64 { return 0 })
		batch, ok := byClient[fingerprint]
		if !ok {
			batch = &clientBatch{info: info, traces: ptrace.NewTraces()}
			byClient[fingerprint] = batch
			batches = append(batches, batch)
		}
		j.keepLeaving(decoded.traces, part)
		decoded.traces.ResourceSpans().MoveAndAppendTo(batch.traces.ResourceSpans())
		batch.parts = append(batch.parts, part)
		batch.spans += len(part.spans)
		for _, ps := range part.spans {
			batch.bytes += int64(ps.bytes)
		}
	}
	return batches, nil, lost
}

// keepLeaving removes from td, a stored batch read back, every span that is
// not among part's and writes on those how they leave.
func (j *Joiner) keepLeaving(td ptrace.Traces, part storedPart) {
	leaving := make(map[uint32]*pendingSpan, len(part.spans))
	for _, ps := range part.spans {
		leaving[ps.position] = ps
	}
	position := uint32(0)
	td.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			ss.Spans().RemoveIf(func(span ptrace.Span) bool {
				ps, ok := leaving[position]
				position++
				if ok {
					j.applyExit(span, ps)
				}
				return !ok
			})
			return ss.Spans().Len() == 0
		})
		return rs.ScopeSpans().Len() == 0
	})
}
