package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

// extraHandle names a spanExtra in an extrasTable; 0 is none.
type extraHandle uint32

// extrasTable keeps on the heap what index entries, which live outside it,
// hold there: the collector sees the spanExtra through the table. Freed
// handles are reused.
type extrasTable struct {
	slots []*spanExtra // slots[0] is never used: handle 0 is none
	free  []extraHandle
}

func newExtrasTable() extrasTable {
	return extrasTable{slots: make([]*spanExtra, 1)}
}

// put keeps extra and returns its handle; nil gets none.
func (t *extrasTable) put(extra *spanExtra) extraHandle {
	if extra == nil {
		return 0
	}
	if n := len(t.free); n > 0 {
		h := t.free[n-1]
		t.free = t.free[:n-1]
		t.slots[h] = extra
		return h
	}
	t.slots = append(t.slots, extra)
	return extraHandle(len(t.slots) - 1)
}

// get returns the spanExtra of h (nil for none).
func (t *extrasTable) get(h extraHandle) *spanExtra { return t.slots[h] }

// take removes h's spanExtra from the table and returns it.
func (t *extrasTable) take(h extraHandle) *spanExtra {
	if h == 0 {
		return nil
	}
	extra := t.slots[h]
	t.slots[h] = nil
	t.free = append(t.free, h)
	if len(t.free) == len(t.slots)-1 {
		// Empty: give the table's memory back.
		*t = newExtrasTable()
	}
	return extra
}
