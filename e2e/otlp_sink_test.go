//go:build e2e

package e2e

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// otlpTraceSink is an OTLP/HTTP endpoint on localhost that keeps the spans it
// is sent, in arrival order: the Grafana example's Tempo, for a test.
type otlpTraceSink struct {
	srv *httptest.Server

	mu    sync.Mutex
	spans []ptrace.Span
	errs  []string
}

func newOTLPTraceSink(t *testing.T) *otlpTraceSink {
	t.Helper()
	s := &otlpTraceSink{}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the endpoint an otlp_http exporter takes (it appends /v1/traces).
func (s *otlpTraceSink) URL() string { return s.srv.URL }

func (s *otlpTraceSink) serveHTTP(w http.ResponseWriter, r *http.Request) {
	traces, err := decodeOTLPTraces(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errs = append(s.errs, err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for _, rs := range traces.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, span := range ss.Spans().All() {
				s.spans = append(s.spans, span)
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

func decodeOTLPTraces(r *http.Request) (ptrace.Traces, error) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			return ptrace.Traces{}, err
		}
		body = gz
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		return ptrace.Traces{}, err
	}
	return (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(raw)
}

// Spans returns the spans received so far, and the decoding errors if any.
func (s *otlpTraceSink) Spans() ([]ptrace.Span, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ptrace.Span(nil), s.spans...), append([]string(nil), s.errs...)
}
