// Package diagnostics joins Azure OpenAI's own diagnostic-log rows, read from
// a Log Analytics workspace, onto the spans of the azure_openai processor
// (design: shared/design/diagnostics-join.md).
//
// A span that carries azure.service.request.id (the apim-request-id header)
// waits in a bounded buffer; every poll_interval one KQL query per
// max_keys_per_query pending keys asks the AzureDiagnostics table for the
// RequestResponse and AzureOpenAIRequestUsage rows of those calls; a span
// whose row came leaves enriched (status joined), one whose row never came
// leaves at max_wait (not_found, or error when the lookups failed), one that
// finds the buffer full leaves at once (overflow). Nothing is dropped.
//
// Files, one job each: config.go (settings), credential.go (Entra ID tokens),
// client.go (the Log Analytics client behind logsQuerier), query.go (KQL and
// its escaping), rows.go (reading rows), enrich.go (attributes), buffer.go and
// origins.go (the pending spans), budget.go and retry.go (the API's limits),
// release.go (grouping what leaves), joiner.go (Admit, the poll loop, Start and
// Shutdown), size.go (memory accounting), warn.go (rate-limited warnings).
package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"
