package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

// releaseSet gathers the spans one poll releases into as few batches as
// their clients allow: one ptrace.Traces per client, each resource and scope
// once within it. With storage it gathers them per stored batch instead,
// each read back once when they are delivered (deliver.go).
type releaseSet struct {
	byClient map[string]*clientBatch
	order    []*clientBatch // in the order clients were first seen
	stored   map[uint64]int // index in parts, by batch
	parts    []storedPart
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
	// parts are the stored spans in traces (with storage): forgotten once
	// downstream accepted them, read back again for a retry.
	parts []storedPart
}

func newReleaseSet() *releaseSet {
	return &releaseSet{byClient: map[string]*clientBatch{}, stored: map[uint64]int{}, counts: map[Status]int64{}}
}

// spanExit is how a span leaves the buffer, decided when it is taken out and
// applied to the span itself then, or, for a stored span, when its batch is
// read back.
type spanExit uint8

const (
	exitJoined       spanExit = iota // all its rows came: enriched, its usage repriced
	exitWaitedJoined                 // max_wait with part of its rows: enriched
	exitNotFound                     // max_wait, lookups worked, no row
	exitError                        // max_wait or shutdown, lookups failed or never ran
)

func (e spanExit) status() Status {
	switch e {
	case exitJoined, exitWaitedJoined:
		return StatusJoined
	case exitNotFound:
		return StatusNotFound
	}
	return StatusError
}

// leaveBuffer moves ps, taken out of the buffer, into out as exit says; rec,
// when not nil, is the record it joined.
func (j *Joiner) leaveBuffer(out *releaseSet, ps *pendingSpan, exit spanExit, rec *source.Record) {
	ps.exit = exit
	if rec != nil {
		ps.setFound(rec)
	}
	if ps.batch != 0 {
		out.addStored(ps, exit.status())
		return
	}
	j.applyExit(ps.span(), ps)
	out.add(ps, exit.status())
}

// applyExit writes on span how ps leaves.
func (j *Joiner) applyExit(span ptrace.Span, ps *pendingSpan) {
	switch ps.exit {
	case exitJoined:
		if enrichSpan(span, ps.found()) && j.usageChanged != nil {
			j.usageChanged(span)
		}
	case exitWaitedJoined:
		enrichSpan(span, ps.found())
	default:
		markStatus(span, ps.exit.status())
	}
}

// addStored counts a stored span into the set under its batch.
func (r *releaseSet) addStored(ps *pendingSpan, status Status) {
	i, ok := r.stored[ps.batch]
	if !ok {
		i = len(r.parts)
		r.stored[ps.batch] = i
		r.parts = append(r.parts, storedPart{batch: ps.batch})
	}
	r.parts[i].spans = append(r.parts[i].spans, ps)
	r.counts[status]++
	r.spans++
	r.bytes += int64(ps.bytes)
}

// add moves a span, already enriched or marked and taken out of the buffer
// (see unlink), into the set under its origin.
func (r *releaseSet) add(ps *pendingSpan, status Status) {
	o := ps.origin()
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
	ps.span().MoveTo(spans.AppendEmpty())
	r.counts[status]++
	batch.spans++
	batch.bytes += int64(ps.bytes)
	r.spans++
	r.bytes += int64(ps.bytes)
}
