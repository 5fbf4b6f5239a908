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

// pendingSpan is a span waiting for its row. It is kept small: the buffer
// holds tens of thousands in memory, hundreds of thousands with storage,
// where it is all that stays in RAM of a span (96 bytes, see
// BenchmarkPendingMemory). What only some spans need is in extra.
type pendingSpan struct {
	key       joinID
	spanID    pcommon.SpanID // a batch sent again must not be held twice
	enteredAt int64          // unix nanoseconds on the join's clock
	start     int64          // the span's start, unix nanoseconds (0: none)

	// batch is the sequence number of the stored batch the span lies in
	// (with storage; 0: none), at position.
	batch uint64
	extra *spanExtra

	// older/newer link the buffer in order of entry, for max_wait.
	older, newer *pendingSpan
	// sameKey chains spans that share a key (a span seen twice), oldest first.
	sameKey *pendingSpan

	// bytes is the room the span holds in the buffer. A span is far below
	// 2 GiB: protobuf cannot carry one that large (setAside checks).
	bytes int32
	// plannedIn is the planning round that last picked this key (0: never), so
	// that a rate-limited poll picks the keys that waited longest for a lookup.
	plannedIn uint32
	// position is the span's place in its stored batch.
	position uint32
	lookup   lookupResult
	// needsUsage: the span's token counts are missing or an estimate, so it
	// waits for the usage row too (see recordComplete).
	needsUsage bool
	// exit is how a stored span leaves, applied when its batch is read back.
	exit spanExit
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

// newHeldSpan is the pending span of span held in memory under origin.
func newHeldSpan(span ptrace.Span, origin *spanOrigin) *pendingSpan {
	return &pendingSpan{extra: &spanExtra{span: span, origin: origin}}
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

	byKey          keyIndex // the oldest span of each key
	oldest, newest *pendingSpan
	spans          int
	bytes          int64 // spans and the origins they use
	leavingSpans   int
	leavingBytes   int64
	origins        originTable
	planRound      uint32

	// With storage, the bytes of the stored batches (held until every span
	// of a batch has left) are bounded apart: stored, maxStored.
	stored    int64
	maxStored int64
}

func newPendingBuffer(maxSpans int, maxBytes int64) *pendingBuffer {
	return &pendingBuffer{
		maxSpans: maxSpans,
		maxBytes: maxBytes,
		byKey:    newKeyIndex(),
		origins:  newOriginTable(),
	}
}

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

// link appends a reserved span as the newest span.
func (b *pendingBuffer) link(ps *pendingSpan) {
	if b.newest == nil {
		b.oldest, b.newest = ps, ps
	} else {
		ps.older = b.newest
		b.newest.newer = ps
		b.newest = ps
	}
	head := b.byKey.get(ps.key)
	if head == nil {
		b.byKey.set(ps)
		return
	}
	for head.sameKey != nil {
		head = head.sameKey
	}
	head.sameKey = ps
}

// unlink takes ps out of the entry order and gives its room back; ps.bytes
// becomes what that freed (its origin's bytes included when it was the last
// to use it), which it holds again while it is leaving (see leave).
func (b *pendingBuffer) unlink(ps *pendingSpan) {
	if ps.older != nil {
		ps.older.newer = ps.newer
	} else {
		b.oldest = ps.newer
	}
	if ps.newer != nil {
		ps.newer.older = ps.older
	} else {
		b.newest = ps.older
	}
	ps.older, ps.newer = nil, nil
	ps.bytes = int32(b.unreserve(ps))
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

// head is the oldest span of key, nil when none waits.
func (b *pendingBuffer) head(key string) *pendingSpan {
	id, ok := parseJoinID(key)
	if !ok {
		return nil
	}
	return b.byKey.get(id)
}

// holds reports whether a span with spanID waits under key: a batch sent
// again after a crash (the receiver never answered the first delivery)
// brings spans the store already holds.
func (b *pendingBuffer) holds(key joinID, spanID pcommon.SpanID) bool {
	for ps := b.byKey.get(key); ps != nil; ps = ps.sameKey {
		if ps.spanID == spanID {
			return true
		}
	}
	return false
}

// setFound keeps rec for every span of key, which waits on for the rest of
// its call's rows; the record's memory is counted with each span.
func (b *pendingBuffer) setFound(key string, rec *source.Record) {
	cost := recordBytes(rec)
	for ps := b.head(key); ps != nil; ps = ps.sameKey {
		if found := ps.found(); found != nil {
			ps.bytes -= int32(recordBytes(found))
			b.bytes -= recordBytes(found)
		}
		ps.setFound(rec)
		ps.bytes += int32(cost)
		b.bytes += cost
	}
}

// waitsForUsage reports whether a span of key still needs the usage row.
func (b *pendingBuffer) waitsForUsage(key string) bool {
	for ps := b.head(key); ps != nil; ps = ps.sameKey {
		if ps.needsUsage {
			return true
		}
	}
	return false
}

// takeKey removes every span of key and returns them, oldest first.
func (b *pendingBuffer) takeKey(key string) []*pendingSpan {
	head := b.head(key)
	if head == nil {
		return nil
	}
	b.byKey.delete(head.key)
	var out []*pendingSpan
	for ps := head; ps != nil; {
		next := ps.sameKey
		ps.sameKey = nil
		b.unlink(ps)
		out = append(out, ps)
		ps = next
	}
	return out
}

// setLookup records a query's verdict on every span of key.
func (b *pendingBuffer) setLookup(key string, result lookupResult) {
	for ps := b.head(key); ps != nil; ps = ps.sameKey {
		ps.lookup = result
	}
}

// takeExpired removes the spans that entered at or before deadline.
func (b *pendingBuffer) takeExpired(deadline time.Time) []*pendingSpan {
	limit := deadline.UnixNano()
	var out []*pendingSpan
	for b.oldest != nil && b.oldest.enteredAt <= limit {
		out = append(out, b.takeOne(b.oldest))
	}
	return out
}

// takeAll empties the buffer, oldest first.
func (b *pendingBuffer) takeAll() []*pendingSpan {
	out := make([]*pendingSpan, 0, b.spans)
	for b.oldest != nil {
		out = append(out, b.takeOne(b.oldest))
	}
	return out
}

// takeOne removes one span, keeping its key's chain for the others.
func (b *pendingBuffer) takeOne(ps *pendingSpan) *pendingSpan {
	head := b.byKey.get(ps.key)
	switch {
	case head == ps && ps.sameKey == nil:
		b.byKey.delete(ps.key)
	case head == ps:
		b.byKey.set(ps.sameKey)
	default:
		for head.sameKey != ps {
			head = head.sameKey
		}
		head.sameKey = ps.sameKey
	}
	ps.sameKey = nil
	b.unlink(ps)
	return ps
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
	if maxBatches <= 0 || b.oldest == nil {
		return nil
	}
	b.planRound++
	heads := make([]*pendingSpan, 0, b.byKey.len())
	for ps := b.oldest; ps != nil; ps = ps.newer {
		if b.byKey.get(ps.key) == ps { // the oldest span of its key
			heads = append(heads, ps)
		}
	}
	if len(heads) > maxKeys*maxBatches {
		slices.SortStableFunc(heads, func(x, y *pendingSpan) int { return cmp.Compare(x.plannedIn, y.plannedIn) })
		heads = heads[:maxKeys*maxBatches]
	}
	batches := make([]queryBatch, 0, (len(heads)+maxKeys-1)/maxKeys)
	for len(heads) > 0 {
		n := min(maxKeys, len(heads))
		batch := queryBatch{keys: make([]string, n)}
		for i, head := range heads[:n] {
			batch.keys[i] = head.key.String()
			for same := head; same != nil; same = same.sameKey {
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
func (ps *pendingSpan) startOrEntry() time.Time {
	if ps.start != 0 {
		return time.Unix(0, ps.start).UTC()
	}
	return time.Unix(0, ps.enteredAt).UTC()
}
