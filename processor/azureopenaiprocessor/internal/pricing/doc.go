// Package pricing prices Azure OpenAI model calls: it loads a price sheet
// (built in, or an operator's file, with the operator's own prices over it),
// decides how a call was served (standard, batch, flex, priority,
// provisioned, spillover) and turns its token usage into a cost and, on
// provisioned deployments, into a share of the deployment's capacity.
package pricing // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/pricing"
