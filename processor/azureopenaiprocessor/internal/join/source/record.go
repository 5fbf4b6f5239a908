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
// in different answers. The record that leads keeps its values and takes the
// others' only where it has none: a RequestResponse row's record leads
// another, the richer of two leads (the populated RequestResponse row beats
// its near-empty twin), and the usage row's billed counts win over counts a
// RequestResponse row carried.
func (r *Record) Merge(other *Record) {
	if other == nil {
		return
	}
	if other.leads(r) {
		lead := *other
		lead.fillFrom(r)
		lead.Usage, lead.HasRequestUsage = r.Usage, r.HasRequestUsage
		*r = lead
	} else {
		r.fillFrom(other)
	}
	r.mergeUsage(other)
}

// leads reports whether r's facts should win over other's.
func (r *Record) leads(other *Record) bool {
	if r.HasRequestResponse != other.HasRequestResponse {
		return r.HasRequestResponse
	}
	return r.richness() > other.richness()
}

// richness counts the facts r holds.
func (r *Record) richness() int {
	n := 0
	for _, s := range r.facts() {
		if *s != "" {
			n++
		}
	}
	if r.HasDuration && r.DurationMs != 0 {
		n++
	}
	return n
}

func (r *Record) facts() []*string {
	return []*string{&r.Operation, &r.ResultSignature, &r.CallerIP, &r.StreamType,
		&r.ModelName, &r.ModelVersion, &r.Deployment, &r.CallerObjectID}
}

// fillFrom sets the facts r lacks from other.
func (r *Record) fillFrom(other *Record) {
	if other.HasDuration && (!r.HasDuration || r.DurationMs == 0 && other.DurationMs != 0) {
		r.DurationMs, r.HasDuration = other.DurationMs, true
	}
	theirs := other.facts()
	for i, mine := range r.facts() {
		if *mine == "" {
			*mine = *theirs[i]
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
