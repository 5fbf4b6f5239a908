//go:build !unix

package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

// Without mmap the index stays on the Go heap (offHeapRegions.alloc).
func mapRegion(int) ([]byte, bool) { return nil, false }

func unmapRegion([]byte) {}
