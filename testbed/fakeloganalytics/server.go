// Package fakeloganalytics is a Log Analytics query API for tests: an
// httptest TLS server that answers POST /v1/workspaces/{id}/query in the real
// wire format (tables, columns, typed rows, partial errors, OneAPI error bodies)
// from an AzureDiagnostics table that tests fill over time. It parses the KQL it
// is sent (the subset a diagnostics join uses), checks the bearer token, and can
// be told to fail the way the real API fails.
//
// It serves TLS because the Azure SDK refuses to send a token over plain HTTP:
// unit tests hand the SDK the server's Client, and an end-to-end test of the
// built collector writes the server's certificate to a CA file
// (WriteCACertFile) and names it in tls.ca_file. It is a test rig and never
// ships in the collector.
package fakeloganalytics // import "github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options configure a fake workspace.
type Options struct {
	// WorkspaceID is the only workspace the fake knows; queries for another get 404.
	WorkspaceID string
	// Token is the bearer token every query must carry.
	Token string
	// Now is the fake's clock: a row is visible once Now() reaches its
	// AvailableAt. Tests share it with the code under test. Default time.Now.
	Now func() time.Time
	// OverflowColumns are AzureDiagnostics columns this workspace does not
	// have because its schema hit the 500-column limit; their values sit in
	// AdditionalFields instead (e.g. "properties_s").
	OverflowColumns []string
}

// Query is one query the fake received, with what it parsed out of the KQL.
type Query struct {
	At        time.Time // the fake's clock when it arrived
	Workspace string
	Text      string // the KQL as sent
	Timespan  string // the body's timespan
	// KeyColumn and Keys are the column and decoded values of the query's
	// in-list (the join keys).
	KeyColumn string
	Keys      []string
	From, To  time.Time // TimeGenerated between (From .. To)
	// IngestedFrom and IngestedTo are the query's bounds on ingestion_time(),
	// zero when it has none; Take its row limit (0: none).
	IngestedFrom, IngestedTo time.Time
	Take                     int
	Categories               []string
	ParseError               string // set when the KQL did not parse
	Status                   int    // HTTP status answered
	Rows                     int    // rows answered
}

// Server is a running fake Log Analytics workspace.
type Server struct {
	opts   Options
	schema workspaceSchema
	srv    *httptest.Server
	// closing releases handlers that Hang.
	closing   chan struct{}
	closeOnce sync.Once

	mu    sync.Mutex
	rows  []*Row
	byKey map[string][]*Row // lower-case CorrelationId -> rows
	// byIngestion buckets the rows by the second of their ingestion time, so
	// that a scan by ingestion time reads only its range (a soak holds
	// millions of rows).
	byIngestion map[int64][]*Row
	faults      []Fault
	sticky      *Fault
	queries     []Query
	inFlight    int
	maxInFlight int
	answered    int
}

// New starts a fake workspace on a local TLS port.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:    opts,
		schema:  workspaceSchema{overflow: opts.OverflowColumns},
		closing: make(chan struct{}),
		byKey:   map[string][]*Row{},

		byIngestion: map[int64][]*Row{},
	}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// Close stops the server, releasing any hanging answer first.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.srv.Close()
}

// URL is the server's base URL (https://127.0.0.1:port), the `endpoint`
// setting: the Log Analytics client adds /v1 itself.
func (s *Server) URL() string { return s.srv.URL }

// Client is an HTTP client that trusts the server's certificate.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// CACertPEM is the server's self-signed certificate, PEM encoded: a CA file
// that makes a client trust the server.
func (s *Server) CACertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// WriteCACertFile writes CACertPEM to path, for a tls.ca_file setting.
func (s *Server) WriteCACertFile(path string) error {
	return os.WriteFile(path, s.CACertPEM(), 0o600)
}

// AddRows adds rows to the workspace. A row with AvailableAt in the future
// stays invisible until the clock reaches it.
func (s *Server) AddRows(rows ...Row) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range rows {
		r := rows[i]
		s.rows = append(s.rows, &r)
		key := strings.ToLower(r.CorrelationID)
		s.byKey[key] = append(s.byKey[key], &r)
		second := r.IngestionTime().Unix()
		s.byIngestion[second] = append(s.byIngestion[second], &r)
	}
}

// FailNext makes the next len(faults) queries fail, in order.
func (s *Server) FailNext(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// FailAlways makes every query fail with f until ClearFaults.
func (s *Server) FailAlways(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sticky = &f
}

// ClearFaults makes queries succeed again.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	s.sticky = nil
}

// Queries returns every query received so far, in arrival order.
func (s *Server) Queries() []Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Query(nil), s.queries...)
}

// MaxConcurrentQueries is the most queries the fake was answering at once.
func (s *Server) MaxConcurrentQueries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

type requestBody struct {
	Query      string   `json:"query"`
	Timespan   string   `json:"timespan"`
	Workspaces []string `json:"workspaces"`
}

type column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type table struct {
	Name    string   `json:"name"`
	Columns []column `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

type answer struct {
	Tables []table      `json:"tables"`
	Error  *errorObject `json:"error,omitempty"`
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	workspace, ok := strings.CutPrefix(r.URL.Path, "/v1/workspaces/")
	workspace, ok2 := strings.CutSuffix(workspace, "/query")
	if !ok || !ok2 || r.Method != http.MethodPost || strings.Contains(workspace, "/") {
		s.writeError(w, http.StatusNotFound, "", "")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.opts.Token {
		s.writeError(w, http.StatusUnauthorized, "", "")
		return
	}
	if workspace != s.opts.WorkspaceID {
		s.writeError(w, http.StatusNotFound, "WorkspaceNotFoundError", fmt.Sprintf("Workspace '%s' could not be found", workspace))
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		// The API documents an empty 200 for a body that is not JSON.
		w.WriteHeader(http.StatusOK)
		return
	}
	var body requestBody
	if err := json.NewDecoder(io.LimitReader(r.Body, 8<<20)).Decode(&body); err != nil {
		s.writeError(w, http.StatusBadRequest, "", "The request body is not valid JSON: "+err.Error())
		return
	}

	done := s.enter()
	defer done()
	q, fault := s.record(workspace, body)
	status, rows := s.answer(w, r, body, fault)
	s.finish(q, status, rows)
}

// enter counts a query in flight, for MaxConcurrentQueries.
func (s *Server) enter() func() {
	s.mu.Lock()
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}
}

// record parses what it can of the query for Queries and picks the fault that
// answers it, if any.
func (s *Server) record(workspace string, body requestBody) (int, *Fault) {
	q := Query{At: s.opts.Now(), Workspace: workspace, Text: body.Query, Timespan: body.Timespan}
	if parsed, err := parseQuery(body.Query); err != nil {
		q.ParseError = err.Error()
	} else {
		if c, ok := parsed.keyCondition(); ok {
			q.KeyColumn, q.Keys = c.Column, c.Values
		}
		q.From, q.To, _ = parsed.window()
		q.IngestedFrom, q.IngestedTo, _ = parsed.ingestionRange()
		q.Take = parsed.Take
		for _, c := range parsed.Conditions {
			if c.Kind == conditionIn && c.Column == "Category" {
				q.Categories = c.Values
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries = append(s.queries, q)
	var fault *Fault
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		fault = &f
	} else if s.sticky != nil {
		f := *s.sticky
		fault = &f
	}
	return len(s.queries) - 1, fault
}

func (s *Server) finish(index, status, rows int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries[index].Status = status
	s.queries[index].Rows = rows
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, body requestBody, fault *Fault) (status, rows int) {
	if fault != nil {
		switch {
		case fault.Hang:
			select {
			case <-r.Context().Done():
			case <-s.closing:
			}
			return 0, 0
		case fault.NoContent:
			w.WriteHeader(http.StatusNoContent)
			return http.StatusNoContent, 0
		case fault.Status != 0:
			if fault.RetryAfter > 0 {
				w.Header().Set("Retry-After", fmt.Sprint(int(fault.RetryAfter.Round(time.Second)/time.Second)))
			}
			s.writeError(w, fault.Status, fault.Code, fault.Message)
			return fault.Status, 0
		}
	}

	parsed, err := parseQuery(body.Query)
	if err != nil {
		var syn *syntaxError
		pos := 0
		if errors.As(err, &syn) {
			pos = syn.pos
		}
		s.writeErrorBody(w, http.StatusBadRequest, errorObject{
			Message: "The request had some invalid properties",
			Code:    "BadArgumentError",
			InnerError: &innerError{
				Code:       "SyntaxError",
				Message:    "A recognition error occurred in the query.",
				InnerError: &innerError{Code: "SYN0002", Message: err.Error(), Line: 1, Pos: pos},
			},
		})
		return http.StatusBadRequest, 0
	}
	result, err := s.evaluate(parsed, body.Timespan)
	if err != nil {
		s.writeErrorBody(w, http.StatusBadRequest, errorObject{
			Message:    "The request had some invalid properties",
			Code:       "BadArgumentError",
			InnerError: &innerError{Code: "SemanticError", Message: err.Error()},
		})
		return http.StatusBadRequest, 0
	}

	out := answer{Tables: []table{result}}
	if fault != nil && fault.Partial {
		out.Tables[0].Rows = out.Tables[0].Rows[:min(len(out.Tables[0].Rows), max(fault.PartialRows, 0))]
		out.Error = partialErrorObject()
	}
	payload, err := json.Marshal(out)
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "", err.Error())
		return http.StatusInternalServerError, 0
	}
	if fault != nil && fault.Malformed {
		payload = payload[:len(payload)/2]
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Access-Control-Expose-Headers", "Retry-After,Age,WWW-Authenticate,x-resource-identities,x-ms-status-location")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(payload)
	return http.StatusOK, len(out.Tables[0].Rows)
}

// evaluate runs a parsed query over the visible rows.
func (s *Server) evaluate(q *parsedQuery, timespan string) (table, error) {
	if q.Table != "AzureDiagnostics" {
		return table{}, fmt.Errorf("'%s' could not be resolved: the fake holds only AzureDiagnostics", q.Table)
	}
	projections := q.Project
	if projections == nil {
		projections = s.schema.allColumns()
	}
	out := table{Name: "PrimaryResult", Rows: [][]any{}}
	for _, p := range projections {
		c, ok := s.schema.column(p.Source)
		switch {
		case p.Source == q.IngestionColumn && !p.IfExists:
			out.Columns = append(out.Columns, column{Name: p.Name, Type: columnDatetime})
		case ok:
			out.Columns = append(out.Columns, column{Name: p.Name, Type: c.typ})
		case p.IfExists:
			out.Columns = append(out.Columns, column{Name: p.Name, Type: p.DefaultType})
		default:
			return table{}, fmt.Errorf("Failed to resolve scalar expression named '%s'", p.Source)
		}
	}
	for _, c := range q.Conditions {
		if _, ok := s.schema.column(c.Column); !ok && c.Column != q.IngestionColumn {
			return table{}, fmt.Errorf("Failed to resolve scalar expression named '%s'", c.Column)
		}
	}
	if q.SortBy != "" && q.SortBy != q.IngestionColumn && q.SortBy != "TimeGenerated" {
		return table{}, fmt.Errorf("the fake sorts by TimeGenerated or an ingestion_time() column, not '%s'", q.SortBy)
	}
	spanFrom, spanTo, hasSpan := parseTimespan(timespan)

	now := s.opts.Now()
	s.mu.Lock()
	candidates := s.rows
	if c, ok := q.keyCondition(); ok && c.Column == "CorrelationId" {
		candidates = nil
		for _, key := range c.Values {
			candidates = append(candidates, s.byKey[strings.ToLower(key)]...)
		}
	} else if from, to, ok := q.ingestionRange(); ok && to.Sub(from) <= maxBucketedRange {
		candidates = nil
		for second := from.Unix(); second <= to.Unix(); second++ {
			candidates = append(candidates, s.byIngestion[second]...)
		}
	}
	candidates = append([]*Row(nil), candidates...)
	s.mu.Unlock()

	var matched []*Row
	for _, r := range candidates {
		if !r.AvailableAt.IsZero() && now.Before(r.AvailableAt) {
			continue
		}
		if hasSpan && (r.TimeGenerated.Before(spanFrom) || r.TimeGenerated.After(spanTo)) {
			continue
		}
		ok, err := q.matches(r, &s.schema)
		if err != nil {
			return table{}, err
		}
		if ok {
			matched = append(matched, r)
		}
	}
	if q.SortBy != "" {
		slices.SortStableFunc(matched, func(a, b *Row) int {
			x, _ := q.cell(a, &s.schema, q.SortBy)
			y, _ := q.cell(b, &s.schema, q.SortBy)
			c := x.(time.Time).Compare(y.(time.Time))
			if q.SortDesc {
				return -c
			}
			return c
		})
	}
	if q.Take > 0 && len(matched) > q.Take {
		matched = matched[:q.Take]
	}
	for _, r := range matched {
		cells := make([]any, len(projections))
		for i, p := range projections {
			v, exists := q.cell(r, &s.schema, p.Source)
			if !exists {
				v = p.Default
			}
			cells[i] = encodeCell(out.Columns[i].Type, v)
		}
		out.Rows = append(out.Rows, cells)
	}
	return out, nil
}

// maxBucketedRange is the longest ingestion range read bucket by bucket;
// a longer one reads every row.
const maxBucketedRange = 7 * 24 * time.Hour

// parseTimespan reads the body's start/end form; the API intersects it with
// the query's own time filter.
func parseTimespan(s string) (from, to time.Time, ok bool) {
	start, end, found := strings.Cut(s, "/")
	if !found {
		return time.Time{}, time.Time{}, false
	}
	from, err1 := time.Parse(time.RFC3339Nano, start)
	to, err2 := time.Parse(time.RFC3339Nano, end)
	return from, to, err1 == nil && err2 == nil
}

func (s *Server) writeError(w http.ResponseWriter, status int, code, message string) {
	defCode, defMessage := defaultErrorCode(status)
	if code == "" {
		code = defCode
	}
	if message == "" {
		message = defMessage
	}
	s.writeErrorBody(w, status, errorObject{Code: code, Message: message})
}

func (s *Server) writeErrorBody(w http.ResponseWriter, status int, e errorObject) {
	s.mu.Lock()
	s.answered++
	e.CorrelationID = fmt.Sprintf("00000000-0000-4000-8000-%012d", s.answered)
	s.mu.Unlock()
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(errorBody{Error: e})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
