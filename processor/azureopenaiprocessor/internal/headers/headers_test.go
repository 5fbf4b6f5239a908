package headers

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func str(s string) pcommon.Value { return pcommon.NewValueStr(s) }

func arr(vals ...string) pcommon.Value {
	v := pcommon.NewValueSlice()
	for _, s := range vals {
		v.Slice().AppendEmpty().SetStr(s)
	}
	return v
}

func TestObserveTypesAndFailures(t *testing.T) {
	var f Facts
	f.Observe("x-ratelimit-limit-tokens", arr("-1"))
	f.Observe("x-ratelimit-remaining-tokens", arr("X-RATELIMIT-REMAINING-TOKENS-XXX"))
	f.Observe("x-ratelimit-remaining-requests", arr(" 0 ", "7"))
	f.Observe("x-ratelimit-reset-requests", str("6m0s"))
	f.Observe("x-ratelimit-reset-tokens", pcommon.NewValueInt(3))
	f.Observe("x-ms-rai-invoked", arr("True"))
	f.Observe("x-ms-is-spilled-over", arr("maybe"))
	f.Observe("retry-after", arr("Wed, 21 Oct 2026 07:28:00 GMT"))
	f.Observe("retry-after-ms", arr("250"))
	f.Observe("x-envoy-upstream-service-time", arr("552"))
	f.Observe("cmp-upstream-response-duration", arr("516"))
	f.Observe("x-ms-spillover-from-ptu-deployment", arr(""))
	f.Observe("x-ms-region", arr())
	assert.Equal(t, Int{V: -1, Set: true}, f.LimitTokens)
	assert.Equal(t, Int{}, f.RemainingTokens)
	assert.Equal(t, Int{V: 0, Set: true}, f.RemainingRequests)
	assert.Equal(t, Int{V: 360, Set: true}, f.ResetRequests)
	assert.Equal(t, Int{V: 3, Set: true}, f.ResetTokens)
	assert.Equal(t, Bool{V: true, Set: true}, f.RAIInvoked)
	assert.Equal(t, Float{V: 0.25, Set: true}, f.RetryAfter)
	assert.Equal(t, Float{V: 0.516, Set: true}, f.UpstreamTime)
	assert.Equal(t, Bool{V: true, Set: true}, f.SpilledOver)
	assert.Equal(t, "ptu-deployment", f.SpilloverFrom)
	assert.Empty(t, f.Region)
	assert.True(t, f.Azure)
	// remaining-tokens placeholder, spilled-over "maybe", retry-after date.
	assert.Equal(t, 3, f.Failures)
}

func TestRetryAfterMillisecondsWinWhateverTheOrder(t *testing.T) {
	var f Facts
	f.Observe("retry-after-ms", arr("1500"))
	f.Observe("retry-after", arr("9"))
	assert.Equal(t, Float{V: 1.5, Set: true}, f.RetryAfter)
	var g Facts
	g.Observe("retry-after", arr("9"))
	g.Observe("retry-after-ms", arr("1500"))
	assert.Equal(t, Float{V: 1.5, Set: true}, g.RetryAfter)
}

func TestHasPrefixFold(t *testing.T) {
	assert.True(t, HasPrefixFold("HTTP.Response.Header.x", "http.response.header."))
	assert.False(t, HasPrefixFold("http.request.header.x", "http.response.header."))
}

func TestResetHeadersInSeconds(t *testing.T) {
	tests := []struct {
		value string
		want  Int
	}{
		{"6m0s", Int{V: 360, Set: true}},
		{"8.64s", Int{V: 9, Set: true}}, // rounded up: waiting 9 s is enough, 8 s is not
		{"1s", Int{V: 1, Set: true}},
		{"120ms", Int{V: 1, Set: true}},
		{"1h2m3s", Int{V: 3723, Set: true}},
		{"0s", Int{V: 0, Set: true}},
		{"7", Int{V: 7, Set: true}}, // Azure: plain seconds
		{" 500 ", Int{V: 500, Set: true}},
		{"0.5", Int{V: 1, Set: true}},
		{"soon", Int{}},
		{"-3s", Int{}},
		{"6m0", Int{}},
		{"", Int{}},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			var f Facts
			f.Observe("x-ratelimit-reset-requests", str(tt.value))
			f.Observe("x-ratelimit-reset-tokens", arr(tt.value))
			assert.Equal(t, tt.want, f.ResetRequests)
			assert.Equal(t, tt.want, f.ResetTokens)
			if tt.want.Set {
				assert.Zero(t, f.Failures)
			} else {
				assert.Equal(t, 2, f.Failures)
			}
		})
	}
}
