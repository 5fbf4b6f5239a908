package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/otelcol-aoai/otelcol-aoai/internal/summary"
)

// Attribute names the sink reads from exported spans.
const (
	recordIDAttribute   = "ai_gateway.record.id"
	diagStatusAttribute = "azure.openai.diagnostics.status"
)

// Sink is an OTLP/HTTP traces endpoint that counts what the collector's
// otlp_http exporter delivers. It can be stopped and started again on the
// same port, which is how an exporter's backend goes down and comes back.
type Sink struct {
	addr string
	// Track keeps one Arrival per record id (ai_gateway.record.id).
	track bool
	// keys counts spans per attribute key, to compare what two pipelines wrote.
	countKeys bool

	spans atomic.Int64

	mu       sync.Mutex
	arrivals map[string]*Arrival
	keys     map[string]int64
	srv      *http.Server
	stopped  chan struct{}
}

// Arrival is what reached the sink for one record id.
type Arrival struct {
	Count       int
	First, Last time.Time
	TraceID     pcommon.TraceID
	SpanID      pcommon.SpanID
	// IDsDiffer is set when copies of the record came with different span
	// ids: a duplicate no backend could recognise as one.
	IDsDiffer bool
	// Status is the last azure.openai.diagnostics.status seen.
	Status string
}

// NewSink makes a sink for addr (host:port); Start listens.
func NewSink(addr string, track, countKeys bool) *Sink {
	return &Sink{addr: addr, track: track, countKeys: countKeys, arrivals: map[string]*Arrival{}, keys: map[string]int64{}}
}

// Start listens on the sink's address.
func (s *Sink) Start() error {
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	stopped := make(chan struct{})
	s.mu.Lock()
	s.srv, s.stopped = srv, stopped
	s.mu.Unlock()
	go func() {
		_ = srv.Serve(l)
		close(stopped)
	}()
	return nil
}

// Stop closes the listener and every connection: the backend is gone.
func (s *Sink) Stop() {
	s.mu.Lock()
	srv, stopped := s.srv, s.stopped
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
		<-stopped
	}
}

// Spans is the number of spans received so far.
func (s *Sink) Spans() int64 { return s.spans.Load() }

// Reset forgets everything received.
func (s *Sink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spans.Store(0)
	s.arrivals = map[string]*Arrival{}
	s.keys = map[string]int64{}
}

// Arrivals returns a copy of the per-record arrivals.
func (s *Sink) Arrivals() map[string]Arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Arrival, len(s.arrivals))
	for k, v := range s.arrivals {
		out[k] = *v
	}
	return out
}

// KeyCounts returns, per attribute key, how many spans carried it.
func (s *Sink) KeyCounts() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int64, len(s.keys))
	for k, v := range s.keys {
		out[k] = v
	}
	return out
}

// WaitFor waits until at least n spans arrived, or timeout; it reports
// whether they did.
func (s *Sink) WaitFor(ctx context.Context, n int64, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for s.Spans() < n {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// WaitQuiet waits until no span arrived for quiet, or timeout.
func (s *Sink) WaitQuiet(ctx context.Context, quiet, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	last, lastChange := s.Spans(), time.Now()
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
		if n := s.Spans(); n != last {
			last, lastChange = n, time.Now()
		} else if time.Since(lastChange) >= quiet {
			return
		}
	}
}

func (s *Sink) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		defer gz.Close()
		body = gz
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := ptraceotlp.NewExportRequest()
	if r.Header.Get("Content-Type") == "application/json" {
		err = req.UnmarshalJSON(raw)
	} else {
		err = req.UnmarshalProto(raw)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.count(req.Traces())
	resp, _ := ptraceotlp.NewExportResponse().MarshalProto()
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(resp)
}

func (s *Sink) count(td ptrace.Traces) {
	n := int64(td.SpanCount())
	if !s.track && !s.countKeys {
		s.spans.Add(n)
		return
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for span := range summary.Spans([]ptrace.Traces{td}) {
		attrs := span.Attributes()
		if s.countKeys {
			for k := range attrs.All() {
				s.keys[k]++
			}
		}
		if !s.track {
			continue
		}
		id, ok := attrs.Get(recordIDAttribute)
		if !ok {
			continue
		}
		a := s.arrivals[id.Str()]
		if a == nil {
			a = &Arrival{First: now, TraceID: span.TraceID(), SpanID: span.SpanID()}
			s.arrivals[id.Str()] = a
		} else if a.TraceID != span.TraceID() || a.SpanID != span.SpanID() {
			a.IDsDiffer = true
		}
		a.Count++
		a.Last = now
		if st, ok := attrs.Get(diagStatusAttribute); ok {
			a.Status = st.Str()
		}
	}
	// Counted last, under the lock: a reader that saw n spans sees their arrivals.
	s.spans.Add(n)
}
