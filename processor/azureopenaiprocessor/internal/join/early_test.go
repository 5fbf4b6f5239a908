package join

import (
	"testing"
	"time"
)

// BenchmarkEarlyRowsLeft reports the heap the early-rows table takes per key
// of a span that left (remembered for early_rows_grace).
func BenchmarkEarlyRowsLeft(b *testing.B) {
	const entries = 200_000
	var perEntry float64
	for b.Loop() {
		b.StopTimer()
		keys := make([]string, entries)
		for i := range keys {
			keys[i] = key(i)
		}
		before := heapInUse()
		e := newEarlyRows(entries, time.Hour)
		b.StartTimer()
		for i, k := range keys {
			e.leave(k, t0.Add(time.Duration(i)*time.Millisecond))
		}
		b.StopTimer()
		perEntry = float64(int64(heapInUse())-int64(before)) / entries
		if !e.hasLeft(keys[0], t0) {
			b.Fatal("the first key is forgotten")
		}
		b.StartTimer()
	}
	b.ReportMetric(perEntry, "B/entry")
}
