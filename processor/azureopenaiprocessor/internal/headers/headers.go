// Package headers reads the Azure OpenAI (and OpenAI) response headers that a
// span carries as http.response.header.<name> attributes into typed facts.
// Values that do not parse (for example the placeholder
// X-RATELIMIT-REMAINING-TOKENS-XXX of scrubbed recordings) give no fact and are
// counted in Failures.
package headers // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/headers"

import (
	"math"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/genai"
)

// Int and Float are the body readers' numbers that may be absent, so that the
// processor writes a header's value and a body's value the same way.
type (
	Int   = genai.Int
	Float = genai.Float
)

// Bool is a flag that may be absent.
type Bool struct {
	V   bool
	Set bool
}

// Failure names a header whose value did not parse.
type Failure string

// Facts are the typed header values of one response.
type Facts struct {
	APIMRequestID string
	Deployment    string
	Region        string
	RequestID     string
	ModelSession  string
	ServedModel   string
	SpilloverFrom string

	RAIInvoked  Bool
	SpilledOver Bool

	RemainingRequests Int
	RemainingTokens   Int
	LimitRequests     Int
	LimitTokens       Int
	ResetRequests     Int
	ResetTokens       Int

	RetryAfter     Float // seconds
	ProcessingTime Float // seconds
	UpstreamTime   Float // seconds

	// Azure is true when a header only Azure OpenAI sends was seen.
	Azure bool
	// Failures counts headers whose value did not parse.
	Failures int

	retryAfterMS bool
	upstreamCMP  bool
}

const spilloverPrefix = "x-ms-spillover-from-"

// Observe records one response header. name must be lower case, and stay
// unchanged after the call: a value may be taken from it.
func (f *Facts) Observe(name string, v pcommon.Value) {
	if f.observeAzure(name, v) {
		f.Azure = true
		return
	}
	switch name {
	case "x-request-id":
		f.RequestID = text(v)
	case "x-ratelimit-remaining-requests":
		f.RemainingRequests = f.parseInt(v)
	case "x-ratelimit-remaining-tokens":
		f.RemainingTokens = f.parseInt(v)
	case "x-ratelimit-limit-requests":
		f.LimitRequests = f.parseInt(v)
	case "x-ratelimit-limit-tokens":
		f.LimitTokens = f.parseInt(v)
	case "x-ratelimit-reset-requests":
		f.ResetRequests = f.parseReset(v)
	case "x-ratelimit-reset-tokens":
		f.ResetTokens = f.parseReset(v)
	case "retry-after-ms":
		if sec := f.parseMillis(v); sec.Set {
			f.RetryAfter = sec
			f.retryAfterMS = true
		}
	case "retry-after":
		// Seconds; an HTTP-date form does not parse and is counted.
		if sec := f.parseFloat(v); sec.Set && !f.retryAfterMS {
			f.RetryAfter = sec
		}
	case "openai-processing-ms":
		if sec := f.parseMillis(v); sec.Set {
			f.ProcessingTime = sec
		}
	case "x-envoy-upstream-service-time":
		if sec := f.parseMillis(v); sec.Set && !f.upstreamCMP {
			f.UpstreamTime = sec
		}
	}
}

// observeAzure records a header that only Azure OpenAI sends, and reports
// whether name was one: seeing it tells Azure apart, whether or not its
// value parses.
func (f *Facts) observeAzure(name string, v pcommon.Value) bool {
	switch name {
	case "apim-request-id":
		f.APIMRequestID = text(v)
	case "x-ms-deployment-name":
		f.Deployment = text(v)
	case "x-ms-region":
		f.Region = text(v)
	case "azureml-model-session":
		f.ModelSession = text(v)
	case "x-ms-served-model":
		f.ServedModel = text(v)
	case "x-ms-rai-invoked":
		f.RAIInvoked = f.parseBool(v)
	case "x-ms-is-spilled-over":
		if b := f.parseBool(v); b.Set && !(f.SpilledOver.Set && f.SpilledOver.V) {
			f.SpilledOver = b
		}
	case "cmp-upstream-response-duration":
		if sec := f.parseMillis(v); sec.Set {
			f.UpstreamTime = sec
			f.upstreamCMP = true
		}
	default:
		if len(name) <= len(spilloverPrefix) || name[:len(spilloverPrefix)] != spilloverPrefix {
			return false
		}
		f.SpilledOver = Bool{V: true, Set: true}
		f.SpilloverFrom = text(v)
		if f.SpilloverFrom == "" {
			f.SpilloverFrom = name[len(spilloverPrefix):]
		}
	}
	return true
}

// text returns a header value: the first element of a string array (the
// semantic-convention shape), or a plain string, or another scalar as text.
func text(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str()
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		if s.Len() == 0 {
			return ""
		}
		return text(s.At(0))
	case pcommon.ValueTypeInt, pcommon.ValueTypeDouble, pcommon.ValueTypeBool:
		return v.AsString()
	}
	return ""
}

func (f *Facts) parseInt(v pcommon.Value) Int {
	if v.Type() == pcommon.ValueTypeInt {
		return Int{V: v.Int(), Set: true}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(text(v)), 10, 64)
	if err != nil {
		f.Failures++
		return Int{}
	}
	return Int{V: n, Set: true}
}

// parseReset reads a rate-limit reset hint as whole seconds, rounded up (a
// client that waits that long is past the reset). Azure sends a plain number
// of seconds (`7`); OpenAI a Go-style duration (`6m0s`, `8.64s`, `120ms`).
func (f *Facts) parseReset(v pcommon.Value) Int {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return Int{V: v.Int(), Set: true}
	case pcommon.ValueTypeDouble:
		return secondsUp(v.Double(), f)
	}
	t := strings.TrimSpace(text(v))
	if x, err := strconv.ParseFloat(t, 64); err == nil {
		return secondsUp(x, f)
	}
	d, err := time.ParseDuration(t)
	if err != nil || d < 0 {
		f.Failures++
		return Int{}
	}
	return Int{V: int64((d + time.Second - 1) / time.Second), Set: true}
}

// secondsUp is x seconds rounded up; a negative, infinite or NaN x is a
// parse failure.
func secondsUp(x float64, f *Facts) Int {
	if x != x || x < 0 || x > math.MaxInt32 {
		f.Failures++
		return Int{}
	}
	return Int{V: int64(math.Ceil(x)), Set: true}
}

func (f *Facts) parseFloat(v pcommon.Value) Float {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return Float{V: float64(v.Int()), Set: true}
	case pcommon.ValueTypeDouble:
		return Float{V: v.Double(), Set: true}
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(text(v)), 64)
	if err != nil || x != x || x < 0 {
		f.Failures++
		return Float{}
	}
	return Float{V: x, Set: true}
}

// parseMillis reads a header given in milliseconds as seconds.
func (f *Facts) parseMillis(v pcommon.Value) Float {
	ms := f.parseFloat(v)
	if ms.Set {
		ms.V /= 1000
	}
	return ms
}

func (f *Facts) parseBool(v pcommon.Value) Bool {
	if v.Type() == pcommon.ValueTypeBool {
		return Bool{V: v.Bool(), Set: true}
	}
	t := strings.TrimSpace(text(v))
	switch {
	case strings.EqualFold(t, "true"):
		return Bool{V: true, Set: true}
	case strings.EqualFold(t, "false"):
		return Bool{V: false, Set: true}
	}
	f.Failures++
	return Bool{}
}

// HasPrefixFold reports whether s starts with prefix, ignoring ASCII case.
// prefix must be lower case.
func HasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	if s[:len(prefix)] == prefix {
		return true
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
