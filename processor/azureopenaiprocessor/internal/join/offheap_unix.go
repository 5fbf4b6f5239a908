//go:build unix

package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import "syscall"

// mapRegion maps n bytes of private anonymous memory: zeroed, page-aligned,
// and touched (counted in RssAnon) only as it is written.
func mapRegion(n int) ([]byte, bool) {
	region, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	return region, err == nil
}

func unmapRegion(region []byte) {
	// A region is unmapped once, by its owner; an error here would mean it
	// was never mapped, which alloc rules out.
	_ = syscall.Munmap(region)
}
