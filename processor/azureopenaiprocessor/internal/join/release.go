package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// releaseSet gathers the spans one poll releases into as few batches as
// their clients allow: one ptrace.Traces per client, each resource and scope
// once within it.
type releaseSet struct {
	byClient map[string]*clientBatch
	order    []*clientBatch // in the order clients were first seen
	counts   map[Status]int64
	spans    int
	bytes    int64
}

type clientBatch struct {
	info      client.Info
	traces    ptrace.Traces
	resources map[resourceKey]ptrace.ResourceSpans
	scopes    map[originKey]ptrace.SpanSlice
	// spans and bytes are what the batch holds of the buffer's room until
	// downstream accepts it.
	spans int
	bytes int64
}

func newReleaseSet() *releaseSet {
	return &releaseSet{byClient: map[string]*clientBatch{}, counts: map[Status]int64{}}
}

// add moves a span, already enriched or marked and taken out of the buffer
// (see unlink), into the set under its origin.
func (r *releaseSet) add(ps *pendingSpan, status Status) {
	o := ps.origin
	batch, ok := r.byClient[o.key.client]
	if !ok {
		batch = &clientBatch{
			info:      o.client,
			traces:    ptrace.NewTraces(),
			resources: map[resourceKey]ptrace.ResourceSpans{},
			scopes:    map[originKey]ptrace.SpanSlice{},
		}
		r.byClient[o.key.client] = batch
		r.order = append(r.order, batch)
	}
	spans, ok := batch.scopes[o.key]
	if !ok {
		rs, ok := batch.resources[o.key.resource]
		if !ok {
			rs = batch.traces.ResourceSpans().AppendEmpty()
			o.resource.CopyTo(rs.Resource())
			rs.SetSchemaUrl(o.key.resource.schemaURL)
			batch.resources[o.key.resource] = rs
		}
		ss := rs.ScopeSpans().AppendEmpty()
		o.scope.CopyTo(ss.Scope())
		ss.SetSchemaUrl(o.key.scope.schemaURL)
		spans = ss.Spans()
		batch.scopes[o.key] = spans
	}
	ps.span.MoveTo(spans.AppendEmpty())
	r.counts[status]++
	batch.spans++
	batch.bytes += ps.bytes
	r.spans++
	r.bytes += ps.bytes
}
