package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import "hash/maphash"

// keyIndex finds the oldest pending span of a key. A map[joinID]*pendingSpan
// would hold each key twice (the span has it) and leave its slots on average
// a third empty: about 35 bytes a key. keyIndex is an open-addressing table
// of the spans themselves, linear probing, with a byte of each slot's hash
// beside it so that a probe reads a span only when that byte matches: 9
// bytes a slot, at most 7/8 full, about 12 to 24 bytes a key.
//
// The hash is seeded (maphash): request ids come from outside, and a chosen
// set of them must not pile up in one run of slots.
type keyIndex struct {
	slots []*pendingSpan
	tags  []uint8 // 0: empty; else 0x80 | the hash's top 7 bits
	count int
	seed  maphash.Seed
}

const minKeyIndexSlots = 64

func newKeyIndex() keyIndex {
	return keyIndex{
		slots: make([]*pendingSpan, minKeyIndexSlots),
		tags:  make([]uint8, minKeyIndexSlots),
		seed:  maphash.MakeSeed(),
	}
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
			if x.slots[i].key == key {
				return i, true
			}
		}
	}
}

// get returns the span indexed under key, nil when none is.
func (x *keyIndex) get(key joinID) *pendingSpan {
	if i, ok := x.find(key); ok {
		return x.slots[i]
	}
	return nil
}

// set indexes ps under its key, in place of the span there if any.
func (x *keyIndex) set(ps *pendingSpan) {
	i, ok := x.find(ps.key)
	if ok {
		x.slots[i] = ps
		return
	}
	if (x.count+1)*8 > len(x.slots)*7 {
		x.resize(len(x.slots) * 2)
		i, _ = x.find(ps.key)
	}
	x.slots[i], x.tags[i] = ps, hashTag(x.hash(ps.key))
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
		home := int(x.hash(x.slots[j].key)) & mask
		// The entry at j may fill the hole at i when i lies on its probe
		// path: cyclically in [home, j).
		if (j-home)&mask >= (j-i)&mask {
			x.slots[i], x.tags[i] = x.slots[j], x.tags[j]
			i = j
		}
	}
	x.slots[i], x.tags[i] = nil, 0
	x.count--
	if len(x.slots) > minKeyIndexSlots && x.count*8 < len(x.slots) {
		x.resize(len(x.slots) / 2)
	}
}

// resize moves every entry into a table of n slots (a power of two).
func (x *keyIndex) resize(n int) {
	old := x.slots
	x.slots, x.tags = make([]*pendingSpan, n), make([]uint8, n)
	mask := n - 1
	for _, ps := range old {
		if ps == nil {
			continue
		}
		h := x.hash(ps.key)
		i := int(h) & mask
		for x.tags[i] != 0 {
			i = (i + 1) & mask
		}
		x.slots[i], x.tags[i] = ps, hashTag(h)
	}
}
