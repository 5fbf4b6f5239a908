package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"context"
	"math"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
)

// Admit takes a batch whole or not at all. The spans that carry a join key
// and fit in the buffer are set aside (their room reserved); pass receives
// the rest at once: spans without a key, spans whose key is not a GUID, and
// spans that found the buffer full (marked overflow). Only when pass accepts
// them are the set-aside spans held; when it refuses, nothing is held, no
// span has left, and Admit returns pass's error, so that the sender's retry
// of the whole batch sends no span twice. A batch whose spans are all held
// makes no call to pass. td is taken over: on return it holds what pass was
// given, whatever pass said.
//
// With the join off, or once Shutdown has begun, pass receives td whole.
func (j *Joiner) Admit(ctx context.Context, td ptrace.Traces, pass func(context.Context, ptrace.Traces) error) error {
	if !j.enabled() {
		return pass(ctx, td)
	}
	info := client.FromContext(ctx)
	in := intake{
		info:        info,
		fingerprint: clientFingerprint(info, func() uint64 { return j.uniqueAuth.Add(1) }),
		enteredAt:   j.clock.Now().UnixNano(),
	}
	j.mu.Lock()
	if j.stopped {
		j.mu.Unlock()
		return pass(ctx, td)
	}
	if j.store != nil {
		in.stored = ptrace.NewTraces()
	}
	td.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool { return j.admitResource(&in, rs) })
	j.reportPendingLocked(ctx)
	j.mu.Unlock()

	if j.store != nil && len(in.held) > 0 {
		j.storeHeld(ctx, &in, td)
	}
	if td.ResourceSpans().Len() > 0 {
		if err := pass(ctx, td); err != nil {
			j.giveBack(ctx, &in)
			return err
		}
	}
	j.hold(ctx, &in)
	j.reportRefused(ctx, &in)
	return nil
}

// giveBack undoes the set-aside of a batch downstream refused: its room, and
// with storage its stored batch.
func (j *Joiner) giveBack(ctx context.Context, in *intake) {
	var freed int64
	if in.batch != 0 {
		var err error
		if freed, err = j.store.forget(ctx, []storedPart{{batch: in.batch, spans: in.held}}); err != nil {
			// It stays on disk beside the sender's resend of the same
			// spans; the next start takes back only one of each
			// (restoreBatch).
			j.warner.warn("storage", "Diagnostics storage failed to drop a refused batch", len(in.held), zap.Error(err))
		}
	}
	j.mu.Lock()
	for _, ps := range in.held {
		j.buffer.unreserve(ps)
	}
	j.buffer.stored -= freed + in.storedEstimate
	j.reportPendingLocked(ctx)
	j.mu.Unlock()
}

// storeHeld writes the held spans of in as one stored batch. When storage
// fails they cannot wait: they go on with the rest of td, marked error.
func (j *Joiner) storeHeld(ctx context.Context, in *intake, td ptrace.Traces) {
	value, err := encodeStoredBatch(in.enteredAt, in.info.Metadata, in.stored)
	var seq uint64
	if err == nil {
		seq, err = j.store.write(ctx, value, len(in.held))
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if err == nil {
		for _, ps := range in.held {
			ps.batch = seq
		}
		in.batch = seq
		// The estimate reserved is replaced by what was written.
		j.buffer.stored += int64(len(value)) - in.storedEstimate
		in.storedEstimate = 0
		j.reportPendingLocked(ctx)
		return
	}
	for _, ps := range in.held {
		j.buffer.unreserve(ps)
	}
	j.buffer.stored -= in.storedEstimate
	in.storedEstimate = 0
	j.reportPendingLocked(ctx)
	j.warner.warn("storage", "Diagnostics storage failed: spans pass on unjoined", len(in.held), zap.Error(err))
	j.telemetry.ProcessorAzureOpenaiDiagnosticsReleasedSpans.Add(ctx, int64(len(in.held)), j.statusAttrs[StatusError])
	in.held = nil
	for _, rs := range in.stored.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, span := range ss.Spans().All() {
				markStatus(span, StatusError)
			}
		}
	}
	in.stored.ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
}

// hold makes the spans in set aside visible to polls. When Shutdown began
// while the rest of their batch went downstream, they can no longer wait:
// they leave at once, as at shutdown (status error: never looked up), or
// with storage stay stored for the next start.
func (j *Joiner) hold(ctx context.Context, in *intake) {
	if len(in.held) == 0 {
		return
	}
	j.mu.Lock()
	if !j.stopped {
		for _, ps := range in.held {
			j.buffer.link(ps)
		}
		j.mu.Unlock()
		return
	}
	if in.batch != 0 {
		// Stored: they wait on disk for the next start.
		for _, ps := range in.held {
			j.buffer.unreserve(ps)
		}
		j.mu.Unlock()
		return
	}
	out := newReleaseSet()
	for _, ps := range in.held {
		ps.bytes = int32(j.buffer.unreserve(ps))
		markStatus(ps.span(), StatusError)
		out.add(ps, StatusError)
	}
	j.buffer.leave(out.spans, out.bytes)
	j.telemetry.ProcessorAzureOpenaiDiagnosticsReleasedSpans.Add(ctx, out.counts[StatusError], j.statusAttrs[StatusError])
	j.mu.Unlock()
	j.deliver(ctx, out, true)
}

// intake is what one Admit call shares among its spans: where they came from,
// when they entered, and how many could not wait.
type intake struct {
	info        client.Info
	fingerprint string // clientFingerprint(info)
	enteredAt   int64  // unix nanoseconds on the join's clock
	overflowed  int
	invalid     int
	// resent counts spans the store already held: this batch was sent before.
	resent int
	// held are the spans set aside, their room reserved, until the rest of
	// the batch is accepted downstream.
	held []*pendingSpan

	// With storage: the held spans with their resources and scopes, as they
	// are written (one stored batch), the stored bytes reserved for them
	// until then, and the batch once written.
	stored         ptrace.Traces
	storedRS       ptrace.ResourceSpans
	storedSS       ptrace.ScopeSpans
	storedEstimate int64
	batch          uint64 // the stored batch's sequence number (0: none)
}

// admitResource takes the keyed spans of rs into the buffer and reports
// whether that left rs without spans (then it is removed).
func (j *Joiner) admitResource(in *intake, rs ptrace.ResourceSpans) bool {
	// The resource's key is hashed once, and only when one of its spans stays.
	var resKey *resourceKey
	in.storedRS = ptrace.ResourceSpans{}
	emptied := false
	rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
		if j.admitScope(in, rs, ss, &resKey) {
			emptied = true
			return true
		}
		return false
	})
	return emptied && rs.ScopeSpans().Len() == 0
}

// admitScope takes the keyed spans of ss into the buffer and reports whether
// that left ss without spans.
func (j *Joiner) admitScope(in *intake, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, resKey **resourceKey) bool {
	var key originKey
	keyed := j.store != nil // stored spans keep their resource and scope on disk
	taken := 0
	in.storedSS = ptrace.ScopeSpans{}
	ss.Spans().RemoveIf(func(span ptrace.Span) bool {
		joinOn, ok := in.keyOf(span)
		if !ok {
			return false
		}
		if !keyed {
			if *resKey == nil {
				k := newResourceKey(rs)
				*resKey = &k
			}
			key = originKey{resource: **resKey, scope: newScopeKey(ss), client: in.fingerprint}
			keyed = true
		}
		if !j.setAside(in, span, joinOn, key, rs, ss) {
			return false
		}
		taken++
		return true
	})
	return taken > 0 && ss.Spans().Len() == 0
}

// keyOf returns the key span joins on; ok is false for a span without
// azure.service.request.id, and for one whose id is no GUID (counted).
func (in *intake) keyOf(span ptrace.Span) (string, bool) {
	requestID, ok := span.Attributes().Get(attrRequestID)
	if !ok {
		return "", false
	}
	if requestID.Type() == pcommon.ValueTypeStr {
		if joinOn, valid := joinKey(requestID.Str()); valid {
			return joinOn, true
		}
	}
	in.invalid++
	return "", false
}

// setAside moves span out of its batch and reserves its room in the buffer
// under its origin key. It returns false, leaving the span in place marked
// overflow, when the span (and the origin it would add) does not fit.
func (j *Joiner) setAside(in *intake, span ptrace.Span, joinOn string, key originKey, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans) bool {
	id, _ := parseJoinID(joinOn)
	if j.store != nil {
		return j.setAsideStored(in, span, id, rs, ss)
	}
	size := spanBytes(span) + pendingEntryBytes
	origin := j.buffer.origins.lookup(key)
	var newOriginBytes int64
	if origin == nil {
		newOriginBytes = originBytes(rs, ss, in.fingerprint)
	}
	if size > math.MaxInt32 || !j.buffer.fits(size+newOriginBytes) {
		markStatus(span, StatusOverflow)
		in.overflowed++
		return false
	}
	if origin == nil {
		origin = j.buffer.origins.insert(key, rs, ss, in.info, newOriginBytes)
	}
	held := ptrace.NewSpan()
	span.MoveTo(held)
	detachSpan(held)
	pending := newPendingSpan(held, id, in.enteredAt, int32(size))
	pending.extra = &spanExtra{span: held, origin: origin}
	j.buffer.reserve(pending, newOriginBytes)
	in.held = append(in.held, pending)
	return true
}

// setAsideStored moves span into the batch in will store, keeping only its
// index entry in RAM. A span the store already holds under the same key and
// span id (this batch was sent before, and the sender never heard that it
// was taken) is dropped instead: it leaves once, from the store. The stored
// bytes are reserved by the span's in-memory size, more than it takes as
// protobuf, until the batch is written and its size known.
func (j *Joiner) setAsideStored(in *intake, span ptrace.Span, id joinID, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans) bool {
	if j.buffer.holds(id, span.SpanID()) {
		in.resent++
		return true
	}
	estimate := spanBytes(span)
	if !j.buffer.fits(storedEntryBytes) || !j.buffer.fitsStored(estimate) {
		markStatus(span, StatusOverflow)
		in.overflowed++
		return false
	}
	if in.storedRS == (ptrace.ResourceSpans{}) {
		in.storedRS = in.stored.ResourceSpans().AppendEmpty()
		rs.Resource().CopyTo(in.storedRS.Resource())
		in.storedRS.SetSchemaUrl(rs.SchemaUrl())
	}
	if in.storedSS == (ptrace.ScopeSpans{}) {
		in.storedSS = in.storedRS.ScopeSpans().AppendEmpty()
		ss.Scope().CopyTo(in.storedSS.Scope())
		in.storedSS.SetSchemaUrl(ss.SchemaUrl())
	}
	pending := newPendingSpan(span, id, in.enteredAt, storedEntryBytes)
	pending.position = uint32(len(in.held))
	span.MoveTo(in.storedSS.Spans().AppendEmpty())
	j.buffer.reserve(pending, 0)
	j.buffer.stored += estimate
	in.storedEstimate += estimate
	in.held = append(in.held, pending)
	return true
}

// reportRefused counts the spans that overflowed and warns (rate limited)
// about them and about request ids that are no GUID.
func (j *Joiner) reportRefused(ctx context.Context, in *intake) {
	if in.overflowed > 0 {
		j.telemetry.ProcessorAzureOpenaiDiagnosticsReleasedSpans.Add(ctx, int64(in.overflowed), j.statusAttrs[StatusOverflow])
		j.warner.warn("overflow", "Diagnostics join buffer is full: spans pass on unjoined (raise max_pending / max_pending_bytes or lower max_wait)",
			in.overflowed, zap.Int("max_pending", j.cfg.MaxPending), zap.Int64("max_pending_bytes", j.cfg.MaxPendingBytes))
	}
	if in.resent > 0 {
		j.warner.warn("resent", "Spans sent again that the diagnostics storage already holds were not held twice", in.resent)
	}
	if in.invalid > 0 {
		j.warner.warn("invalid_key", "Spans whose azure.service.request.id is not a GUID pass on unjoined", in.invalid)
	}
}
