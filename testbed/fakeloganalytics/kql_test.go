package fakeloganalytics

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseQueryDecodesTheKeyList(t *testing.T) {
	q, err := parseQuery(`AzureDiagnostics
| where CorrelationId in~ ("a", 'b', "x\") | union (T", @"c:\path""q", "tab\there\\")
| project TimeGenerated, CorrelationId`)
	require.NoError(t, err)
	c, ok := q.keyCondition()
	require.True(t, ok)
	assert.Equal(t, "CorrelationId", c.Column)
	assert.True(t, c.CaseInsensitive)
	assert.Equal(t, []string{"a", "b", `x") | union (T`, `c:\path"q`, "tab\there\\"}, c.Values)
	assert.Equal(t, []projection{{Name: "TimeGenerated", Source: "TimeGenerated"}, {Name: "CorrelationId", Source: "CorrelationId"}}, q.Project)
}

func TestParseQueryRejectsWhatIsOutsideTheSubset(t *testing.T) {
	for name, kql := range map[string]string{
		"unterminated string":   `AzureDiagnostics | where CorrelationId in ("a)`,
		"escaped quote breaks":  `AzureDiagnostics | where CorrelationId in ("a\")`,
		"line break in literal": "AzureDiagnostics | where CorrelationId in (\"a\nb\")",
		"unknown escape":        `AzureDiagnostics | where CorrelationId in ("\x41")`,
		"injected operator":     `AzureDiagnostics | where CorrelationId in ("x") | union (Secrets)`,
		"missing comma":         `AzureDiagnostics | where CorrelationId in ("a" "b")`,
		"bad datetime":          `AzureDiagnostics | where TimeGenerated between (datetime(yesterday) .. datetime(2026-01-01T00:00:00Z))`,
		"unknown function":      `AzureDiagnostics | project x = tostring(CorrelationId)`,
		"stray character":       `AzureDiagnostics ; drop`,
		"other computed column": `AzureDiagnostics | extend t = now()`,
		"two extends":           `AzureDiagnostics | extend a = ingestion_time() | extend b = ingestion_time()`,
		"negative take":         `AzureDiagnostics | take -1`,
		"sort without by":       `AzureDiagnostics | sort IngestionTime`,
	} {
		_, err := parseQuery(kql)
		assert.Error(t, err, name)
	}
}

func TestParseQueryReadsWindowAndDefaults(t *testing.T) {
	q, err := parseQuery(`AzureDiagnostics
// the join's window
| where TimeGenerated between (datetime(2026-01-01T00:00:00.5Z) .. datetime(2026-01-01T01:00:00Z))
| where ResourceProvider == "MICROSOFT.COGNITIVESERVICES" and Category in ("RequestResponse")
| project p = column_ifexists("properties_s", ""), a = column_ifexists("AdditionalFields", dynamic(null)), n = column_ifexists("x", -1)`)
	require.NoError(t, err)
	from, to, ok := q.window()
	require.True(t, ok)
	assert.Equal(t, "2026-01-01T00:00:00.5Z", from.Format("2006-01-02T15:04:05.999Z07:00"))
	assert.Equal(t, int64(3600), int64(to.Sub(from).Seconds()+0.5))
	assert.Len(t, q.Conditions, 3)
	assert.Equal(t, []projection{
		{Name: "p", Source: "properties_s", IfExists: true, Default: "", DefaultType: columnString},
		{Name: "a", Source: "AdditionalFields", IfExists: true, Default: nil, DefaultType: columnDynamic},
		{Name: "n", Source: "x", IfExists: true, Default: int64(-1), DefaultType: columnLong},
	}, q.Project)
}

func TestParseQueryReadsTheIngestionRangeSortAndTake(t *testing.T) {
	q, err := parseQuery(`AzureDiagnostics
| where TimeGenerated between (datetime(2026-01-01T00:00:00Z) .. datetime(2026-01-01T02:00:00Z))
| extend IngestionTime = ingestion_time()
| where IngestionTime between (datetime(2026-01-01T01:00:00.1234567Z) .. datetime(2026-01-01T01:01:00Z))
| project IngestionTime, CorrelationId
| sort by IngestionTime asc
| take 50000`)
	require.NoError(t, err)
	from, to, ok := q.ingestionRange()
	require.True(t, ok)
	assert.Equal(t, 123456700, from.Nanosecond(), "seven fractional digits")
	assert.Equal(t, time.Minute-123456700*time.Nanosecond, to.Sub(from))
	assert.Equal(t, "IngestionTime", q.SortBy)
	assert.False(t, q.SortDesc)
	assert.Equal(t, 50000, q.Take)
	_, _, ok = (&parsedQuery{}).ingestionRange()
	assert.False(t, ok, "no extend, no ingestion range")

	q, err = parseQuery(`AzureDiagnostics | sort by TimeGenerated`)
	require.NoError(t, err)
	assert.True(t, q.SortDesc, "KQL sorts descending by default")
}
