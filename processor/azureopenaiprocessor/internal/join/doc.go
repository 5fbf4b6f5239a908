// Package join holds the spans of the azure_openai processor that carry an
// azure.service.request.id until Azure OpenAI's own diagnostic record of the
// call can be read, writes the record's fields on them and sends them on. It
// asks for records only through source.Source (internal/join/source); the
// Log Analytics client (internal/loganalytics) is the source the processor
// plugs in.
//
// A span that carries a GUID request id waits in a bounded buffer; every
// poll_interval the join reads the rows ingested since the last poll (lookup:
// cursor, one query and a page per max_rows_per_query rows, however many spans
// wait) and matches them to the pending keys, keeping rows that came before
// their span for early_rows_grace, or asks the source for the pending keys'
// records (lookup: keys, one lookup per max_keys_per_query keys); a span whose record holds all it waits for (the
// call's RequestResponse row, and the usage row when its own token counts
// are missing or estimated) leaves enriched (status joined), one still
// missing rows at max_wait leaves with what was found (joined) or without
// (not_found, or error when the lookups failed), one that finds the buffer
// full leaves at once (overflow). A batch is taken whole or refused with
// nothing held, and a release downstream refuses is retried: every span
// leaves exactly once.
//
// Files, one job each: config.go (the join's settings), joiner.go (the Joiner:
// Start, Shutdown), admit.go (taking spans in, all or nothing), poll.go
// (the poll loop: planning, running and settling lookups), cursor.go (the
// ingestion-time cursor: its range, pages, rows read twice, matching rows to
// spans), early.go (rows that came before their span, keys of spans that
// left, the unmatched-calls labels), key.go (what a join key is), buffer.go
// and origins.go (the pending spans and the resource, scope and client they
// came with), index_entries.go, key_index.go and extras.go (what the buffer
// keeps of a pending span: an entry and its key's slot outside the Go heap,
// and what it holds on the heap), offheap.go (memory mapped outside the
// heap), detach.go (held spans own their strings), size.go (memory
// accounting), budget.go and retry.go (the lookup rate budget and back-off),
// release.go (grouping what leaves), deliver.go (sending it, and retrying
// what downstream refused), enrich.go (the attributes a record writes),
// clock.go (the time the join runs on), warn.go (rate-limited warnings),
// options.go (test options). With storage (a storage extension named in the
// config), held spans wait on disk and only an index stays in RAM: store.go
// (stored batches and their manifest), batch_states.go (what RAM keeps of
// each stored batch), store_codec.go (their format), store_release.go
// (reading them back to release), store_restore.go (taking them back at
// start).
package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"
