package fakeloganalytics

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/azquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	testWorkspace = "5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"
	testToken     = "fake-la-token"
	key1          = "d427a391-2bc7-4f38-9cbc-6560600e0981"
	key2          = "9d3a6e98-fc11-48d0-82cf-4de065c1a1f8"
)

type tokenCredential string

func (c tokenCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(c), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// newClient is the real SDK client, pointed at the fake over TLS: the SDK's
// bearer-token policy refuses credentials over plain http whatever
// InsecureAllowCredentialWithHTTP says, and azquery's endpoint must include
// "/v1".
func newClient(t *testing.T, s *Server, token string, httpClient *http.Client) *azquery.LogsClient {
	t.Helper()
	client, err := azquery.NewLogsClient(tokenCredential(token), &azquery.LogsClientOptions{ClientOptions: azcore.ClientOptions{
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			azquery.ServiceNameLogs: {Audience: "https://api.loganalytics.io", Endpoint: s.URL() + "/v1"},
		}},
		Transport: httpClient,
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}})
	require.NoError(t, err)
	t.Cleanup(httpClient.CloseIdleConnections)
	return client
}

func query(t *testing.T, c *azquery.LogsClient, kql string) (azquery.LogsClientQueryWorkspaceResponse, error) {
	t.Helper()
	return c.QueryWorkspace(t.Context(), testWorkspace, azquery.Body{Query: &kql}, nil)
}

const joinQuery = `AzureDiagnostics
| where TimeGenerated between (datetime(2026-01-01T00:00:00Z) .. datetime(2026-01-02T00:00:00Z))
| where ResourceProvider == "MICROSOFT.COGNITIVESERVICES"
| where Category in ("RequestResponse", "AzureOpenAIRequestUsage")
| where CorrelationId in~ ("` + key1 + `", "D427A391-0000-0000-0000-000000000000")
| project TimeGenerated, Category, CorrelationId, OperationName, DurationMs, ResultSignature, CallerIPAddress, properties_s = column_ifexists("properties_s", ""), AdditionalFields = column_ifexists("AdditionalFields", dynamic(null)), Resource`

var callTime = time.Date(2026, 1, 1, 12, 23, 2, 435_000_000, time.UTC)

func sampleRows() []Row {
	return []Row{
		{
			TimeGenerated: callTime, Category: "RequestResponse", CorrelationID: key1,
			OperationName: "ChatCompletions_Create", DurationMs: 1021, ResultSignature: "200",
			CallerIPAddress: "81.2.69.***", Resource: "OBS-OPENAI-TEST-01", Event: "ShoeboxCallResult",
			Properties: `{"apiName":"Azure OpenAI API version 2024-10-21","requestTime":638515262815394150,"streamType":"Non-Streaming","modelDeploymentName":"gpt-chat-pilot","modelName":"gpt-4o","modelVersion":"2024-08-06","objectId":""}`,
		},
		{
			TimeGenerated: callTime, Category: "AzureOpenAIRequestUsage", CorrelationID: key1,
			OperationName: "ChatCompletions_Create", Event: "ShoeboxAzureOpenAIRequestUsage",
			Properties: `{"promptTokens":[120],"cachedTokens":[64],"generatedTokens":[33]}`,
		},
		{TimeGenerated: callTime, Category: "RequestResponse", CorrelationID: key2, OperationName: "Embeddings_Create", DurationMs: 80},
	}
}

func TestQueryAnswersInTheRealFormat(t *testing.T) {
	s := New(Options{WorkspaceID: testWorkspace, Token: testToken})
	defer s.Close()
	s.AddRows(sampleRows()...)
	c := newClient(t, s, testToken, s.Client())

	resp, err := query(t, c, joinQuery)
	require.NoError(t, err)
	require.Nil(t, resp.Error)
	require.Len(t, resp.Tables, 1)
	table := resp.Tables[0]
	assert.Equal(t, "PrimaryResult", *table.Name)
	var names, types []string
	for _, col := range table.Columns {
		names = append(names, *col.Name)
		types = append(types, string(*col.Type))
	}
	assert.Equal(t, []string{"TimeGenerated", "Category", "CorrelationId", "OperationName", "DurationMs", "ResultSignature", "CallerIPAddress", "properties_s", "AdditionalFields", "Resource"}, names)
	assert.Equal(t, []string{"datetime", "string", "string", "string", "long", "string", "string", "string", "dynamic", "string"}, types)
	require.Len(t, table.Rows, 2, "key2 is not in the in-list")
	row := table.Rows[0]
	assert.Equal(t, "2026-01-01T12:23:02.435Z", row[0], "datetime cells are ISO strings")
	assert.Equal(t, float64(1021), row[4], "long cells are JSON numbers, which the SDK decodes to float64")
	assert.Nil(t, row[8], "a workspace without overflow has no AdditionalFields: column_ifexists gives its default")
	assert.Contains(t, row[7], `"modelName":"gpt-4o"`)

	q := s.Queries()
	require.Len(t, q, 1)
	assert.Equal(t, "CorrelationId", q[0].KeyColumn)
	assert.Equal(t, []string{key1, "D427A391-0000-0000-0000-000000000000"}, q[0].Keys)
	assert.Equal(t, []string{"RequestResponse", "AzureOpenAIRequestUsage"}, q[0].Categories)
	assert.Equal(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), q[0].From)
	assert.Equal(t, time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), q[0].To)
	assert.Equal(t, http.StatusOK, q[0].Status)
	assert.Equal(t, 2, q[0].Rows)
}

func TestOverflowedWorkspaceAnswersAdditionalFields(t *testing.T) {
	s := New(Options{WorkspaceID: testWorkspace, Token: testToken, OverflowColumns: []string{"properties_s"}})
	defer s.Close()
	s.AddRows(sampleRows()[0])
	resp, err := query(t, newClient(t, s, testToken, s.Client()), joinQuery)
	require.NoError(t, err)
	row := resp.Tables[0].Rows[0]
	assert.Equal(t, "", row[7], "properties_s is gone: column_ifexists gives \"\"")
	bag, ok := row[8].(string)
	require.True(t, ok, "a dynamic cell is a JSON-encoded string")
	assert.Contains(t, bag, `"properties_s":"{\"apiName\"`)
}

func TestRowsBecomeVisibleWhenIngested(t *testing.T) {
	now := callTime
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := New(Options{WorkspaceID: testWorkspace, Token: testToken, Now: clock})
	defer s.Close()
	r := sampleRows()[0]
	r.AvailableAt = callTime.Add(7 * time.Minute)
	s.AddRows(r)
	c := newClient(t, s, testToken, s.Client())

	resp, err := query(t, c, joinQuery)
	require.NoError(t, err)
	assert.Empty(t, resp.Tables[0].Rows)

	mu.Lock()
	now = now.Add(7 * time.Minute)
	mu.Unlock()
	resp, err = query(t, c, joinQuery)
	require.NoError(t, err)
	assert.Len(t, resp.Tables[0].Rows, 1)
}

func TestRowsOfOneCallBecomeVisibleEachAtItsOwnTime(t *testing.T) {
	now := callTime
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	s := New(Options{WorkspaceID: testWorkspace, Token: testToken, Now: clock})
	defer s.Close()
	// The usage row is ingested two minutes after the RequestResponse rows.
	s.AddRows(CallRowsArriving(key1, callTime, callTime.Add(3*time.Minute), callTime.Add(5*time.Minute))...)
	c := newClient(t, s, testToken, s.Client())
	categories := func() []string {
		t.Helper()
		resp, err := query(t, c, joinQuery)
		require.NoError(t, err)
		var out []string
		for _, row := range resp.Tables[0].Rows {
			out = append(out, row[1].(string))
		}
		return out
	}

	assert.Empty(t, categories())
	advance(3 * time.Minute)
	assert.Equal(t, []string{"RequestResponse", "RequestResponse"}, categories())
	advance(2 * time.Minute)
	assert.Equal(t, []string{"RequestResponse", "RequestResponse", "AzureOpenAIRequestUsage"}, categories())
}

func TestBodyTimespanIntersectsTheQuery(t *testing.T) {
	s := New(Options{WorkspaceID: testWorkspace, Token: testToken})
	defer s.Close()
	s.AddRows(sampleRows()...)
	c := newClient(t, s, testToken, s.Client())
	kql := joinQuery
	span := azquery.NewTimeInterval(callTime.Add(time.Hour), callTime.Add(2*time.Hour))
	resp, err := c.QueryWorkspace(t.Context(), testWorkspace, azquery.Body{Query: &kql, Timespan: &span}, nil)
	require.NoError(t, err)
	assert.Empty(t, resp.Tables[0].Rows)
	assert.Equal(t, string(span), s.Queries()[0].Timespan)
}

func responseError(t *testing.T, err error) *azcore.ResponseError {
	t.Helper()
	var respErr *azcore.ResponseError
	require.True(t, errors.As(err, &respErr), "want *azcore.ResponseError, got %v", err)
	return respErr
}

func TestChecksTheBearerTokenAndWorkspace(t *testing.T) {
	s := New(Options{WorkspaceID: testWorkspace, Token: testToken})
	defer s.Close()
	_, err := query(t, newClient(t, s, "wrong-token", s.Client()), joinQuery)
	respErr := responseError(t, err)
	assert.Equal(t, http.StatusUnauthorized, respErr.StatusCode)
	assert.Equal(t, "AuthenticationFailed", respErr.ErrorCode)
	assert.NotContains(t, err.Error(), "wrong-token")

	c := newClient(t, s, testToken, s.Client())
	kql := joinQuery
	_, err = c.QueryWorkspace(t.Context(), "00000000-0000-0000-0000-000000000000", azquery.Body{Query: &kql}, nil)
	assert.Equal(t, http.StatusNotFound, responseError(t, err).StatusCode)
}

func TestSyntaxErrorsAnswerLikeTheAPI(t *testing.T) {
	s := New(Options{WorkspaceID: testWorkspace, Token: testToken})
	defer s.Close()
	c := newClient(t, s, testToken, s.Client())
	for _, kql := range []string{
		"not a valid query",
		`AzureDiagnostics | where CorrelationId in ("unterminated)`,
		`AzureDiagnostics | where CorrelationId in ("x") | union (SecretTable)`,
		`AzureDiagnostics | where CorrelationId in ("a\qb")`,
	} {
		_, err := query(t, c, kql)
		respErr := responseError(t, err)
		assert.Equal(t, http.StatusBadRequest, respErr.StatusCode, kql)
		assert.Equal(t, "BadArgumentError", respErr.ErrorCode, kql)
	}
	_, err := query(t, c, `AzureDiagnostics | where NoSuchColumn in ("x")`)
	assert.Equal(t, http.StatusBadRequest, responseError(t, err).StatusCode)
	for _, q := range s.Queries()[:4] {
		assert.NotEmpty(t, q.ParseError)
	}
}

func TestFaults(t *testing.T) {
	s := New(Options{WorkspaceID: testWorkspace, Token: testToken})
	defer s.Close()
	s.AddRows(sampleRows()...)
	c := newClient(t, s, testToken, s.Client())

	s.FailNext(InternalError(), Throttled(42*time.Second), PartialError(1), MalformedJSON(), Fault{NoContent: true})

	_, err := query(t, c, joinQuery)
	respErr := responseError(t, err)
	assert.Equal(t, http.StatusInternalServerError, respErr.StatusCode)
	assert.Equal(t, "InternalServerError", respErr.ErrorCode)

	_, err = query(t, c, joinQuery)
	respErr = responseError(t, err)
	assert.Equal(t, http.StatusTooManyRequests, respErr.StatusCode)
	assert.Equal(t, "ThrottledError", respErr.ErrorCode)
	assert.Equal(t, "42", respErr.RawResponse.Header.Get("Retry-After"))

	resp, err := query(t, c, joinQuery)
	require.NoError(t, err, "a partial error is a 200")
	require.NotNil(t, resp.Error)
	assert.Equal(t, "PartialError", resp.Error.Code)
	assert.Len(t, resp.Tables[0].Rows, 1)

	_, err = query(t, c, joinQuery)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unmarshalling type")

	_, err = query(t, c, joinQuery)
	assert.Equal(t, http.StatusNoContent, responseError(t, err).StatusCode)

	resp, err = query(t, c, joinQuery)
	require.NoError(t, err, "faults are used up")
	assert.Len(t, resp.Tables[0].Rows, 2)

	s.FailAlways(Fault{Status: http.StatusServiceUnavailable})
	for range 2 {
		_, err = query(t, c, joinQuery)
		assert.Equal(t, http.StatusServiceUnavailable, responseError(t, err).StatusCode)
	}
	s.ClearFaults()
	_, err = query(t, c, joinQuery)
	require.NoError(t, err)
}

func TestHangUntilTheClientGivesUp(t *testing.T) {
	s := New(Options{WorkspaceID: testWorkspace, Token: testToken})
	defer s.Close()
	s.FailNext(Hang())
	c := newClient(t, s, testToken, s.Client())
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	kql := joinQuery
	_, err := c.QueryWorkspace(ctx, testWorkspace, azquery.Body{Query: &kql}, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestCACertFileMakesAClientTrustTheServer(t *testing.T) {
	s := New(Options{WorkspaceID: testWorkspace, Token: testToken})
	defer s.Close()
	path := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, s.WriteCACertFile(path))
	pemBytes, err := os.ReadFile(path)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes))
	httpClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	_, err = query(t, newClient(t, s, testToken, httpClient), joinQuery)
	require.NoError(t, err)
}
