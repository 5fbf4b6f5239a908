package loganalytics

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

func scanRequest(from, to time.Time, limit int) source.ScanRequest {
	return source.ScanRequest{
		IngestedFrom: from, IngestedTo: to, Limit: limit,
		Window: source.Window{From: from.Add(-20 * time.Minute), To: to.Add(5 * time.Minute)},
	}
}

func TestBuildScanQuery(t *testing.T) {
	req := scanRequest(time.Date(2026, 3, 2, 8, 59, 30, 0, time.UTC), time.Date(2026, 3, 2, 9, 0, 30, 250_000_000, time.UTC), 50_000)
	kql, err := buildScanQuery("CorrelationId", req)
	require.NoError(t, err)
	assert.Equal(t, `AzureDiagnostics
| where TimeGenerated between (datetime(2026-03-02T08:39:30Z) .. datetime(2026-03-02T09:05:30.25Z))
| where ResourceProvider == "MICROSOFT.COGNITIVESERVICES"
| where Category in ("RequestResponse", "AzureOpenAIRequestUsage")
| extend IngestionTime = ingestion_time()
| where IngestionTime between (datetime(2026-03-02T08:59:30Z) .. datetime(2026-03-02T09:00:30.25Z))
| project IngestionTime, TimeGenerated, Category, CorrelationId, OperationName, DurationMs, ResultSignature, CallerIPAddress, properties_s = column_ifexists("properties_s", ""), AdditionalFields = column_ifexists("AdditionalFields", dynamic(null)), Resource
| sort by IngestionTime asc
| take 50000`, kql)

	_, err = buildScanQuery("CorrelationId", scanRequest(t0, t0.Add(-time.Second), 10))
	assert.ErrorContains(t, err, "before it starts")
	_, err = buildScanQuery("CorrelationId", scanRequest(t0, t0, 0))
	assert.ErrorContains(t, err, "row limit")
	_, err = buildScanQuery(`CorrelationId) | union (T`, scanRequest(t0, t0, 10))
	assert.Error(t, err, "the key column is an identifier")
}

func TestScanReadsRowsByIngestionTime(t *testing.T) {
	now := t0.Add(10 * time.Minute)
	server := fakeloganalytics.New(fakeloganalytics.Options{WorkspaceID: testWorkspace, Token: testToken, Now: func() time.Time { return now }})
	t.Cleanup(server.Close)
	client := startedClient(t, testConfig(server.URL()), server)
	k1, k2, k3 := "d427a391-2bc7-4f38-9cbc-6560600e0981", "9d3a6e98-fc11-48d0-82cf-4de065c1a1f8", "00000003-2bc7-4f38-9cbc-6560600e0981"
	server.AddRows(fakeloganalytics.CallRows(k2, t0, t0.Add(4*time.Minute+123_456_700))...)
	server.AddRows(fakeloganalytics.CallRows(k1, t0, t0.Add(3*time.Minute))...)
	server.AddRows(fakeloganalytics.CallRows(k3, t0, t0.Add(11*time.Minute))...) // not visible yet

	answer, err := client.Scan(context.Background(), scanRequest(t0, now, 100))
	require.NoError(t, err)
	require.Len(t, answer.Rows, 6)
	for i, r := range answer.Rows {
		want, at := k1, t0.Add(3*time.Minute)
		if i >= 3 {
			want, at = k2, t0.Add(4*time.Minute+123_456_700)
		}
		assert.Equal(t, want, r.Key, "row %d in ingestion order", i)
		assert.Equal(t, at, r.IngestedAt, "row %d keeps its ingestion time to the 100 ns", i)
	}
	assert.True(t, answer.Rows[0].Record.HasRequestResponse)
	assert.Equal(t, "gpt-4o", answer.Rows[0].Record.ModelName)
	assert.True(t, answer.Rows[2].Record.HasRequestUsage)
	assert.Equal(t, int64(87), answer.Rows[2].Record.Usage.Output)
	assert.NotEqual(t, answer.Rows[0].ID, answer.Rows[1].ID, "the near-empty twin is another row")

	again, err := client.Scan(context.Background(), scanRequest(t0.Add(3*time.Minute), now, 2))
	require.NoError(t, err)
	require.Len(t, again.Rows, 2, "the limit caps the answer")
	assert.True(t, again.Truncated(scanRequest(t0, now, 2)))
	assert.Equal(t, answer.Rows[0].ID, again.Rows[0].ID, "a row read twice has one id")
	q := server.Queries()[1]
	assert.Empty(t, q.ParseError)
	assert.Equal(t, t0.Add(3*time.Minute), q.IngestedFrom)
	assert.Equal(t, now, q.IngestedTo)
	assert.Equal(t, 2, q.Take)

	known := scanRequest(t0, now, 100)
	known.Known = func(id uint64) bool { return id == answer.Rows[0].ID }
	skipped, err := client.Scan(context.Background(), known)
	require.NoError(t, err)
	require.Len(t, skipped.Rows, 6, "a row read before still counts, for paging")
	assert.Nil(t, skipped.Rows[0].Record, "a row read before is not decoded")
	assert.Equal(t, answer.Rows[0].ID, skipped.Rows[0].ID)
	assert.Equal(t, answer.Rows[0].IngestedAt, skipped.Rows[0].IngestedAt)
	assert.Equal(t, answer.Rows[1].Record, skipped.Rows[1].Record, "the others are")

	server.FailNext(fakeloganalytics.PartialError(1))
	partial, err := client.Scan(context.Background(), scanRequest(t0, now, 100))
	require.NoError(t, err)
	assert.Equal(t, "PartialError", partial.PartialCode)
	assert.Len(t, partial.Rows, 1)

	server.FailNext(fakeloganalytics.Throttled(7 * time.Second))
	_, err = client.Scan(context.Background(), scanRequest(t0, now, 100))
	var le *source.LookupError
	require.ErrorAs(t, err, &le)
	assert.True(t, le.Throttled)
	assert.Equal(t, 7*time.Second, le.RetryAfter)
}
