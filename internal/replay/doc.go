// Package replay posts exchange records to an ai_gateway receiver at a chosen
// rate and concurrency, honouring Retry-After, and summarises what happened. It
// is the engine of cmd/aoai-replay, `make demo` and the load tests.
package replay // import "github.com/otelcol-aoai/otelcol-aoai/internal/replay"
