package diagnostics

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJoinKeyTakesOnlyGUIDs(t *testing.T) {
	for in, want := range map[string]string{
		"d427a391-2bc7-4f38-9cbc-6560600e0981": "d427a391-2bc7-4f38-9cbc-6560600e0981",
		"D427A391-2BC7-4F38-9CBC-6560600E0981": "d427a391-2bc7-4f38-9cbc-6560600e0981",
	} {
		got, ok := joinKey(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got)
	}
	for _, in := range []string{
		"", "d427a391", "d427a3912bc74f389cbc6560600e0981", "{d427a391-2bc7-4f38-9cbc-6560600e0981}",
		"d427a391-2bc7-4f38-9cbc-6560600e098g", "d427a391_2bc7-4f38-9cbc-6560600e0981",
		`x") | union (AzureActivity)`, "d427a391-2bc7-4f38-9cbc-6560600e0981\n",
		"d427a391-2bc7-4f38-9cbc-6560600e09\"1",
	} {
		_, ok := joinKey(in)
		assert.False(t, ok, "%q", in)
	}
}

func TestQuoteKQL(t *testing.T) {
	for in, want := range map[string]string{
		"plain":            `"plain"`,
		`x") | union (`:    `"x\") | union ("`,
		`back\slash`:       `"back\\slash"`,
		"tab\tline\nret\r": `"tab\tline\nret\r"`,
		`'single'`:         `"'single'"`,
		"ünïcode":          `"ünïcode"`,
	} {
		var b strings.Builder
		require.NoError(t, quoteKQL(&b, in))
		assert.Equal(t, want, b.String())
	}
	for _, in := range []string{"nul\x00", "bell\a", "del\x7f", "esc\x1b"} {
		var b strings.Builder
		assert.Error(t, quoteKQL(&b, in), "%q", in)
	}
}

func TestBuildQuery(t *testing.T) {
	window := newQueryWindow(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 9, 10, 0, 500_000_000, time.UTC))
	kql, err := buildQuery("CorrelationId", []string{"d427a391-2bc7-4f38-9cbc-6560600e0981", "9d3a6e98-fc11-48d0-82cf-4de065c1a1f8"}, window)
	require.NoError(t, err)
	assert.Equal(t, `AzureDiagnostics
| where TimeGenerated between (datetime(2026-03-02T08:55:00Z) .. datetime(2026-03-02T09:15:00.5Z))
| where ResourceProvider == "MICROSOFT.COGNITIVESERVICES"
| where Category in ("RequestResponse", "AzureOpenAIRequestUsage")
| where CorrelationId in~ ("d427a391-2bc7-4f38-9cbc-6560600e0981", "9d3a6e98-fc11-48d0-82cf-4de065c1a1f8")
| project TimeGenerated, Category, CorrelationId, OperationName, DurationMs, ResultSignature, CallerIPAddress, properties_s = column_ifexists("properties_s", ""), AdditionalFields = column_ifexists("AdditionalFields", dynamic(null)), Resource`, kql)

	kql, err = buildQuery("Resource", []string{"x"}, window)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(kql, ", Resource"), "a key column the query projects anyway is named once")
}

func TestQueryWindow(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 10, 0, 0, time.UTC)
	w := newQueryWindow(now.Add(-time.Hour), now)
	assert.Equal(t, now.Add(-time.Hour-windowMargin), w.from)
	assert.Equal(t, now.Add(windowMargin), w.to)

	future := newQueryWindow(now.Add(time.Hour), now)
	assert.Equal(t, now.Add(-windowMargin), future.from, "a span from a fast clock never inverts the window")
	assert.True(t, future.from.Before(future.to))
}
