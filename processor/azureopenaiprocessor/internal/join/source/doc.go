// Package source is the contract between the diagnostics join and wherever
// the diagnostic records come from: the join hands a source the keys it
// holds and a time window, and the source answers with what it found for each
// key, or with an error that says whether and when to ask again. The Log
// Analytics client (internal/loganalytics) is one source; a test can plug in
// another.
//
// Files, one job each: source.go (the Source interface, its answer and its
// error), scan.go (reading rows by ingestion time), record.go (what a source
// found about one call, and merging what two answers found), window.go (the
// time window a lookup searches) and key.go (what a join key looks like).
package source // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
