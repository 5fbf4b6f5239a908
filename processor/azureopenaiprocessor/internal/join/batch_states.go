package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import "unsafe"

// batchStates is the store's live: the state of every batch numbered from
// the oldest not yet deleted to the newest, one per sequence number, in a
// ring outside the Go heap (offheap.go) that doubles when full and halves
// when a quarter full. A slice that is appended to at the back and resliced
// at the front would be reallocated on the heap every time it filled, and
// the heap would hold two to three times its bytes.
type batchStates struct {
	regions offHeapRegions
	region  []byte
	ring    []batchState // a power of two long
	head    int          // the ring index of the oldest state
	n       int
}

const minBatchStates = 64

func newBatchStates(regions offHeapRegions) batchStates {
	q := batchStates{regions: regions}
	q.allocate(minBatchStates)
	return q
}

func (q *batchStates) allocate(n int) {
	q.region = q.regions.alloc(n * int(unsafe.Sizeof(batchState{})))
	q.ring = regionSlice[batchState](q.region, n)
}

func (q *batchStates) len() int { return q.n }

// at is the i-th state from the oldest; i < len().
func (q *batchStates) at(i int) *batchState {
	return &q.ring[(q.head+i)&(len(q.ring)-1)]
}

// push appends state as the newest.
func (q *batchStates) push(state batchState) {
	if q.n == len(q.ring) {
		q.resize(2 * len(q.ring))
	}
	*q.at(q.n) = state
	q.n++
}

// dropOldest removes the oldest state.
func (q *batchStates) dropOldest() {
	*q.at(0) = batchState{}
	q.head = (q.head + 1) & (len(q.ring) - 1)
	q.n--
	if len(q.ring) > minBatchStates && q.n*4 < len(q.ring) {
		q.resize(len(q.ring) / 2)
	}
}

// resize moves the states, oldest first, into a ring of n.
func (q *batchStates) resize(n int) {
	oldRegion, old, head, count := q.region, q.ring, q.head, q.n
	q.allocate(n)
	for i := range count {
		q.ring[i] = old[(head+i)&(len(old)-1)]
	}
	q.head = 0
	q.regions.free(oldRegion)
}
