package source // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"

// Record is what Azure OpenAI's diagnostic log says about one call, merged
// from its rows. Empty strings and unset counts were not in the log.
type Record struct {
	DurationMs      int64
	HasDuration     bool
	Operation       string
	ResultSignature string
	CallerIP        string
	StreamType      string
	ModelName       string
	ModelVersion    string
	Deployment      string
	CallerObjectID  string
	// Usage are the token counts to write: the billing record's when the log
	// has one.
	Usage TokenUsage
	// HasRequestResponse and HasRequestUsage say which of the call's rows were
	// found: the RequestResponse row (the call's facts) and the
	// AzureOpenAIRequestUsage row (the billed tokens). Log Analytics ingests
	// them independently, so one may be visible a poll before the other.
	HasRequestResponse bool
	HasRequestUsage    bool
}

// TokenUsage is a set of token counts, each possibly absent.
type TokenUsage struct {
	Input, Output, CacheRead          int64
	HasInput, HasOutput, HasCacheRead bool
}

// Any reports whether any count is present.
func (u TokenUsage) Any() bool { return u.HasInput || u.HasOutput || u.HasCacheRead }
