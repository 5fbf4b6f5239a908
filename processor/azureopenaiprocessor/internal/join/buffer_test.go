package join

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

// Keys of the buffer tests, by letter.
var ka, kb, kc, kd, ke = key(0xa), key(0xb), key(0xc), key(0xd), key(0xe)

// fillBuffer adds a span per key, entering one second apart from t0.
func fillBuffer(b *pendingBuffer, keys ...string) {
	td := spansFor(t0, "00000000-0000-0000-0000-000000000000")
	rs := td.ResourceSpans().At(0)
	ss := rs.ScopeSpans().At(0)
	okey := originKey{resource: newResourceKey(rs), scope: newScopeKey(ss)}
	for i, k := range keys {
		origin := b.origins.lookup(okey)
		var ob int64
		if origin == nil {
			ob = originBytes(rs, ss, "")
			origin = b.origins.insert(okey, rs, ss, client.Info{}, ob)
		}
		span := ptrace.NewSpan()
		addLiftedSpan(span, t0.Add(time.Duration(i)*time.Second), k)
		id, ok := parseJoinID(k)
		if !ok {
			panic(k)
		}
		ps := newHeldSpan(span, origin)
		ps.key, ps.start, ps.enteredAt, ps.bytes = id, int64(span.StartTimestamp()), t0.Add(time.Duration(i)*time.Second).UnixNano(), 1000
		b.add(ps, ob)
	}
}

// newHeldSpan is a pending span of span held in memory under origin, its
// facts for the test to set.
func newHeldSpan(span ptrace.Span, origin *spanOrigin) *pendingSpan {
	return &pendingSpan{extra: &spanExtra{span: span, origin: origin}}
}

// peek is the oldest span of key as it waits (nil when none does), left in
// the buffer: a copy to read.
func (b *pendingBuffer) peek(key string) *pendingSpan {
	e := b.head(key)
	if e == nil {
		return nil
	}
	return e.span(b.extras.get(e.extra))
}

func TestBufferAccounting(t *testing.T) {
	b := newPendingBuffer(10, 1<<20)
	fillBuffer(b, ka, kb, ka, kc)
	assert.Equal(t, 4, b.spans)
	assert.Equal(t, 3, b.byKey.len())
	assert.Len(t, b.origins.byKey, 1, "one origin shared by all")

	taken := b.takeKey(ka)
	require.Len(t, taken, 2, "both spans of a key leave together")
	assert.Equal(t, t0.UnixNano(), taken[0].enteredAt, "oldest first")

	expired := b.takeExpired(t0.Add(1 * time.Second))
	require.Len(t, expired, 1)
	assert.Equal(t, kb, expired[0].key.String())

	rest := b.takeAll()
	require.Len(t, rest, 1)
	assert.Equal(t, 0, b.spans)
	assert.Equal(t, int64(0), b.bytes, "spans and origin all accounted back")
	assert.Zero(t, b.byKey.len())
	assert.Empty(t, b.origins.byKey)
	assert.Equal(t, noEntry, b.oldest)
	assert.Equal(t, noEntry, b.newest)
}

func TestTakeOneKeepsTheRestOfItsKey(t *testing.T) {
	b := newPendingBuffer(10, 1<<20)
	fillBuffer(b, ka, kb, ka, ka)
	first := b.takeExpired(t0) // the oldest ka
	require.Len(t, first, 1)
	assert.Equal(t, 2, b.byKey.len())
	require.Len(t, b.takeKey(ka), 2, "the younger spans of the key are still chained")
}

func TestFits(t *testing.T) {
	b := newPendingBuffer(2, 10_000)
	assert.True(t, b.fits(10_000))
	assert.False(t, b.fits(10_001))
	fillBuffer(b, ka, kb)
	assert.False(t, b.fits(1), "count limit")
}

func TestPlanBatches(t *testing.T) {
	b := newPendingBuffer(100, 1<<20)
	fillBuffer(b, ka, kb, ka, kc, kd, ke)
	batches := b.planBatches(2, 10)
	require.Len(t, batches, 3)
	assert.Equal(t, []string{ka, kb}, batches[0].keys, "each key once, oldest first")
	assert.Equal(t, []string{kc, kd}, batches[1].keys)
	assert.Equal(t, []string{ke}, batches[2].keys)
	assert.Equal(t, t0, batches[0].oldestStart)
	assert.Equal(t, t0.Add(3*time.Second), batches[1].oldestStart)

	limited := b.planBatches(2, 1)
	require.Len(t, limited, 1)
	assert.Equal(t, []string{ka, kb}, limited[0].keys, "after a full round, age decides")
	next := b.planBatches(2, 1)
	assert.Equal(t, []string{kc, kd}, next[0].keys, "then the keys looked up least recently")
	assert.Nil(t, b.planBatches(2, 0))
}

func TestStartOrEntry(t *testing.T) {
	ps := &indexEntry{spanFacts: spanFacts{enteredAt: t0.UnixNano()}}
	assert.Equal(t, t0.UnixNano(), ps.startOrEntry().UnixNano(), "no start: the entry time")
	ps.start = t0.Add(-time.Hour).UnixNano()
	assert.Equal(t, t0.Add(-time.Hour).UnixNano(), ps.startOrEntry().UnixNano())
}

func TestQueryBudget(t *testing.T) {
	b := newQueryBudget()
	assert.Equal(t, 200, b.available(t0))
	for range 150 {
		b.spend(t0)
	}
	for range 50 {
		b.spend(t0.Add(10 * time.Second))
	}
	assert.Equal(t, 0, b.available(t0.Add(20*time.Second)))
	assert.Equal(t, 150, b.available(t0.Add(30*time.Second)), "the first 150 left the window")
	assert.Equal(t, 200, b.available(t0.Add(40*time.Second)))
}

func TestRetryState(t *testing.T) {
	r := newRetryState(30*time.Second, 15*time.Minute)
	assert.True(t, r.ready(t0, true))
	r.failed(t0, 0)
	assert.False(t, r.ready(t0.Add(10*time.Second), true))
	assert.True(t, r.ready(t0.Add(30*time.Second), true), "the next poll")
	r.failed(t0, 0)
	assert.False(t, r.ready(t0.Add(30*time.Second), true))
	assert.True(t, r.ready(t0.Add(60*time.Second), true))
	for range 30 {
		r.failed(t0, 0)
	}
	assert.True(t, r.ready(t0.Add(maxBackoff), true), "capped")
	assert.True(t, r.ready(t0, false), "the last query at shutdown ignores back-off")

	r.succeeded()
	r.failed(t0, 100*time.Second)
	assert.False(t, r.ready(t0.Add(99*time.Second), true), "Retry-After is honoured to the second")
	assert.False(t, r.ready(t0.Add(99*time.Second), false), "even at shutdown")
	assert.True(t, r.ready(t0.Add(100*time.Second), true))
}

func TestLeavingSpansAndKeptRecordsCountAgainstTheLimits(t *testing.T) {
	b := newPendingBuffer(2, 1<<20)
	fillBuffer(b, ka, kb)
	assert.False(t, b.fits(1), "two spans held, two allowed")
	bytesHeld := b.heldBytes()

	taken := b.takeKey(ka)
	require.Len(t, taken, 1)
	b.leave(1, int64(taken[0].bytes))
	assert.Equal(t, 2, b.heldSpans(), "a span on its way downstream is still held")
	assert.Equal(t, bytesHeld, b.heldBytes())
	assert.False(t, b.fits(1))
	b.left(1, int64(taken[0].bytes))
	assert.True(t, b.fits(1), "accepted downstream: room again")

	rec := &source.Record{Operation: "ChatCompletions_Create", HasRequestResponse: true}
	before := b.heldBytes()
	b.setFound(kb, rec)
	assert.Equal(t, before+recordBytes(rec), b.heldBytes(), "a kept record is counted")
	b.setFound(kb, rec)
	assert.Equal(t, before+recordBytes(rec), b.heldBytes(), "once, however often it is found again")
	b.takeAll()
	assert.Equal(t, int64(0), b.heldBytes())
}
