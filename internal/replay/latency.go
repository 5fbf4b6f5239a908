package replay // import "github.com/otelcol-aoai/otelcol-aoai/internal/replay"

import (
	"math"
	"sync"
	"time"
)

// latencyHistogram records durations in log-spaced buckets 1% wide, from 1 µs
// to about 110 s, so percentiles of any run length cost a fixed 15 KB.
type latencyHistogram struct {
	mu     sync.Mutex
	counts [latencyBuckets]uint64
	total  uint64
	max    time.Duration
}

const (
	latencyGrowth  = 1.01
	latencyBuckets = 1860 // 1.01^1860 µs ≈ 110 s
)

func latencyBucket(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us <= 1 {
		return 0
	}
	b := int(math.Log(us) / math.Log(latencyGrowth))
	return min(b, latencyBuckets-1)
}

func (h *latencyHistogram) record(d time.Duration) {
	h.mu.Lock()
	h.counts[latencyBucket(d)]++
	h.total++
	h.max = max(h.max, d)
	h.mu.Unlock()
}

// quantile returns the upper bound of the bucket holding quantile q (0..1).
func (h *latencyHistogram) quantile(q float64) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			upper := time.Duration(math.Pow(latencyGrowth, float64(i+1)) * float64(time.Microsecond))
			return min(upper, h.max)
		}
	}
	return h.max
}
