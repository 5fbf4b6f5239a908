package loganalytics // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/azquery"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/otelcol-aoai/otelcol-aoai/internal/azurecredential"
	"github.com/otelcol-aoai/otelcol-aoai/internal/retryafter"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

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

// collect keeps each row (an answerSink).
func (a *queryAnswer) collect(table int, columns []resultColumn, row []any) {
	for len(a.tables) <= table {
		a.tables = append(a.tables, resultTable{})
	}
	a.tables[table].columns = columns
	a.tables[table].rows = append(a.tables[table].rows, slices.Clone(row))
}

func (a *queryAnswer) rowCount() int {
	n := 0
	for _, t := range a.tables {
		n += len(t.rows)
	}
	return n
}

// Client looks diagnostic records up in a Log Analytics workspace: the join's
// source. It sends azquery's request (github.com/Azure/azure-sdk-for-go/sdk/monitor/azquery)
// through an azcore pipeline built as azquery builds its own, and reads the
// answer itself (answer.go): azquery's LogsClient would hold a cursor page's
// answer several times over.
type Client struct {
	cfg Config
	set component.TelemetrySettings
	// httpClient, when set, replaces the client built from the HTTP settings.
	httpClient *http.Client

	pipeline runtime.Pipeline
	// queryURL is the workspace's query endpoint.
	queryURL  string
	closeIdle func()
}

var _ source.Source = (*Client)(nil)

// Option changes how a Client is built.
type Option func(*Client)

// WithHTTPClient sends queries through c instead of a client built from the
// HTTP settings (for a test server's client, which trusts its certificate).
func WithHTTPClient(c *http.Client) Option {
	return func(cl *Client) { cl.httpClient = c }
}

// NewClient checks cfg and builds a client for it. It does no I/O: Start
// builds the HTTP client and the credential.
func NewClient(cfg Config, set component.TelemetrySettings, opts ...Option) (*Client, error) {
	if err := cfg.Check(); err != nil {
		return nil, fmt.Errorf("diagnostics: %w", err)
	}
	c := &Client{cfg: cfg, set: set}
	for _, opt := range opts {
		opt(c)
	}
	if c.set.Logger == nil {
		c.set.Logger = zap.NewNop()
	}
	return c, nil
}

// Start builds the HTTP client (settings from confighttp, so TLS, CA file,
// timeout and proxy apply), the credential and the request pipeline that
// puts its token on every query.
func (c *Client) Start(ctx context.Context, host component.Host) error {
	var extensions map[component.ID]component.Component
	if host != nil {
		extensions = host.GetExtensions()
	}
	httpClient := c.httpClient
	if httpClient == nil {
		built, err := c.cfg.ClientConfig.ToClient(ctx, extensions, c.set)
		if err != nil {
			return fmt.Errorf("HTTP client for %s: %w", c.cfg.ClientConfig.Endpoint, err)
		}
		httpClient = built
	}
	c.closeIdle = httpClient.CloseIdleConnections
	cred, err := azurecredential.Resolve(c.cfg.Credential, azurecredential.Options{
		ClientOptions: azcore.ClientOptions{Cloud: azurecredential.CloudFor(c.cfg.Audience)},
	}, extensions)
	if err != nil {
		return err
	}
	c.pipeline, c.queryURL = newPipeline(&c.cfg, cred, httpClient)
	c.set.Logger.Info("Diagnostics join reads Log Analytics",
		zap.String("workspace_id", c.cfg.WorkspaceID),
		zap.String("endpoint", c.cfg.ClientConfig.Endpoint),
		zap.String("credential", string(c.cfg.Credential.Type)))
	return nil
}

// Shutdown closes the idle connections; queries in flight are the join's to
// cancel.
func (c *Client) Shutdown(context.Context) error {
	if c.closeIdle != nil {
		c.closeIdle()
	}
	return nil
}

// Lookup runs the one query keys cost and reads its rows into a record per
// key found. An error is a *source.LookupError.
func (c *Client) Lookup(ctx context.Context, keys []string, window source.Window) (source.Answer, error) {
	kql, err := buildQuery(c.cfg.KeyColumn, keys, window)
	if err != nil {
		return source.Answer{}, &source.LookupError{Code: "query text", Cause: err}
	}
	var answer queryAnswer
	answer.partialCode, err = c.queryWithTimeout(ctx, kql, window, answer.collect)
	if err != nil {
		return source.Answer{}, err
	}
	decoded := decodeRecords(&answer, c.cfg.KeyColumn)
	records := make(map[string]*source.Record, len(decoded))
	for key, rec := range decoded {
		records[key] = rec.record()
	}
	return source.Answer{Records: records, Rows: answer.rowCount(), PartialCode: answer.partialCode}, nil
}

// Scan runs one page of the ingestion-time cursor: every row ingested in
// req's range, oldest first, at most req.Limit. An error is a
// *source.LookupError.
func (c *Client) Scan(ctx context.Context, req source.ScanRequest) (source.ScanAnswer, error) {
	kql, err := buildScanQuery(c.cfg.KeyColumn, req)
	if err != nil {
		return source.ScanAnswer{}, &source.LookupError{Code: "query text", Cause: err}
	}
	rows := newRowReader(c.cfg.KeyColumn, req.Known)
	partialCode, err := c.queryWithTimeout(ctx, kql, req.Window, rows.add)
	if err != nil {
		return source.ScanAnswer{}, err
	}
	return source.ScanAnswer{Rows: rows.rows, PartialCode: partialCode}, nil
}

// queryWithTimeout sends one query within the timeout setting.
func (c *Client) queryWithTimeout(ctx context.Context, kql string, window source.Window, sink answerSink) (partialCode string, err error) {
	if timeout := c.cfg.ClientConfig.Timeout; timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	return c.query(ctx, kql, window, sink)
}

// newPipeline builds the azcore pipeline azquery.NewLogsClient would build
// for the workspace's endpoint, and the workspace's query URL.
func newPipeline(cfg *Config, cred azcore.TokenCredential, transport policy.Transporter) (runtime.Pipeline, string) {
	// The query API's path includes its version; the setting does not, like
	// the other Azure SDKs' and the REST documentation's host.
	endpoint := strings.TrimSuffix(cfg.ClientConfig.Endpoint, "/")
	if !strings.HasSuffix(endpoint, "/v1") {
		endpoint += "/v1"
	}
	auth := runtime.NewBearerTokenPolicy(cred, []string{strings.TrimSuffix(cfg.Audience, "/") + "/.default"}, nil)
	options := &azcore.ClientOptions{
		Transport: transport,
		// The poll loop retries at its own pace, inside the API's rate budget
		// and after Retry-After; the SDK retrying too would multiply queries
		// and sleep inside a poll.
		Retry:     policy.RetryOptions{MaxRetries: -1},
		Telemetry: policy.TelemetryOptions{ApplicationID: "otelcol-aoai"},
	}
	pipeline := runtime.NewPipeline(pipelineModule, pipelineVersion, runtime.PipelineOptions{PerRetry: []policy.Policy{auth}}, options)
	return pipeline, runtime.JoinPaths(endpoint, "/workspaces/"+url.PathEscape(cfg.WorkspaceID)+"/query")
}

// The module and version the pipeline's User-Agent names (after otelcol-aoai).
const (
	pipelineModule  = "loganalytics"
	pipelineVersion = "v1.0.0"
)

// query sends one KQL query and hands the answer's rows to sink as they are
// read; an error is a *source.LookupError.
func (c *Client) query(ctx context.Context, kql string, window source.Window, sink answerSink) (partialCode string, err error) {
	req, err := runtime.NewRequest(ctx, http.MethodPost, c.queryURL)
	if err != nil {
		return "", &source.LookupError{Code: "query text", Cause: err}
	}
	req.Raw().Header["Accept"] = []string{"application/json"}
	timespan := azquery.NewTimeInterval(window.From, window.To)
	if err := runtime.MarshalAsJSON(req, azquery.Body{Query: &kql, Timespan: &timespan}); err != nil {
		return "", &source.LookupError{Code: "query text", Cause: err}
	}
	// The answer is decoded as it streams in rather than read whole first.
	runtime.SkipBodyDownload(req)
	resp, err := c.pipeline.Do(req)
	if err != nil {
		return "", classifyQueryError(err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNoContent:
		// The API answers 204 for a workspace that holds no data at all.
		return "", nil
	default:
		return "", classifyQueryError(runtime.NewResponseError(resp))
	}
	partialCode, err = readAnswer(resp.Body, sink)
	if err != nil {
		if ctx.Err() != nil {
			return "", classifyQueryError(ctx.Err())
		}
		var netErr net.Error
		if errors.As(err, &netErr) {
			return "", classifyQueryError(err)
		}
		return "", &source.LookupError{Code: "malformed answer", Cause: err}
	}
	return partialCode, nil
}

// classifyQueryError turns what the SDK returned into a LookupError that says
// whether to back off and for how long.
func classifyQueryError(err error) *source.LookupError {
	var respErr *azcore.ResponseError
	if errors.As(err, &respErr) {
		qe := &source.LookupError{Status: respErr.StatusCode, Code: respErr.ErrorCode, Cause: err}
		if respErr.RawResponse != nil {
			qe.RetryAfter = retryafter.Delay(respErr.RawResponse.Header, time.Now())
		}
		qe.Throttled = respErr.StatusCode == http.StatusTooManyRequests || respErr.ErrorCode == "ThrottledError"
		return qe
	}
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return &source.LookupError{Code: "cancelled", Cause: err}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return &source.LookupError{Code: "timeout", Cause: err}
	}
	var credErr interface{ NonRetriable() }
	if errors.As(err, &credErr) {
		// azidentity's credential errors; their text names the identity
		// problem, never the secret.
		return &source.LookupError{Code: "credential", Cause: err}
	}
	return &source.LookupError{Code: "transport", Cause: err}
}
