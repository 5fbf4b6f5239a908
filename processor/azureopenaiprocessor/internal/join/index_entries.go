package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import "unsafe"

// indexEntry is a pending span as the buffer holds it: 80 bytes outside the
// Go heap (offheap.go), with no pointer at all. It names other entries by
// their entryRef, and what it keeps on the heap by extra, a handle in the
// buffer's extras table.
type indexEntry struct {
	spanFacts

	// older/newer link the buffer in order of entry, for max_wait; a free
	// entry is linked by newer into the free list.
	older, newer entryRef
	// sameKey chains entries that share a key (a span seen twice), oldest first.
	sameKey entryRef
	// plannedIn is the planning round that last picked this key (0: never), so
	// that a rate-limited poll picks the keys that waited longest for a lookup.
	plannedIn uint32
	extra     extraHandle
	// lookup and needsUsage: see pendingSpan.
	lookup     lookupResult
	needsUsage bool
}

// entryRef names an entry of an entryArena: its chunk in the high bits, its
// place in the chunk in the low ones. noEntry, 0, names none (the first
// entry of the first chunk is never handed out).
type entryRef uint32

const (
	noEntry entryRef = 0
	// entryChunkShift makes a chunk 16 384 entries: 1.25 MiB mapped at a
	// time, and at most 2^18 chunks, 4 billion entries.
	entryChunkShift = 14
	entriesPerChunk = 1 << entryChunkShift
)

var entryChunkBytes = entriesPerChunk * int(unsafe.Sizeof(indexEntry{}))

// entryArena hands out index entries from chunks mapped outside the heap.
// Freed entries are reused first (a free list), so the arena holds at most
// as many entries as were ever in use at once; when none is, it gives back
// every chunk but the first.
type entryArena struct {
	regions offHeapRegions
	chunks  [][]indexEntry
	mapped  [][]byte // the region of each chunk
	used    int      // entries of the newest chunk handed out so far
	free    entryRef
	inUse   int
}

func newEntryArena(regions offHeapRegions) entryArena {
	a := entryArena{regions: regions}
	a.addChunk()
	a.used = 1 // noEntry
	return a
}

func (a *entryArena) addChunk() {
	region := a.regions.alloc(entryChunkBytes)
	a.mapped = append(a.mapped, region)
	a.chunks = append(a.chunks, regionSlice[indexEntry](region, entriesPerChunk))
	a.used = 0
}

// at is the entry ref names; ref is not noEntry.
func (a *entryArena) at(ref entryRef) *indexEntry {
	return &a.chunks[ref>>entryChunkShift][ref&(entriesPerChunk-1)]
}

// get is the entry ref names, nil for noEntry.
func (a *entryArena) get(ref entryRef) *indexEntry {
	if ref == noEntry {
		return nil
	}
	return a.at(ref)
}

// alloc returns a zeroed entry and its ref. An entry never handed out may
// still hold what it held before a trim, so both paths zero it.
func (a *entryArena) alloc() (entryRef, *indexEntry) {
	a.inUse++
	ref := a.free
	if ref != noEntry {
		a.free = a.at(ref).newer
	} else {
		if a.used == entriesPerChunk {
			a.addChunk()
		}
		ref = entryRef(len(a.chunks)-1)<<entryChunkShift | entryRef(a.used)
		a.used++
	}
	e := a.at(ref)
	*e = indexEntry{}
	return ref, e
}

// release frees the entry of ref.
func (a *entryArena) release(ref entryRef) {
	*a.at(ref) = indexEntry{newer: a.free}
	a.free = ref
	a.inUse--
}

// trim gives back every chunk but the first when no entry is in use: a
// buffer that drained after an outage keeps no memory of it, and one that
// drains often maps nothing again. It is called between operations, when no
// entry pointer is on any stack.
func (a *entryArena) trim() {
	if a.inUse > 0 || len(a.chunks) <= 1 {
		return
	}
	for _, region := range a.mapped[1:] {
		a.regions.free(region)
	}
	// No slice header may point at an unmapped chunk: should the Go heap
	// later be mapped there, the collector would follow it.
	clear(a.chunks[1:])
	clear(a.mapped[1:])
	a.chunks, a.mapped = a.chunks[:1], a.mapped[:1]
	a.used, a.free = 1, noEntry
}
