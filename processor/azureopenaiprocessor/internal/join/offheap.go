package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"runtime"
	"sync/atomic"
	"unsafe"
)

// The index of pending spans (index_entries.go, key_index.go) and the
// states of the stored batches (batch_states.go) live outside the Go heap.
// Go's collector lets the heap grow to twice what it found live (GOGC=100)
// before it collects again, and the process keeps what it grew: every byte
// of an index that hundreds of thousands of spans hold for minutes cost 2.7
// bytes of RssAnon in the soak. Memory mapped apart costs its size once,
// and the collector neither scans it nor counts it.
//
// What lives there must hold no pointer into the Go heap: the collector
// does not see it, and would free what it points to. It holds no pointer
// at all (TestOffHeapTypesHoldNoPointer): index entries name each other by
// entryRef, and what a span holds on the heap (its span and origin without
// storage, the rows found so far) is reached through the buffer's extras
// table (TestHeldSpansLiveThroughCollections).
//
// A region is given back when its owner (the buffer, the store) frees it:
// a key index or ring that resized, the entry chunks once no entry is in
// use. Whatever is left goes when the owner itself is collected, by a
// cleanup: nothing outside the owner holds a pointer into its regions (the
// buffer hands out copies on the heap).

// offHeapRegions maps and unmaps the regions of one owner.
type offHeapRegions struct {
	mapped *mappedRegions
}

// mappedRegions is what the cleanup unmaps: kept apart from offHeapRegions
// so that the cleanup does not keep the owner reachable.
type mappedRegions struct {
	byStart map[*byte][]byte
	// bytes is read by the benchmark and tests while the cleanup may run.
	bytes atomic.Int64
}

// newOffHeapRegions returns the regions of owner, unmapped when owner is
// collected.
func newOffHeapRegions[T any](owner *T) offHeapRegions {
	mapped := &mappedRegions{byStart: map[*byte][]byte{}}
	runtime.AddCleanup(owner, (*mappedRegions).unmapAll, mapped)
	return offHeapRegions{mapped: mapped}
}

// alloc returns n zeroed bytes, aligned for any Go type: mapped apart, or
// from the Go heap where mapping is not possible (then the collector
// reclaims it, and free does nothing).
func (r offHeapRegions) alloc(n int) []byte {
	if region, ok := mapRegion(n); ok {
		r.mapped.byStart[&region[0]] = region
		r.mapped.bytes.Add(int64(len(region)))
		return region
	}
	return make([]byte, n)
}

// free gives back a region alloc returned; nothing may point into it any
// more.
func (r offHeapRegions) free(region []byte) {
	if len(region) == 0 {
		return
	}
	if _, ok := r.mapped.byStart[&region[0]]; !ok {
		return
	}
	delete(r.mapped.byStart, &region[0])
	r.mapped.bytes.Add(-int64(len(region)))
	unmapRegion(region)
}

// bytes is what is mapped now.
func (r offHeapRegions) bytes() int64 { return r.mapped.bytes.Load() }

func (m *mappedRegions) unmapAll() {
	for start, region := range m.byStart {
		delete(m.byStart, start)
		unmapRegion(region)
	}
	m.bytes.Store(0)
}

// regionSlice views region as a slice of n values of T; T must hold no
// pointer (see above).
func regionSlice[T any](region []byte, n int) []T {
	if n == 0 {
		return nil
	}
	var zero T
	if len(region) < n*int(unsafe.Sizeof(zero)) {
		// A size computed wrong: caught by the tests, never by a user.
		panic("join: an off-heap region is smaller than its slice")
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(region))), n)
}
