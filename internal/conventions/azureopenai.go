package conventions // import "github.com/otelcol-aoai/otelcol-aoai/internal/conventions"

// azure.openai.* attributes that more than one package writes or reads (the
// processor README's attribute tables).
const (
	// AzureOpenAIDeployment and AzureOpenAIRegion are written by the lifter
	// and read by the summary tool.
	AzureOpenAIDeployment = "azure.openai.deployment"
	AzureOpenAIRegion     = "azure.openai.region"

	// AzureOpenAIUsageSource says where a span's gen_ai.usage.* figures came
	// from: the lifter writes it, the diagnostics join overwrites it when the
	// log's counts replace the span's, the summary tool groups by it.
	AzureOpenAIUsageSource = "azure.openai.usage.source"

	// AzureOpenAIDiagnosticsStatus is how a span left the diagnostics join;
	// the join writes it, the summary tool counts it.
	AzureOpenAIDiagnosticsStatus = "azure.openai.diagnostics.status"
)

// Values of AzureOpenAIUsageSource.
const (
	UsageSourceResponse    = "response"    // the response body's usage object
	UsageSourceStream      = "stream"      // the usage chunk at the end of a stream
	UsageSourceEstimate    = "estimate"    // counted by the processor, the stream carried none
	UsageSourceDiagnostics = "diagnostics" // the diagnostic log row, joined later
)

// Values of AzureOpenAIDiagnosticsStatus (and of the join's released_spans
// metric attribute status).
const (
	DiagnosticsJoined   = "joined"    // its row was found and written on it
	DiagnosticsNotFound = "not_found" // lookups worked, no row came within max_wait
	DiagnosticsError    = "error"     // lookups failed until max_wait or shutdown
	DiagnosticsOverflow = "overflow"  // the buffer was full when it arrived
)
