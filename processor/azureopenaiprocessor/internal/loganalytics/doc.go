// Package loganalytics is the diagnostics join's source: it reads Azure
// OpenAI's diagnostic-log rows (AzureDiagnostics, categories RequestResponse
// and AzureOpenAIRequestUsage) from a Log Analytics workspace and answers
// the join's lookups with one record per key, and its scans with every row
// ingested in a time range (source.Source).
//
// Files, one job each: config.go (its settings: workspace, endpoint and HTTP
// settings, credential, audience, key column; the credential block and its
// token source are internal/azurecredential's),
// client.go (the Client: the azcore pipeline azquery would build,
// Lookup, Scan, and what a failed query means for retrying), answer.go
// (reading the query API's answer as it streams in), query.go (the KQL and
// its escaping), rows.go (reading rows into records).
package loganalytics // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"
