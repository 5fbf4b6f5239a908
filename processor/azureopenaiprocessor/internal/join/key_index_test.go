package join

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKeyIndexAgainstMap drives the index and a map with the same random
// sets and deletes, through growing and shrinking, and compares every key
// after each step batch: a wrong backward shift loses keys that probed past
// a deleted one.
func TestKeyIndexAgainstMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	owner := new(int)
	regions := newOffHeapRegions(owner)
	entries := newEntryArena(regions)
	x := newKeyIndex(regions, &entries)
	want := map[joinID]entryRef{}
	ids := make([]joinID, 5000)
	for i := range ids {
		for b := range ids[i] {
			ids[i][b] = byte(rng.IntN(256))
		}
	}
	check := func() {
		require.Equal(t, len(want), x.len())
		for _, id := range ids {
			require.Equal(t, want[id], x.get(id), "key %x", id)
		}
	}
	for round := range 6 {
		// Fill most keys, then delete most: the table grows and shrinks.
		for range 20_000 {
			id := ids[rng.IntN(len(ids))]
			if round%2 == 0 || rng.IntN(4) == 0 {
				ref, e := entries.alloc()
				e.key = id
				x.set(ref)
				want[id] = ref
			} else {
				x.delete(id)
				delete(want, id)
			}
		}
		check()
	}
	for _, id := range ids {
		x.delete(id)
	}
	require.Zero(t, x.len())
	require.Len(t, x.slots, minKeyIndexSlots, "an empty index shrinks back")
	runtime.KeepAlive(owner)
}
