package summary // import "github.com/otelcol-aoai/otelcol-aoai/internal/summary"

import (
	"cmp"
	"iter"
	"math"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/internal/conventions"
)

// Attribute keys the summary reads: what the receiver and the processor write.
const (
	attrOperation      = "gen_ai.operation.name"
	attrRequestModel   = "gen_ai.request.model"
	attrInputTokens    = "gen_ai.usage.input_tokens"
	attrOutputTokens   = "gen_ai.usage.output_tokens"
	attrCachedTokens   = "gen_ai.usage.cache_read.input_tokens"
	attrTimeToFirst    = "gen_ai.response.time_to_first_chunk"
	attrErrorType      = "error.type"
	attrDeployment     = conventions.AzureOpenAIDeployment
	attrRegion         = conventions.AzureOpenAIRegion
	attrUsageSource    = conventions.AzureOpenAIUsageSource
	attrDiagStatus     = conventions.AzureOpenAIDiagnosticsStatus
	attrCallerSub      = conventions.GatewayCallerSubscriptionID
	attrCallerApp      = conventions.GatewayCallerAppID
	attrCallerObjectID = conventions.GatewayCallerObjectID
	attrPTUUnits       = conventions.AzureOpenAIProvisionedUnits
	attrResponseModel  = "gen_ai.response.model"
	attrCostAmount     = conventions.AzureOpenAICostAmount
	attrCostCurrency   = conventions.AzureOpenAICostCurrency
	attrCostBasis      = conventions.AzureOpenAICostBasis
)

// Unknown stands for a value the span does not carry.
const Unknown = "(unknown)"

// Call is one model call: a span the azure_openai processor lifted (it has
// gen_ai.operation.name).
type Call struct {
	Caller     string // API Management subscription, else app id, else Entra object id
	Deployment string // azure.openai.deployment, else gen_ai.request.model
	Model      string // gen_ai.response.model
	Region     string // azure.openai.region (x-ms-region)
	Start      time.Time
	Duration   time.Duration
	// TimeToFirstChunk is zero for calls that were not streamed.
	TimeToFirstChunk time.Duration
	Failed           bool   // span status Error or an error.type
	ErrorType        string // error.type
	// HasUsage is false when the call carries no token count at all (a 429,
	// a timeout, a stream without usage and without an estimate).
	HasUsage                                bool
	InputTokens, OutputTokens, CachedTokens int64
	UsageSource                             string // response, stream, estimate, diagnostics
	DiagnosticsStatus                       string // joined, not_found, error, overflow; empty when not held
	// ProvisionedUnits are the PTU-minutes a call served by a provisioned
	// deployment took (HasUnits).
	ProvisionedUnits float64
	HasUnits         bool
	// Cost is what the call cost in Currency (azure.openai.cost.amount),
	// priced on Basis (HasCost).
	Cost     float64
	Currency string
	Basis    string
	HasCost  bool
}

// Calls returns the model calls among the spans, in file order.
func Calls(traces []ptrace.Traces) []Call {
	var calls []Call
	for span := range Spans(traces) {
		if c, ok := callOf(span); ok {
			calls = append(calls, c)
		}
	}
	return calls
}

// Spans yields every span of the traces, in file order.
func Spans(traces []ptrace.Traces) iter.Seq[ptrace.Span] {
	return func(yield func(ptrace.Span) bool) {
		for _, td := range traces {
			for _, rs := range td.ResourceSpans().All() {
				for _, ss := range rs.ScopeSpans().All() {
					for _, span := range ss.Spans().All() {
						if !yield(span) {
							return
						}
					}
				}
			}
		}
	}
}

// SpanCount counts every span, model call or not.
func SpanCount(traces []ptrace.Traces) int {
	n := 0
	for _, td := range traces {
		n += td.SpanCount()
	}
	return n
}

func callOf(span ptrace.Span) (Call, bool) {
	attrs := span.Attributes()
	if str(attrs, attrOperation) == "" {
		return Call{}, false
	}
	start, end := span.StartTimestamp().AsTime(), span.EndTimestamp().AsTime()
	c := Call{
		Caller:            first(str(attrs, attrCallerSub), str(attrs, attrCallerApp), str(attrs, attrCallerObjectID), Unknown),
		Deployment:        first(str(attrs, attrDeployment), str(attrs, attrRequestModel), Unknown),
		Model:             str(attrs, attrResponseModel),
		Region:            first(str(attrs, attrRegion), Unknown),
		Start:             start,
		Duration:          max(end.Sub(start), 0),
		ErrorType:         str(attrs, attrErrorType),
		UsageSource:       str(attrs, attrUsageSource),
		DiagnosticsStatus: str(attrs, attrDiagStatus),
	}
	c.Failed = span.Status().Code() == ptrace.StatusCodeError || c.ErrorType != ""
	if v, ok := attrs.Get(attrPTUUnits); ok && v.Type() == pcommon.ValueTypeDouble {
		c.ProvisionedUnits, c.HasUnits = v.Double(), true
	}
	if v, ok := attrs.Get(attrCostAmount); ok && v.Type() == pcommon.ValueTypeDouble {
		c.Cost, c.HasCost = v.Double(), true
		c.Currency, c.Basis = first(str(attrs, attrCostCurrency), Unknown), str(attrs, attrCostBasis)
	}
	if v, ok := attrs.Get(attrTimeToFirst); ok && v.Type() == pcommon.ValueTypeDouble {
		c.TimeToFirstChunk = time.Duration(v.Double() * float64(time.Second))
	}
	in, hasIn := integer(attrs, attrInputTokens)
	out, hasOut := integer(attrs, attrOutputTokens)
	cached, _ := integer(attrs, attrCachedTokens)
	c.HasUsage = hasIn || hasOut
	c.InputTokens, c.OutputTokens, c.CachedTokens = in, out, cached
	return c, true
}

func str(attrs pcommon.Map, key string) string {
	if v, ok := attrs.Get(key); ok && v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return ""
}

func integer(attrs pcommon.Map, key string) (int64, bool) {
	if v, ok := attrs.Get(key); ok && v.Type() == pcommon.ValueTypeInt {
		return v.Int(), true
	}
	return 0, false
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// TokenRow is the token spend of one caller on one deployment.
type TokenRow struct {
	Caller, Deployment                      string
	Calls                                   int
	InputTokens, OutputTokens, CachedTokens int64
}

// RegionRow is the latency of the calls one region served.
type RegionRow struct {
	Region         string
	Calls, Failed  int
	P50, P95, Max  time.Duration
	Streams        int
	TimeToFirstP50 time.Duration // streams only
}

// SourceRow counts the calls whose token counts came from one source.
type SourceRow struct {
	Source                    string // response, stream, estimate, diagnostics, or "none"
	Calls                     int
	InputTokens, OutputTokens int64
}

// Summary is what a person reads after a replay.
type Summary struct {
	Spans       int // every span in the files
	Calls       int // model calls among them
	From, To    time.Time
	Tokens      []TokenRow
	Regions     []RegionRow
	Sources     []SourceRow
	Diagnostics map[string]int // diagnostics.status -> calls; empty without the join
	// PTU is the use of provisioned deployments by hour and caller; empty
	// without calls that carry azure.openai.provisioned.units.
	PTU []PTURow
	// Costs are what the priced calls cost by caller and deployment; empty
	// without calls that carry azure.openai.cost.amount. Unpriced counts the
	// calls with usage and no cost.
	Costs    []CostRow
	Unpriced Unpriced
}

// Summarize sums up the model calls of the traces.
func Summarize(traces []ptrace.Traces) Summary {
	calls := Calls(traces)
	s := Summary{Spans: SpanCount(traces), Calls: len(calls), Diagnostics: map[string]int{}}
	t := newTally()
	for _, c := range calls {
		if s.From.IsZero() || c.Start.Before(s.From) {
			s.From = c.Start
		}
		if end := c.Start.Add(c.Duration); end.After(s.To) {
			s.To = end
		}
		if c.DiagnosticsStatus != "" {
			s.Diagnostics[c.DiagnosticsStatus]++
		}
		t.add(c)
	}
	s.Tokens, s.Regions, s.Sources = t.tokenRows(), t.regionRows(), t.sourceRows()
	s.PTU = ptuShares(calls)
	s.Costs, s.Unpriced = costRows(calls)
	return s
}

// tally adds calls up by caller and deployment, by region and by usage
// source.
type tally struct {
	tokens  map[[2]string]*TokenRow
	regions map[string]*regionCalls
	sources map[string]*SourceRow
}

// regionCalls keeps the durations of a region's calls for its percentiles.
type regionCalls struct {
	row                    RegionRow
	durations, firstChunks []time.Duration
}

func newTally() *tally {
	return &tally{
		tokens:  map[[2]string]*TokenRow{},
		regions: map[string]*regionCalls{},
		sources: map[string]*SourceRow{},
	}
}

func (t *tally) add(c Call) {
	key := [2]string{c.Caller, c.Deployment}
	tok := t.tokens[key]
	if tok == nil {
		tok = &TokenRow{Caller: c.Caller, Deployment: c.Deployment}
		t.tokens[key] = tok
	}
	tok.Calls++
	tok.InputTokens += c.InputTokens
	tok.OutputTokens += c.OutputTokens
	tok.CachedTokens += c.CachedTokens

	r := t.regions[c.Region]
	if r == nil {
		r = &regionCalls{row: RegionRow{Region: c.Region}}
		t.regions[c.Region] = r
	}
	if c.Failed {
		r.row.Failed++
	}
	r.durations = append(r.durations, c.Duration)
	if c.TimeToFirstChunk > 0 {
		r.firstChunks = append(r.firstChunks, c.TimeToFirstChunk)
	}

	source := "none"
	if c.HasUsage {
		source = first(c.UsageSource, "sender")
	}
	src := t.sources[source]
	if src == nil {
		src = &SourceRow{Source: source}
		t.sources[source] = src
	}
	src.Calls++
	src.InputTokens += c.InputTokens
	src.OutputTokens += c.OutputTokens
}

// tokenRows are sorted by caller, unknown callers last, then deployment.
func (t *tally) tokenRows() []TokenRow {
	var rows []TokenRow
	for _, tok := range t.tokens {
		rows = append(rows, *tok)
	}
	slices.SortFunc(rows, func(a, b TokenRow) int {
		return cmp.Or(cmp.Compare(boolInt(a.Caller == Unknown), boolInt(b.Caller == Unknown)),
			cmp.Compare(a.Caller, b.Caller), cmp.Compare(a.Deployment, b.Deployment))
	})
	return rows
}

// regionRows are sorted the busiest region first, unknown last.
func (t *tally) regionRows() []RegionRow {
	var rows []RegionRow
	for _, r := range t.regions {
		row, d := r.row, r.durations
		row.Calls, row.Streams = len(d), len(r.firstChunks)
		row.P50, row.P95, row.Max = percentile(d, 50), percentile(d, 95), percentile(d, 100)
		row.TimeToFirstP50 = percentile(r.firstChunks, 50)
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b RegionRow) int {
		return cmp.Or(cmp.Compare(boolInt(a.Region == Unknown), boolInt(b.Region == Unknown)),
			cmp.Compare(b.Calls, a.Calls), cmp.Compare(a.Region, b.Region))
	})
	return rows
}

// sourceRows are sorted from the most to the least trustworthy source.
func (t *tally) sourceRows() []SourceRow {
	var rows []SourceRow
	for _, src := range t.sources {
		rows = append(rows, *src)
	}
	slices.SortFunc(rows, func(a, b SourceRow) int {
		return cmp.Or(cmp.Compare(sourceRank(a.Source), sourceRank(b.Source)), cmp.Compare(a.Source, b.Source))
	})
	return rows
}

// Total adds up the token rows: every call, and the tokens of those with usage.
func (s Summary) Total() TokenRow {
	total := TokenRow{Caller: "total"}
	for _, r := range s.Tokens {
		total.Calls += r.Calls
		total.InputTokens += r.InputTokens
		total.OutputTokens += r.OutputTokens
		total.CachedTokens += r.CachedTokens
	}
	return total
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sourceRank orders usage sources from the most to the least trustworthy.
func sourceRank(source string) int {
	switch source {
	case "response":
		return 0
	case "stream":
		return 1
	case "diagnostics":
		return 2
	case "estimate":
		return 3
	case "none":
		return 5
	}
	return 4
}

// percentile is the nearest-rank percentile p (0-100] of the values; zero
// for none.
func percentile(values []time.Duration, p float64) time.Duration {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}
