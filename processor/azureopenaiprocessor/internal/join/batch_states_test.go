package join

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBatchStatesAgainstASlice pushes and drops states at random, through
// the ring's wrapping, growing and shrinking, and compares it with a slice
// after every step: a wrong copy on resize would lose or reorder states.
func TestBatchStatesAgainstASlice(t *testing.T) {
	owner := new(int)
	regions := newOffHeapRegions(owner)
	q := newBatchStates(regions)
	var want []batchState
	rng := rand.New(rand.NewPCG(3, 4))
	next := uint32(1)
	for round := range 8 {
		for range 3000 {
			// Even rounds mostly push (the ring grows), odd ones mostly drop.
			if len(want) == 0 || (round%2 == 0) == (rng.IntN(4) != 0) {
				state := batchState{bytes: next, waiting: next * 3}
				q.push(state)
				want = append(want, state)
				next++
			} else {
				q.dropOldest()
				want = want[1:]
			}
			require.Equal(t, len(want), q.len())
			if len(want) > 0 {
				require.Equal(t, want[0], *q.at(0))
				require.Equal(t, want[len(want)-1], *q.at(len(want) - 1))
			}
		}
		for i := range want {
			require.Equal(t, want[i], *q.at(i), "round %d, state %d", round, i)
		}
	}
	for len(want) > 0 {
		q.dropOldest()
		want = want[1:]
	}
	require.Len(t, q.ring, minBatchStates, "empty: shrunk back")
	require.Equal(t, int64(len(q.region)), regions.bytes(), "the old rings were given back")
	runtime.KeepAlive(owner)
}
