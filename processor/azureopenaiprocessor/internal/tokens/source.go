package tokens // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/tokens"

// SourceAttribute says where a span's gen_ai.usage.* figures came from. The
// lifter writes it and the diagnostics join reads and overwrites it, so both
// take its name and values from here.
const SourceAttribute = "azure.openai.usage.source"

// Values of SourceAttribute.
const (
	SourceResponse    = "response"    // the response body's usage object
	SourceStream      = "stream"      // the usage chunk at the end of a stream
	SourceEstimate    = "estimate"    // counted here, the stream carried none
	SourceDiagnostics = "diagnostics" // the diagnostic log row, joined later
)
