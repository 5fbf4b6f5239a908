package diagnostics // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/diagnostics"

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/azquery"

	"github.com/otelcol-aoai/otelcol-aoai/internal/retryafter"
)

// logsQuerier runs one KQL query against the workspace. It is the only seam
// between the join and the Azure SDK: moving from azquery to azlogs changes this
// file alone, and tests can put a fake behind it.
type logsQuerier interface {
	query(ctx context.Context, kql string, window queryWindow) (queryAnswer, error)
}

// queryAnswer is a successful answer, in the SDK's shape but not its types.
type queryAnswer struct {
	tables []resultTable
	// partialCode is set when the API answered 200 with an error beside the
	// tables (code PartialError): the rows present are good, others may be missing.
	partialCode string
}

type resultTable struct {
	columns []resultColumn
	rows    [][]any
}

type resultColumn struct {
	name, typ string
}

func (a *queryAnswer) rowCount() int {
	n := 0
	for _, t := range a.tables {
		n += len(t.rows)
	}
	return n
}

// queryError is a failed query, described without its body: an error body may
// be long, and nothing from the request (its token least of all) belongs in a
// log line.
type queryError struct {
	status     int    // HTTP status, 0 when the request got no answer
	code       string // the API's error code, or what went wrong locally
	throttled  bool
	retryAfter time.Duration
	cause      error
}

func (e *queryError) Error() string {
	switch {
	case e.status != 0 && e.code != "":
		return fmt.Sprintf("HTTP %d %s", e.status, e.code)
	case e.status != 0:
		return fmt.Sprintf("HTTP %d", e.status)
	case e.cause != nil:
		return fmt.Sprintf("%s: %v", e.code, e.cause)
	}
	return e.code
}

func (e *queryError) Unwrap() error { return e.cause }

// azqueryClient queries through github.com/Azure/azure-sdk-for-go/sdk/monitor/azquery.
type azqueryClient struct {
	client      *azquery.LogsClient
	workspaceID string
}

func newAzqueryClient(cfg *Config, cred azcore.TokenCredential, transport policy.Transporter) (*azqueryClient, error) {
	// azquery's endpoint includes the API version path; the setting does not,
	// like the other Azure SDKs' and the REST documentation's host.
	endpoint := strings.TrimSuffix(cfg.ClientConfig.Endpoint, "/")
	if !strings.HasSuffix(endpoint, "/v1") {
		endpoint += "/v1"
	}
	options := &azquery.LogsClientOptions{ClientOptions: azcore.ClientOptions{
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			azquery.ServiceNameLogs: {Audience: strings.TrimSuffix(cfg.Audience, "/"), Endpoint: endpoint},
		}},
		Transport: transport,
		// The poll loop retries at its own pace, inside the API's rate budget
		// and after Retry-After; the SDK retrying too would multiply queries
		// and sleep inside a poll.
		Retry:     policy.RetryOptions{MaxRetries: -1},
		Telemetry: policy.TelemetryOptions{ApplicationID: "otelcol-aoai"},
	}}
	client, err := azquery.NewLogsClient(cred, options)
	if err != nil {
		return nil, fmt.Errorf("create Log Analytics client: %w", err)
	}
	return &azqueryClient{client: client, workspaceID: cfg.WorkspaceID}, nil
}

func (c *azqueryClient) query(ctx context.Context, kql string, window queryWindow) (queryAnswer, error) {
	timespan := azquery.NewTimeInterval(window.from, window.to)
	resp, err := c.client.QueryWorkspace(ctx, c.workspaceID, azquery.Body{Query: &kql, Timespan: &timespan}, nil)
	if err != nil {
		var respErr *azcore.ResponseError
		if errors.As(err, &respErr) && respErr.StatusCode == http.StatusNoContent {
			// The API answers 204 for a workspace that holds no data at all.
			return queryAnswer{}, nil
		}
		return queryAnswer{}, classifyQueryError(err)
	}
	answer := queryAnswer{tables: make([]resultTable, 0, len(resp.Tables))}
	for _, t := range resp.Tables {
		if t == nil {
			continue
		}
		table := resultTable{columns: make([]resultColumn, len(t.Columns)), rows: make([][]any, len(t.Rows))}
		for i, col := range t.Columns {
			if col == nil {
				continue
			}
			if col.Name != nil {
				table.columns[i].name = *col.Name
			}
			if col.Type != nil {
				table.columns[i].typ = string(*col.Type)
			}
		}
		for i, row := range t.Rows {
			table.rows[i] = row
		}
		answer.tables = append(answer.tables, table)
	}
	if resp.Error != nil {
		answer.partialCode = resp.Error.Code
		if answer.partialCode == "" {
			answer.partialCode = "PartialError"
		}
	}
	return answer, nil
}

// classifyQueryError turns what the SDK returned into a queryError that says
// whether to back off and for how long.
func classifyQueryError(err error) *queryError {
	var respErr *azcore.ResponseError
	if errors.As(err, &respErr) {
		qe := &queryError{status: respErr.StatusCode, code: respErr.ErrorCode, cause: err}
		if respErr.RawResponse != nil {
			qe.retryAfter = retryafter.Delay(respErr.RawResponse.Header, time.Now())
		}
		qe.throttled = respErr.StatusCode == http.StatusTooManyRequests || respErr.ErrorCode == "ThrottledError"
		return qe
	}
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return &queryError{code: "cancelled", cause: err}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return &queryError{code: "timeout", cause: err}
	}
	var credErr interface{ NonRetriable() }
	if errors.As(err, &credErr) {
		// azidentity's credential errors; their text names the identity
		// problem, never the secret.
		return &queryError{code: "credential", cause: err}
	}
	if strings.Contains(err.Error(), "unmarshalling type") {
		// azcore's wording for an answer that is not the JSON it expects.
		return &queryError{code: "malformed answer", cause: err}
	}
	return &queryError{code: "transport", cause: err}
}
