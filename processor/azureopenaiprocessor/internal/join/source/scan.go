package source // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"

import "time"

// ScanRequest asks for every diagnostic row of the join's categories that the
// service ingested in [IngestedFrom, IngestedTo], oldest ingestion first, at
// most Limit of them.
type ScanRequest struct {
	IngestedFrom, IngestedTo time.Time
	// Window bounds the rows' own time stamps. It is wider than the ingestion
	// range by the longest ingestion delay the join waits for, so that it
	// never hides a row the range holds; it lets the service skip old data.
	Window Window
	Limit  int
	// Known, when set, says whether the join has read a row (by Row.ID)
	// before: the source may then leave that row's Record nil instead of
	// decoding it. Such a row still counts, for Truncated and paging.
	Known func(id uint64) bool
}

// ScanAnswer is what one Scan read.
type ScanAnswer struct {
	// Rows are in order of ingestion.
	Rows []Row
	// PartialCode is set when only part of the range was answered: the rows
	// present are good, others may be missing.
	PartialCode string
}

// Truncated reports whether the answer stopped at the request's limit, so
// that rows ingested at or after its last row's time may still follow.
func (a *ScanAnswer) Truncated(req ScanRequest) bool {
	return req.Limit > 0 && len(a.Rows) >= req.Limit
}

// Row is one diagnostic row a Scan read, as a record of its own: the join
// merges the rows of a call as they come, one poll or more apart.
type Row struct {
	Key        string // the join key, lower-case
	IngestedAt time.Time
	// ID tells a row read twice (the overlap of two scans) from another row of
	// the same call: a hash of all its cells.
	ID uint64
	// Record is nil for a row ScanRequest.Known says was read before.
	Record *Record
}
