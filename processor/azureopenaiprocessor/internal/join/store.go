package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// With `storage`, held spans wait on disk. Every Admit writes its held spans
// as one stored batch under the next sequence number. The storage client
// cannot list its keys, so a manifest names the range of sequence numbers
// that may hold a batch, and on start says which to read back. It is
// written in the same transaction as a batch whose number reaches its end
// (then reserving manifestReserve numbers more: most writes are one key)
// and as a deletion that moves its first. A batch lives until downstream
// has accepted every span in it; a batch some of whose spans have left
// keeps a small set of the positions that left beside it.
//
//	m         manifest: first sequence number in use, end of those reserved (8 bytes each)
//	b<seq>    a stored batch (store_codec.go)
//	r<seq>    the positions of b<seq> already delivered (a bitmap)

const (
	manifestKey     = "m"
	manifestReserve = 4096
	// loadChunk is how many sequence numbers one storage call reads at start.
	loadChunk = 512
)

var errStoreClosed = errors.New("diagnostics storage is closed")

// Sequence numbers are written with all their 16 hex digits, so that keys
// sort in the order they are written: bbolt appends to its last page instead
// of splitting pages all over its tree.
func batchKey(seq uint64) string    { return fmt.Sprintf("b%016x", seq) }
func releasedKey(seq uint64) string { return fmt.Sprintf("r%016x", seq) }

// batchState is what RAM keeps of a stored batch: 8 bytes in the store's
// live, found by its sequence number (the index entries of its spans name
// it by that number). The positions of a batch some but not all of whose
// spans have left are kept apart, in the store's partial.
type batchState struct {
	bytes uint32 // its size in storage
	// waiting counts its spans downstream has not accepted yet (nor were
	// they given up); 0 for a number without a batch.
	waiting uint32
}

// done reports whether every span of the batch has left: it is deleted.
func (b *batchState) done() bool { return b.waiting == 0 }

// leave counts spans of the batch as left.
func (b *batchState) leave(spans int) {
	b.waiting -= uint32(min(spans, int(b.waiting)))
}

// neverDone is the waiting count of a batch that must stay stored.
const neverDone = ^uint32(0)

type positionSet struct{ bits []byte }

func (p *positionSet) has(pos uint32) bool {
	i := int(pos / 8)
	return i < len(p.bits) && p.bits[i]&(1<<(pos%8)) != 0
}

func (p *positionSet) add(pos uint32) {
	for int(pos/8) >= len(p.bits) {
		p.bits = append(p.bits, 0)
	}
	p.bits[pos/8] |= 1 << (pos % 8)
}

// spanStore is the join's storage client and the manifest of what it holds.
type spanStore struct {
	// io orders the storage transactions: the manifest written last must be
	// the latest. The storage (bbolt for file_storage) serializes its
	// transactions anyway; writes that queue behind one go together in the
	// next (group commit), so concurrent Admits share a transaction.
	io     sync.Mutex
	client storage.Client

	// mu guards the rest, never held across I/O.
	mu     sync.Mutex
	closed bool
	queue  []*queuedWrite
	first  uint64 // as last written in the manifest
	end    uint64 // as last written in the manifest: next stays below it
	next   uint64
	// live.at(i) is the batch numbered liveFirst+i, for every number from
	// the oldest batch not yet deleted (the manifest's first) to next;
	// deleted ones behind it stay until they reach the front.
	live      batchStates
	liveFirst uint64
	// partial holds, by sequence number, the positions that left of a
	// batch some but not all of whose spans did.
	partial map[uint64]*positionSet
}

// queuedWrite is a batch waiting for a storage transaction.
type queuedWrite struct {
	value []byte
	spans int
	done  chan struct{}
	seq   uint64
	err   error
}

// openStore finds the storage extension id names among host's extensions
// and opens this processor's client of it.
func openStore(ctx context.Context, host component.Host, id component.ID, owner component.ID) (*spanStore, error) {
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not configured (add it to the service's extensions)", id)
	}
	storageExt, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not a storage extension", id)
	}
	client, err := storageExt.GetClient(ctx, component.KindProcessor, owner, "diagnostics")
	if err != nil {
		return nil, fmt.Errorf("storage: extension %q: %w", id, err)
	}
	s := &spanStore{client: client, next: 1, first: 1, liveFirst: 1, partial: map[uint64]*positionSet{}}
	s.live = newBatchStates(newOffHeapRegions(s))
	return s, nil
}

// write stores one batch (spans is how many spans it holds) and returns its
// sequence number.
// The batches queued when its turn comes are written in one transaction
// with the manifest; a write another took along returns when that is done.
func (s *spanStore) write(ctx context.Context, value []byte, spans int) (uint64, error) {
	w := &queuedWrite{value: value, spans: spans, done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, errStoreClosed
	}
	s.queue = append(s.queue, w)
	s.mu.Unlock()

	s.io.Lock()
	defer s.io.Unlock()
	select {
	case <-w.done:
		return w.seq, w.err
	default:
	}
	s.mu.Lock()
	queue := s.queue
	s.queue = nil
	closed := s.closed
	base := s.next
	first := s.oldestLive(base)
	next := base + uint64(len(queue))
	s.mu.Unlock()

	err := errStoreClosed
	if !closed {
		ops := make([]*storage.Operation, 0, len(queue)+1)
		for i, q := range queue {
			ops = append(ops, storage.SetOperation(batchKey(base+uint64(i)), q.value))
		}
		end := s.end
		if next > end {
			end = next + manifestReserve
			ops = append(ops, storage.SetOperation(manifestKey, encodeManifest(first, end)))
		}
		err = s.client.Batch(ctx, ops...)
		if err == nil && end != s.end {
			s.mu.Lock()
			s.first, s.end = first, end
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	for i, q := range queue {
		q.err = err
		if err == nil {
			q.seq = base + uint64(i)
			s.live.push(batchState{bytes: uint32(len(q.value)), waiting: uint32(q.spans)})
		}
		q.value = nil
		close(q.done)
	}
	if err == nil {
		s.next = next
	}
	s.mu.Unlock()
	return w.seq, w.err
}

// oldestLive drops the deleted batches at the front of live and returns the
// sequence number of the oldest batch still stored (next when none is).
func (s *spanStore) oldestLive(next uint64) uint64 {
	for s.live.len() > 0 && s.live.at(0).done() {
		s.live.dropOldest()
		s.liveFirst++
	}
	if s.live.len() == 0 {
		return next
	}
	return s.liveFirst
}

// batch is the state of the batch numbered seq, nil when it was dropped
// from live (done, and at the front); s.mu must be held, and the pointer not
// kept past it.
func (s *spanStore) batch(seq uint64) *batchState {
	if seq < s.liveFirst || seq-s.liveFirst >= uint64(s.live.len()) {
		return nil
	}
	return s.live.at(int(seq - s.liveFirst))
}

// storedPart is the spans of one stored batch that leave together.
type storedPart struct {
	batch uint64 // its sequence number
	spans []*pendingSpan
}

// forget records that the spans of parts have left (downstream accepted
// them, or they were given up) in one storage transaction: a batch none of
// whose spans waits any more is deleted, the others remember which left. It
// returns the stored bytes freed.
func (s *spanStore) forget(ctx context.Context, parts []storedPart) (int64, error) {
	if len(parts) == 0 {
		return 0, nil
	}
	s.io.Lock()
	defer s.io.Unlock()
	s.mu.Lock()
	var ops []*storage.Operation
	var freed int64
	for _, part := range parts {
		seq, sb := part.batch, s.batch(part.batch)
		if sb == nil {
			// Every span of it had left already: only a batch a restart
			// found spent can come here, and only if an Admit ran before
			// Start returned.
			continue
		}
		sb.leave(len(part.spans))
		released := s.partial[seq]
		if sb.done() {
			if released != nil {
				delete(s.partial, seq)
				ops = append(ops, storage.DeleteOperation(releasedKey(seq)))
			}
			ops = append(ops, storage.DeleteOperation(batchKey(seq)))
			freed += int64(sb.bytes)
			continue
		}
		if released == nil {
			released = &positionSet{}
			s.partial[seq] = released
		}
		for _, ps := range part.spans {
			released.add(ps.position)
		}
		ops = append(ops, storage.SetOperation(releasedKey(seq), released.bits))
	}
	closed := s.closed
	first := s.oldestLive(s.next)
	if first != s.first {
		ops = append(ops, storage.SetOperation(manifestKey, encodeManifest(first, s.end)))
	}
	s.mu.Unlock()
	if closed {
		return freed, errStoreClosed
	}
	if err := s.client.Batch(ctx, ops...); err != nil {
		return freed, err
	}
	s.mu.Lock()
	s.first = first
	s.mu.Unlock()
	return freed, nil
}

// steps cuts parts into the steps of a delivery: in order, each as many
// parts, at least one, as hold at most maxBytes of stored batches together.
func (s *spanStore) steps(parts []storedPart, maxBytes int64) [][]storedPart {
	s.mu.Lock()
	defer s.mu.Unlock()
	var steps [][]storedPart
	from, bytes := 0, int64(0)
	for i, part := range parts {
		var size int64
		if sb := s.batch(part.batch); sb != nil {
			size = int64(sb.bytes)
		}
		if i > from && bytes+size > maxBytes {
			steps = append(steps, parts[from:i])
			from, bytes = i, 0
		}
		bytes += size
	}
	return append(steps, parts[from:])
}

// read returns the stored values of the batches numbered seqs, in their
// order (nil for one that is gone).
func (s *spanStore) read(ctx context.Context, seqs []uint64) ([][]byte, error) {
	ops := make([]*storage.Operation, len(seqs))
	for i, seq := range seqs {
		ops[i] = storage.GetOperation(batchKey(seq))
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, errStoreClosed
	}
	if err := s.client.Batch(ctx, ops...); err != nil {
		return nil, err
	}
	values := make([][]byte, len(ops))
	for i, op := range ops {
		values[i] = op.Value
	}
	return values, nil
}

// load reads the manifest and every batch it names, oldest first, makes
// them the live batches and hands each (its sequence number, stored value
// and the positions that left of it, nil: none) to found, which returns how
// many of its spans wait. It
// reads loadChunk numbers at a time, so that only those values are in
// memory at once. Sequence numbers without a batch (delivered in full, or
// refused) are skipped.
func (s *spanStore) load(ctx context.Context, found func(seq uint64, value []byte, released *positionSet) (waiting uint32)) error {
	s.io.Lock()
	defer s.io.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	manifest, err := s.client.Get(ctx, manifestKey)
	if err != nil {
		return err
	}
	if manifest == nil {
		return nil
	}
	if len(manifest) != 16 {
		return fmt.Errorf("manifest of %d bytes, want 16", len(manifest))
	}
	// Numbers below end may have been used: new batches start there.
	s.first, s.end = binary.BigEndian.Uint64(manifest), binary.BigEndian.Uint64(manifest[8:])
	if s.first == 0 || s.first > s.end {
		return fmt.Errorf("manifest names batches %d to %d", s.first, s.end)
	}
	s.next = s.end
	s.liveFirst = s.first
	for from := s.first; from < s.next; from += loadChunk {
		to := min(from+loadChunk, s.next)
		for range to - from {
			s.live.push(batchState{})
		}
		ops := make([]*storage.Operation, 0, 2*(to-from))
		for seq := from; seq < to; seq++ {
			ops = append(ops, storage.GetOperation(batchKey(seq)), storage.GetOperation(releasedKey(seq)))
		}
		if err := s.client.Batch(ctx, ops...); err != nil {
			return err
		}
		for i := 0; i < len(ops); i += 2 {
			if ops[i].Value == nil {
				continue
			}
			seq := from + uint64(i/2)
			var released *positionSet
			if ops[i+1].Value != nil {
				released = &positionSet{bits: ops[i+1].Value}
				s.partial[seq] = released
			}
			waiting := found(seq, ops[i].Value, released)
			*s.batch(seq) = batchState{bytes: uint32(len(ops[i].Value)), waiting: waiting}
		}
	}
	return nil
}

// close closes the client; writes after it fail with errStoreClosed.
func (s *spanStore) close(ctx context.Context) error {
	s.io.Lock()
	defer s.io.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.client.Close(ctx)
}

func encodeManifest(first, end uint64) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b, first)
	binary.BigEndian.PutUint64(b[8:], end)
	return b
}
