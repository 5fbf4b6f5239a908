// Package azureopenaiprocessor lifts the Azure OpenAI facts carried by an HTTP
// span (response headers, token usage in the body or the SSE stream, request
// parameters) into GenAI semantic-convention and azure.openai.* attributes, and
// joins the service's own diagnostic-log row from Log Analytics.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package azureopenaiprocessor // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor"
