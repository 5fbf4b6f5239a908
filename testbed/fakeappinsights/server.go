package fakeappinsights

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configure a Server.
type Options struct {
	// Bearer, when set, is the token every request must carry as
	// "Authorization: Bearer <token>" (an Application Insights resource with
	// local authentication disabled); others get 401.
	Bearer string
	// LabelProperty names the span property (customDimensions key) whose
	// value each Arrival keeps, e.g. ai_gateway.record.id.
	LabelProperty string
}

// Arrival is what the endpoint stored of one span.
type Arrival struct {
	// Label is the span's LabelProperty value.
	Label string
	// First and Last are when its envelope was accepted first and last.
	First, Last time.Time
	// Count is how often it was accepted: more than once is a duplicate.
	Count int
}

// Counts are the endpoint's request figures.
type Counts struct {
	// Accepted requests and the envelopes in them (spans and others).
	Accepted, Envelopes int
	// Failed are requests answered with the outage's status.
	Failed int
	// Rejected are requests the fake could not read (400) or that lacked the bearer (401).
	Rejected int
}

// Server is the fake ingestion endpoint on a loopback port.
type Server struct {
	opts Options
	addr string

	mu      sync.Mutex
	srv     *http.Server // nil while Refused
	outage  Outage       // 0 while up
	until   time.Time    // the outage's announced end (Retry-After)
	spans   map[string]*Arrival
	counts  Counts
	lastErr string
}

// Start listens on a free loopback port.
func Start(opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, addr: ln.Addr().String(), spans: map[string]*Arrival{}}
	s.serve(ln)
	return s, nil
}

// URL is the endpoint's base URL (the connection string's IngestionEndpoint).
func (s *Server) URL() string { return "http://" + s.addr + "/" }

// ConnectionString is an Application Insights connection string pointing at
// the fake.
func (s *Server) ConnectionString() string {
	return "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=" + s.URL()
}

func (s *Server) serve(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2.1/track", s.track)
	mux.HandleFunc("POST /v2/track", s.track)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.srv = srv
	go func() { _ = srv.Serve(ln) }()
}

// Down fails the endpoint the way outage says until Up; d is the outage's
// announced length (the Retry-After of UnavailableRetryAfter).
func (s *Server) Down(outage Outage, d time.Duration) error {
	s.mu.Lock()
	if s.outage != 0 {
		s.mu.Unlock()
		return errors.New("fakeappinsights: already down")
	}
	s.outage, s.until = outage, time.Now().Add(d)
	srv := s.srv
	if outage == Refused {
		s.srv = nil
	}
	s.mu.Unlock()
	if outage != Refused {
		return nil
	}
	// The listener closes and new connections are refused. A request already
	// being served finishes and gets its answer: cutting its connection after
	// the envelopes were counted would make the exporter send them again, a
	// duplicate of the fake's making, not the exporter's.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return errors.Join(err, srv.Close())
	}
	return nil
}

// Up ends the outage: with Refused, the same port listens again.
func (s *Server) Up() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outage == Refused {
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			return fmt.Errorf("fakeappinsights: listening on %s again: %w", s.addr, err)
		}
		s.serve(ln)
	}
	s.outage = 0
	return nil
}

// Close stops the endpoint.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		_ = s.srv.Close()
		s.srv = nil
	}
}

// Spans returns a copy of the spans stored so far, by span id (hex).
func (s *Server) Spans() map[string]Arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Arrival, len(s.spans))
	for id, a := range s.spans {
		out[id] = *a
	}
	return out
}

// Counts returns the request figures so far, and the last reason a request
// was rejected.
func (s *Server) Counts() (Counts, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts, s.lastErr
}

func (s *Server) track(w http.ResponseWriter, r *http.Request) {
	if s.failing(w) {
		return
	}
	if s.opts.Bearer != "" && r.Header.Get("Authorization") != "Bearer "+s.opts.Bearer {
		s.reject(w, http.StatusUnauthorized, "missing or wrong bearer token")
		return
	}
	envelopes, err := decodeEnvelopes(r.Body, strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip"))
	if err != nil {
		s.reject(w, http.StatusBadRequest, err.Error())
		return
	}
	now := time.Now()
	s.mu.Lock()
	s.counts.Accepted++
	s.counts.Envelopes += len(envelopes)
	for _, e := range envelopes {
		if !spanBaseTypes[e.Data.BaseType] {
			continue
		}
		a := s.spans[e.Data.BaseData.ID]
		if a == nil {
			a = &Arrival{Label: e.Data.BaseData.Properties[s.opts.LabelProperty], First: now}
			s.spans[e.Data.BaseData.ID] = a
		}
		a.Last = now
		a.Count++
	}
	s.mu.Unlock()
	// The answer Breeze gives: every item received and accepted.
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"itemsReceived": len(envelopes), "itemsAccepted": len(envelopes), "errors": []any{},
	})
}

// failing answers with the outage's status while the endpoint is down.
func (s *Server) failing(w http.ResponseWriter) bool {
	s.mu.Lock()
	outage, until := s.outage, s.until
	if outage != 0 {
		s.counts.Failed++
	}
	s.mu.Unlock()
	switch outage {
	case Unavailable:
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
	case UnavailableRetryAfter:
		w.Header().Set("Retry-After", until.UTC().Format(http.TimeFormat))
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
	case BadGateway:
		http.Error(w, "bad gateway", http.StatusBadGateway)
	case Refused:
		// A request accepted just before the listener closed.
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
	default:
		return false
	}
	return true
}

func (s *Server) reject(w http.ResponseWriter, status int, reason string) {
	s.mu.Lock()
	s.counts.Rejected++
	s.lastErr = reason
	s.mu.Unlock()
	http.Error(w, reason, status)
}
