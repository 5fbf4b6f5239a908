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

// Merge adds to r what other found of the same call: rows of a call may come
// in different answers. A field keeps the value it has, except that a
// RequestResponse row's facts win over what another row said, a real duration
// over a zero one (the near-empty twin of the RequestResponse row), and the
// usage row's billed counts over counts a RequestResponse row carried.
func (r *Record) Merge(other *Record) {
	if other == nil {
		return
	}
	if other.HasRequestResponse && !r.HasRequestResponse {
		base := *other
		base.fillFrom(r)
		base.Usage, base.HasRequestUsage = r.Usage, r.HasRequestUsage
		*r = base
		r.mergeUsage(other)
		return
	}
	r.fillFrom(other)
	r.mergeUsage(other)
}

// fillFrom sets the facts r lacks from other.
func (r *Record) fillFrom(other *Record) {
	if !r.HasDuration || r.DurationMs == 0 && other.HasDuration && other.DurationMs != 0 {
		if other.HasDuration {
			r.DurationMs, r.HasDuration = other.DurationMs, true
		}
	}
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&r.Operation, other.Operation}, {&r.ResultSignature, other.ResultSignature},
		{&r.CallerIP, other.CallerIP}, {&r.StreamType, other.StreamType},
		{&r.ModelName, other.ModelName}, {&r.ModelVersion, other.ModelVersion},
		{&r.Deployment, other.Deployment}, {&r.CallerObjectID, other.CallerObjectID},
	} {
		if *f.dst == "" {
			*f.dst = f.src
		}
	}
	r.HasRequestResponse = r.HasRequestResponse || other.HasRequestResponse
}

// mergeUsage keeps the usage row's counts once either record has them.
func (r *Record) mergeUsage(other *Record) {
	switch {
	case r.HasRequestUsage:
	case other.HasRequestUsage:
		r.Usage, r.HasRequestUsage = other.Usage, true
	case !r.Usage.Any():
		r.Usage = other.Usage
	}
}
