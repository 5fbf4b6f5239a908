package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"hash/maphash"
	"unsafe"
)

// keyIndex finds the oldest pending span of a key. A map[joinID]entryRef
// would hold each key twice (the entry has it) and leave its slots on
// average a third empty: about 30 bytes a key, on the heap. keyIndex is an
// open-addressing table of the entries' refs, linear probing, with a byte
// of each slot's hash beside it so that a probe reads an entry only when
// that byte matches: 5 bytes a slot, 7/16 to 7/8 full as it grows (6 to 12
// bytes a key), in one region outside the heap (offheap.go). It halves only
// below 1/8 full, so that keys coming and going at the edge do not resize it
// every time: after many deletions a key may cost up to 40 bytes.
//
// The hash is seeded (maphash): request ids come from outside, and a chosen
// set of them must not pile up in one run of slots.
type keyIndex struct {
	entries *entryArena
	regions offHeapRegions
	region  []byte     // slots, then tags
	slots   []entryRef // noEntry: empty
	tags    []uint8    // 0: empty; else 0x80 | the hash's top 7 bits
	count   int
	seed    maphash.Seed
}

const minKeyIndexSlots = 64

// newKeyIndex returns an empty index of the entries in entries.
func newKeyIndex(regions offHeapRegions, entries *entryArena) keyIndex {
	x := keyIndex{entries: entries, regions: regions, seed: maphash.MakeSeed()}
	x.allocate(minKeyIndexSlots)
	return x
}

// allocate gives the index n empty slots.
func (x *keyIndex) allocate(n int) {
	slotBytes := int(unsafe.Sizeof(noEntry))
	x.region = x.regions.alloc(n * (slotBytes + 1))
	x.slots = regionSlice[entryRef](x.region, n)
	x.tags = x.region[n*slotBytes:]
}

func (x *keyIndex) len() int { return x.count }

func (x *keyIndex) hash(key joinID) uint64 { return maphash.Comparable(x.seed, key) }

func hashTag(h uint64) uint8 { return 0x80 | uint8(h>>57) }

// find returns the slot of key and true, or the empty slot where it would go
// and false.
func (x *keyIndex) find(key joinID) (int, bool) {
	h := x.hash(key)
	tag := hashTag(h)
	mask := len(x.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		switch x.tags[i] {
		case 0:
			return i, false
		case tag:
			if x.entries.at(x.slots[i]).key == key {
				return i, true
			}
		}
	}
}

// get returns the entry indexed under key, noEntry when none is.
func (x *keyIndex) get(key joinID) entryRef {
	if i, ok := x.find(key); ok {
		return x.slots[i]
	}
	return noEntry
}

// set indexes ref under its entry's key, in place of the entry there if any.
func (x *keyIndex) set(ref entryRef) {
	key := x.entries.at(ref).key
	i, ok := x.find(key)
	if ok {
		x.slots[i] = ref
		return
	}
	if (x.count+1)*8 > len(x.slots)*7 {
		x.resize(len(x.slots) * 2)
		i, _ = x.find(key)
	}
	x.slots[i], x.tags[i] = ref, hashTag(x.hash(key))
	x.count++
}

// delete takes key out of the index.
func (x *keyIndex) delete(key joinID) {
	i, ok := x.find(key)
	if !ok {
		return
	}
	// Backward-shift deletion: the entries after i that probed past it move
	// up, so that a lookup never stops at a hole in its run.
	mask := len(x.slots) - 1
	for j := (i + 1) & mask; x.tags[j] != 0; j = (j + 1) & mask {
		home := int(x.hash(x.entries.at(x.slots[j]).key)) & mask
		// The entry at j may fill the hole at i when i lies on its probe
		// path: cyclically in [home, j).
		if (j-home)&mask >= (j-i)&mask {
			x.slots[i], x.tags[i] = x.slots[j], x.tags[j]
			i = j
		}
	}
	x.slots[i], x.tags[i] = noEntry, 0
	x.count--
	if len(x.slots) > minKeyIndexSlots && x.count*8 < len(x.slots) {
		x.resize(len(x.slots) / 2)
	}
}

// resize moves every entry into a table of n slots (a power of two).
func (x *keyIndex) resize(n int) {
	oldRegion, old := x.region, x.slots
	x.allocate(n)
	defer x.regions.free(oldRegion)
	mask := n - 1
	for _, ref := range old {
		if ref == noEntry {
			continue
		}
		h := x.hash(x.entries.at(ref).key)
		i := int(h) & mask
		for x.tags[i] != 0 {
			i = (i + 1) & mask
		}
		x.slots[i], x.tags[i] = ref, hashTag(h)
	}
}
