package source // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Source finds the diagnostic records of the calls the join holds, by key
// (Lookup) or by the time the service ingested them (Scan). Start
// runs before the first Lookup (with the collector's host, for HTTP settings
// and authenticator extensions); Shutdown runs after the last.
type Source interface {
	component.Component

	// Lookup searches window for the records of keys (lower-case GUIDs, see
	// IsGUID). A key without a record is simply absent from the answer. An
	// error should be a *LookupError, which says whether to back off; any
	// other error counts as a failed lookup without Retry-After.
	Lookup(ctx context.Context, keys []string, window Window) (Answer, error)
	// Scan reads every row ingested in req's range, whatever its key: the
	// join's ingestion-time cursor. Its errors are those of Lookup.
	Scan(ctx context.Context, req ScanRequest) (ScanAnswer, error)
}

// Answer is what one Lookup found.
type Answer struct {
	// Records holds one merged record per key found.
	Records map[string]*Record
	// Rows is how many rows the source read, for the rows metric.
	Rows int
	// PartialCode is set when only part of the lookup was answered: the
	// records present are good, the keys without one may still have one.
	PartialCode string
}

// LookupError is a failed lookup, described without its body: an error body
// may be long, and nothing from the request (its token least of all) belongs
// in a log line.
type LookupError struct {
	Status     int    // HTTP status, 0 when the request got no answer
	Code       string // the service's error code, or what went wrong locally
	Throttled  bool   // the service refused for its rate limit
	RetryAfter time.Duration
	Cause      error
}

func (e *LookupError) Error() string {
	switch {
	case e.Status != 0 && e.Code != "":
		return fmt.Sprintf("HTTP %d %s", e.Status, e.Code)
	case e.Status != 0:
		return fmt.Sprintf("HTTP %d", e.Status)
	case e.Cause != nil:
		return fmt.Sprintf("%s: %v", e.Code, e.Cause)
	}
	return e.Code
}

func (e *LookupError) Unwrap() error { return e.Cause }
