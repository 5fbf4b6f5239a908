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

// Cost and capacity: the processor's pricing writes them on model calls, the
// summary tool splits a provisioned deployment's hourly cost by them.
const (
	// AzureOpenAICostAmount is what the call cost, in AzureOpenAICostCurrency
	// (a double); AzureOpenAICostBasis says how it was priced.
	AzureOpenAICostAmount   = "azure.openai.cost.amount"
	AzureOpenAICostCurrency = "azure.openai.cost.currency"
	AzureOpenAICostBasis    = "azure.openai.cost.basis"
	// AzureOpenAIProvisionedUnits is a provisioned call's consumption of its
	// deployment's capacity, in PTU-minutes (a double).
	AzureOpenAIProvisionedUnits = "azure.openai.provisioned.units"
	// AzureOpenAIServiceTier is the tier that served the call: the response's
	// service_tier, else the request's.
	AzureOpenAIServiceTier = "azure.openai.service_tier"
	// AzureOpenAISpilledOver is true on a call a provisioned deployment
	// passed to its spillover deployment.
	AzureOpenAISpilledOver = "azure.openai.spilled_over"
)

// Values of AzureOpenAICostBasis.
const (
	CostBasisStandard    = "standard"    // pay-as-you-go price of the deployment type
	CostBasisBatch       = "batch"       // a batch deployment: the batch discount
	CostBasisFlex        = "flex"        // service_tier flex: the flex discount
	CostBasisPriority    = "priority"    // service_tier priority: its own price
	CostBasisProvisioned = "provisioned" // the call's PTU-minutes at the hourly PTU price
	CostBasisSpillover   = "spillover"   // passed on by a provisioned deployment, priced as standard
)
