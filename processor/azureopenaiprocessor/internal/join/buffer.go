package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"cmp"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

// lookupResult is what the last query said about a span's key; at max_wait
// it decides between not_found (the lookups worked, the row never came) and
// error (they did not work).
type lookupResult uint8

const (
	lookupNone   lookupResult = iota // not looked up yet
	lookupMissed                     // a query worked and had no row for it
	lookupFailed                     // the last query for it failed
)

// spanFacts is what the join knows of every pending span, alike in the
// pendingSpan it makes and hands out and in the index entry it keeps (one
// copy each way). It has no padding, so that an entry packs into 80 bytes.
type spanFacts struct {
	key       joinID
	spanID    pcommon.SpanID // a batch sent again must not be held twice
	enteredAt int64          // unix nanoseconds on the join's clock
	start     int64          // the span's start, unix nanoseconds (0: none)

	// batch is the sequence number of the stored batch the span lies in
	// (with storage; 0: none), at position.
	batch uint64
	// bytes is the room the span holds in the buffer. A span is far below
	// 2 GiB: protobuf cannot carry one that large (setAside checks).
	bytes int32
	// position is the span's place in its stored batch.
	position uint32
}

// pendingSpan is a span waiting for its row, on its way in or out of the
// buffer: Admit and restore make one, the buffer keeps it as an index entry
// outside the Go heap (index_entries.go) while it waits, and hands a new
// one out when it leaves. What only some spans need is in extra.
type pendingSpan struct {
	spanFacts
	extra  *spanExtra
	lookup lookupResult
	// needsUsage: the span's token counts are missing or an estimate, so it
	// waits for the usage row too (see recordComplete).
	needsUsage bool
	// exit is how a stored span leaves, applied when its batch is read back.
	exit spanExit
}

// newPendingSpan is the pending span of span, joining on key, that entered
// at enteredAt and holds bytes of the buffer's room.
func newPendingSpan(span ptrace.Span, key joinID, enteredAt int64, bytes int32) *pendingSpan {
	return &pendingSpan{
		spanFacts: spanFacts{
			key: key, spanID: span.SpanID(), enteredAt: enteredAt, start: int64(span.StartTimestamp()), bytes: bytes,
		},
		needsUsage: spanUsageReplaceable(span.Attributes()),
	}
}

// spanExtra is what a pending span holds beyond its index entry. Without
// storage: the span, moved out of the batch it came in, and origin what it
// came with (with storage the span lies in its batch on disk instead). And
// found, what the lookups found of its call so far when that was not yet all
// the span waits for; it leaves with it at max_wait.
type spanExtra struct {
	span   ptrace.Span
	origin *spanOrigin
	found  *source.Record
}

// span is the span itself when it is held in memory.
func (ps *pendingSpan) span() ptrace.Span { return ps.extra.span }

// origin is what a span held in memory came with (nil with storage).
func (ps *pendingSpan) origin() *spanOrigin {
	if ps.extra == nil {
		return nil
	}
	return ps.extra.origin
}

// found is what the lookups found of its call so far (nil: nothing yet).
func (ps *pendingSpan) found() *source.Record {
	if ps.extra == nil {
		return nil
	}
	return ps.extra.found
}

func (ps *pendingSpan) setFound(rec *source.Record) {
	if ps.extra == nil {
		ps.extra = &spanExtra{}
	}
	ps.extra.found = rec
}

// pendingBuffer holds spans by key and in order of entry, bounded by count
// and bytes. It is not safe for concurrent use: the Joiner locks around it.
//
// The bounds cover every span the join is answerable for: those waiting
// (linked), those an Admit has reserved room for while the rest of its batch
// goes downstream (counted, not yet linked), and those released but not yet
// accepted downstream (leaving, which includes the refused ones waiting for
// a retry).
type pendingBuffer struct {
	maxSpans int
	maxBytes int64

	// The waiting spans' entries, outside the heap: byKey finds the oldest
	// of each key, oldest and newest end their order of entry. extras holds
	// what they keep on the heap.
	entries        entryArena
	byKey          keyIndex
	oldest, newest entryRef
	extras         extrasTable

	spans        int
	bytes        int64 // spans and the origins they use
	leavingSpans int
	leavingBytes int64
	origins      originTable
	planRound    uint32

	// With storage, the bytes of the stored batches (held until every span
	// of a batch has left) are bounded apart: stored, maxStored.
	stored    int64
	maxStored int64
}

func newPendingBuffer(maxSpans int, maxBytes int64) *pendingBuffer {
	b := &pendingBuffer{
		maxSpans: maxSpans,
		maxBytes: maxBytes,
		extras:   newExtrasTable(),
		origins:  newOriginTable(),
	}
	regions := newOffHeapRegions(b)
	b.entries = newEntryArena(regions)
	b.byKey = newKeyIndex(regions, &b.entries)
	return b
}

// offHeapBytes is the memory the index takes outside the Go heap.
func (b *pendingBuffer) offHeapBytes() int64 { return b.entries.regions.bytes() }

// fits reports whether one more span costing bytes stays within both limits.
func (b *pendingBuffer) fits(bytes int64) bool {
	return b.heldSpans() < b.maxSpans && b.heldBytes()+bytes <= b.maxBytes
}

// fitsStored reports whether bytes more stay within the bound of the
// stored batches.
func (b *pendingBuffer) fitsStored(bytes int64) bool {
	return b.stored+bytes <= b.maxStored
}

// heldSpans and heldBytes are what the join holds: waiting, reserved and leaving.
func (b *pendingBuffer) heldSpans() int   { return b.spans + b.leavingSpans }
func (b *pendingBuffer) heldBytes() int64 { return b.bytes + b.leavingBytes }

// add reserves room for ps and appends it as the newest span.
func (b *pendingBuffer) add(ps *pendingSpan, originBytes int64) {
	b.reserve(ps, originBytes)
	b.link(ps)
}

// reserve counts ps (whose origin, if any, is already interned) without
// making it visible to polls: link does that, or unreserve gives the room
// back.
func (b *pendingBuffer) reserve(ps *pendingSpan, originBytes int64) {
	if origin := ps.origin(); origin != nil {
		origin.refs++
	}
	b.spans++
	b.bytes += int64(ps.bytes) + originBytes
}

// unreserve gives back the room of a span that is not linked and returns the
// bytes freed (its origin's too when no other span uses it).
func (b *pendingBuffer) unreserve(ps *pendingSpan) int64 {
	freed := int64(ps.bytes)
	if origin := ps.origin(); origin != nil {
		freed += b.origins.release(origin)
	}
	b.spans--
	b.bytes -= freed
	return freed
}

// link appends a reserved span as the newest span. ps itself is not kept:
// the buffer holds its index entry.
func (b *pendingBuffer) link(ps *pendingSpan) {
	ref, e := b.entries.alloc()
	e.spanFacts, e.lookup, e.needsUsage = ps.spanFacts, ps.lookup, ps.needsUsage
	e.extra = b.extras.put(ps.extra)
	if b.newest == noEntry {
		b.oldest = ref
	} else {
		e.older = b.newest
		b.entries.at(b.newest).newer = ref
	}
	b.newest = ref
	head := b.entries.get(b.byKey.get(e.key))
	if head == nil {
		b.byKey.set(ref)
		return
	}
	for head.sameKey != noEntry {
		head = b.entries.at(head.sameKey)
	}
	head.sameKey = ref
}

// unlink takes the entry of ref out of the entry order and frees it, and
// returns the span it was, its room given back: the span's bytes become
// what that freed (its origin's bytes included when it was the last to use
// it), which it holds again while it is leaving (see leave).
func (b *pendingBuffer) unlink(ref entryRef) *pendingSpan {
	e := b.entries.at(ref)
	if e.older != noEntry {
		b.entries.at(e.older).newer = e.newer
	} else {
		b.oldest = e.newer
	}
	if e.newer != noEntry {
		b.entries.at(e.newer).older = e.older
	} else {
		b.newest = e.older
	}
	ps := e.span(b.extras.take(e.extra))
	b.entries.release(ref)
	ps.bytes = int32(b.unreserve(ps))
	return ps
}

// span is the pending span e holds, with extra.
func (e *indexEntry) span(extra *spanExtra) *pendingSpan {
	return &pendingSpan{spanFacts: e.spanFacts, extra: extra, lookup: e.lookup, needsUsage: e.needsUsage}
}

// leave counts spans taken out for release as held until downstream has
// accepted them (or they are given up): left undoes it.
func (b *pendingBuffer) leave(spans int, bytes int64) {
	b.leavingSpans += spans
	b.leavingBytes += bytes
}

func (b *pendingBuffer) left(spans int, bytes int64) {
	b.leavingSpans -= spans
	b.leavingBytes -= bytes
}

// head is the entry of the oldest span of key, nil when none waits.
func (b *pendingBuffer) head(key string) *indexEntry {
	id, ok := parseJoinID(key)
	if !ok {
		return nil
	}
	return b.entries.get(b.byKey.get(id))
}

// sameKey is the next entry of e's key, nil after the last.
func (b *pendingBuffer) sameKey(e *indexEntry) *indexEntry { return b.entries.get(e.sameKey) }

// found reports whether spans of key wait, and what the lookups found of
// their call so far (nil: nothing yet).
func (b *pendingBuffer) found(key string) (rec *source.Record, waiting bool) {
	head := b.head(key)
	if head == nil {
		return nil, false
	}
	if extra := b.extras.get(head.extra); extra != nil {
		rec = extra.found
	}
	return rec, true
}

// holds reports whether a span with spanID waits under key: a batch sent
// again after a crash (the receiver never answered the first delivery)
// brings spans the store already holds.
func (b *pendingBuffer) holds(key joinID, spanID pcommon.SpanID) bool {
	for e := b.entries.get(b.byKey.get(key)); e != nil; e = b.sameKey(e) {
		if e.spanID == spanID {
			return true
		}
	}
	return false
}

// setFound keeps rec for every span of key, which waits on for the rest of
// its call's rows; the record's memory is counted with each span.
func (b *pendingBuffer) setFound(key string, rec *source.Record) {
	cost := recordBytes(rec)
	for e := b.head(key); e != nil; e = b.sameKey(e) {
		extra := b.extras.get(e.extra)
		if extra == nil {
			extra = &spanExtra{}
			e.extra = b.extras.put(extra)
		}
		if extra.found != nil {
			e.bytes -= int32(recordBytes(extra.found))
			b.bytes -= recordBytes(extra.found)
		}
		extra.found = rec
		e.bytes += int32(cost)
		b.bytes += cost
	}
}

// waitsForUsage reports whether a span of key still needs the usage row.
func (b *pendingBuffer) waitsForUsage(key string) bool {
	for e := b.head(key); e != nil; e = b.sameKey(e) {
		if e.needsUsage {
			return true
		}
	}
	return false
}

// takeKey removes every span of key and returns them, oldest first.
func (b *pendingBuffer) takeKey(key string) []*pendingSpan {
	id, ok := parseJoinID(key)
	if !ok {
		return nil
	}
	ref := b.byKey.get(id)
	if ref == noEntry {
		return nil
	}
	b.byKey.delete(id)
	var out []*pendingSpan
	for ref != noEntry {
		next := b.entries.at(ref).sameKey
		out = append(out, b.unlink(ref))
		ref = next
	}
	b.entries.trim()
	return out
}

// setLookup records a query's verdict on every span of key.
func (b *pendingBuffer) setLookup(key string, result lookupResult) {
	for e := b.head(key); e != nil; e = b.sameKey(e) {
		e.lookup = result
	}
}

// takeExpired removes the spans that entered at or before deadline.
func (b *pendingBuffer) takeExpired(deadline time.Time) []*pendingSpan {
	limit := deadline.UnixNano()
	var out []*pendingSpan
	for b.oldest != noEntry && b.entries.at(b.oldest).enteredAt <= limit {
		out = append(out, b.takeOne(b.oldest))
	}
	b.entries.trim()
	return out
}

// takeAll empties the buffer, oldest first.
func (b *pendingBuffer) takeAll() []*pendingSpan {
	out := make([]*pendingSpan, 0, b.spans)
	for b.oldest != noEntry {
		out = append(out, b.takeOne(b.oldest))
	}
	b.entries.trim()
	return out
}

// takeOne removes the span of ref, keeping its key's chain for the others.
func (b *pendingBuffer) takeOne(ref entryRef) *pendingSpan {
	e := b.entries.at(ref)
	head := b.byKey.get(e.key)
	switch {
	case head == ref && e.sameKey == noEntry:
		b.byKey.delete(e.key)
	case head == ref:
		b.byKey.set(e.sameKey)
	default:
		prev := b.entries.at(head)
		for prev.sameKey != ref {
			prev = b.entries.at(prev.sameKey)
		}
		prev.sameKey = e.sameKey
	}
	return b.unlink(ref)
}

// queryBatch is the keys one query looks up and the window it searches.
type queryBatch struct {
	keys        []string
	oldestStart time.Time
}

// planBatches splits the pending keys into at most maxBatches batches of at
// most maxKeys: one query each. When that is not all of them, the keys looked
// up least recently go first (oldest first among equals), so a buffer larger
// than the rate budget is still covered round by round.
func (b *pendingBuffer) planBatches(maxKeys, maxBatches int) []queryBatch {
	if maxBatches <= 0 || b.oldest == noEntry {
		return nil
	}
	b.planRound++
	heads := make([]*indexEntry, 0, b.byKey.len())
	for ref := b.oldest; ref != noEntry; {
		e := b.entries.at(ref)
		if b.byKey.get(e.key) == ref { // the oldest span of its key
			heads = append(heads, e)
		}
		ref = e.newer
	}
	if len(heads) > maxKeys*maxBatches {
		slices.SortStableFunc(heads, func(x, y *indexEntry) int { return cmp.Compare(x.plannedIn, y.plannedIn) })
		heads = heads[:maxKeys*maxBatches]
	}
	batches := make([]queryBatch, 0, (len(heads)+maxKeys-1)/maxKeys)
	for len(heads) > 0 {
		n := min(maxKeys, len(heads))
		batch := queryBatch{keys: make([]string, n)}
		for i, head := range heads[:n] {
			batch.keys[i] = head.key.String()
			for same := head; same != nil; same = b.sameKey(same) {
				same.plannedIn = b.planRound
				if start := same.startOrEntry(); batch.oldestStart.IsZero() || start.Before(batch.oldestStart) {
					batch.oldestStart = start
				}
			}
		}
		batches = append(batches, batch)
		heads = heads[n:]
	}
	return batches
}

// startOrEntry is when the call happened, for the query's time window: the
// span's start, or its entry time when the span has none.
func (e *indexEntry) startOrEntry() time.Time {
	if e.start != 0 {
		return time.Unix(0, e.start).UTC()
	}
	return time.Unix(0, e.enteredAt).UTC()
}
