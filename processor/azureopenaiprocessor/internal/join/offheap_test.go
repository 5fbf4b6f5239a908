package join

import (
	"fmt"
	"reflect"
	"runtime"
	"testing"
	"time"
	"unsafe"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestIndexEntryIs80Bytes(t *testing.T) {
	// The soak's memory per pending span is counted on it (size.go).
	assert.Equal(t, uintptr(80), unsafe.Sizeof(indexEntry{}))
}

// TestEntryArenaReusesFreedEntriesAndGivesChunksBack hands out more entries
// than a chunk holds, frees some and checks they are handed out again before
// any new one, then frees all and checks every chunk but the first is
// unmapped.
func TestEntryArenaReusesFreedEntriesAndGivesChunksBack(t *testing.T) {
	owner := new(int)
	regions := newOffHeapRegions(owner)
	a := newEntryArena(regions)
	oneChunk := regions.bytes()
	require.Equal(t, int64(entryChunkBytes), oneChunk)

	n := entriesPerChunk + 100
	refs := make([]entryRef, n)
	seen := map[entryRef]bool{}
	for i := range refs {
		ref, e := a.alloc()
		require.NotEqual(t, noEntry, ref)
		require.False(t, seen[ref], "entry %d handed out twice", ref)
		seen[ref] = true
		e.position = uint32(i)
		refs[i] = ref
	}
	assert.Equal(t, 2*oneChunk, regions.bytes(), "a second chunk")
	for i, ref := range refs {
		require.Equal(t, uint32(i), a.at(ref).position, "entries do not overlap")
	}

	freed := map[entryRef]bool{refs[3]: true, refs[entriesPerChunk+7]: true}
	for ref := range freed {
		a.release(ref)
	}
	for range freed {
		ref, e := a.alloc()
		assert.True(t, freed[ref], "a freed entry is handed out first")
		assert.Zero(t, *e, "zeroed")
	}
	assert.Equal(t, 2*oneChunk, regions.bytes())

	for _, ref := range refs {
		a.release(ref)
	}
	a.trim()
	assert.Equal(t, oneChunk, regions.bytes(), "drained: one chunk kept")
	// The kept chunk's entries were all freed, so they still hold their
	// free-list links: every entry handed out again must come zeroed.
	for range 100 {
		ref, e := a.alloc()
		require.NotEqual(t, noEntry, ref)
		require.Zero(t, *e, "entry %d zeroed", ref)
		e.position = 1
	}
	runtime.KeepAlive(owner)
}

// TestBufferWorksAfterDrainingMoreThanAChunk fills the buffer past one chunk
// of entries, drains it (the arena gives back all but its first chunk) and
// holds a few spans again: their order of entry and keys must be theirs
// alone, with nothing left of the entries before.
func TestBufferWorksAfterDrainingMoreThanAChunk(t *testing.T) {
	b := newPendingBuffer(2*entriesPerChunk, 1<<40)
	keys := make([]string, entriesPerChunk+1)
	for i := range keys {
		keys[i] = key(i)
	}
	fillBuffer(b, keys...)
	require.Len(t, b.takeAll(), len(keys))
	require.Len(t, b.entries.chunks, 1, "drained: one chunk kept")

	fillBuffer(b, kc, ka, kb)
	batches := b.planBatches(10, 1)
	require.Len(t, batches, 1)
	assert.Equal(t, []string{kc, ka, kb}, batches[0].keys, "oldest first, nothing else")
	var left []string
	for _, ps := range b.takeAll() {
		left = append(left, ps.key.String())
	}
	assert.Equal(t, []string{kc, ka, kb}, left)
	assert.Equal(t, noEntry, b.oldest)
}

// TestOffHeapTypesHoldNoPointer: a pointer added to what lives outside the
// heap would not be seen by the collector (offheap.go).
func TestOffHeapTypesHoldNoPointer(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[indexEntry](), reflect.TypeFor[entryRef](), reflect.TypeFor[batchState]()} {
		assert.False(t, holdsPointer(typ), "%s holds a pointer", typ)
	}
	assert.True(t, holdsPointer(reflect.TypeFor[pendingSpan]()), "the check sees pointers")
}

func holdsPointer(typ reflect.Type) bool {
	switch typ.Kind() {
	case reflect.Pointer, reflect.UnsafePointer, reflect.Map, reflect.Slice, reflect.String,
		reflect.Chan, reflect.Func, reflect.Interface:
		return true
	case reflect.Array:
		return typ.Len() > 0 && holdsPointer(typ.Elem())
	case reflect.Struct:
		for i := range typ.NumField() {
			if holdsPointer(typ.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// TestHeldSpansLiveThroughCollections holds spans in memory, where all the
// buffer keeps of them outside its index entries is reached through the
// extras table, collects and reuses the heap many times, and checks every
// span's extra is still alive (a weak pointer to it) and every span comes
// out whole. Were a span reachable only from an entry outside the heap, the
// collector would free it.
func TestHeldSpansLiveThroughCollections(t *testing.T) {
	b := newPendingBuffer(10_000, 1<<30)
	td := spansFor(t0, key(0))
	rs := td.ResourceSpans().At(0)
	ss := rs.ScopeSpans().At(0)
	okey := originKey{resource: newResourceKey(rs), scope: newScopeKey(ss)}
	ob := originBytes(rs, ss, "")
	origin := b.origins.insert(okey, rs, ss, client.Info{}, ob)
	const n = 2000
	extras := make([]weak.Pointer[spanExtra], n)
	for i := range n {
		span := ptrace.NewSpan()
		span.SetName(fmt.Sprintf("span %d", i))
		span.Attributes().PutStr("i", fmt.Sprint(i))
		id, _ := parseJoinID(key(i))
		ps := newHeldSpan(span, origin)
		ps.key, ps.enteredAt, ps.bytes = id, t0.UnixNano(), 100
		extras[i] = weak.Make(ps.extra)
		b.add(ps, 0)
	}
	var garbage [][]byte
	for range 200 {
		runtime.GC()
		for size := 16; size <= 512; size += 16 { // the size classes of what a span holds
			garbage = append(garbage, make([]byte, size))
		}
		garbage = garbage[:0]
	}
	for i, extra := range extras {
		require.NotNil(t, extra.Value(), "span %d's extra was collected while it waits", i)
	}
	for i, ps := range b.takeAll() {
		require.Equal(t, fmt.Sprintf("span %d", i), ps.span().Name())
		v, ok := ps.span().Attributes().Get("i")
		require.True(t, ok)
		require.Equal(t, fmt.Sprint(i), v.Str())
		require.Same(t, origin, ps.origin())
	}
}

// TestOffHeapMemoryIsGivenBackWithTheBuffer drops a buffer still holding
// spans (a joiner that was shut down) and checks that its regions are
// unmapped once the collector finds it unreachable.
func TestOffHeapMemoryIsGivenBackWithTheBuffer(t *testing.T) {
	mapped := func() *mappedRegions {
		b := newPendingBuffer(100_000, 1<<30)
		fillBuffer(b, ka, kb, kc)
		return b.entries.regions.mapped
	}()
	require.Positive(t, mapped.bytes.Load())
	deadline := time.Now().Add(10 * time.Second)
	for mapped.bytes.Load() != 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	assert.Zero(t, mapped.bytes.Load(), "every region unmapped")
}
