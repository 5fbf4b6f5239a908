//go:build e2e

package e2e

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/encoding/protowire"
)

// remoteWriteSample is one sample of one series, as Prometheus remote write
// (v1, prometheus.WriteRequest) carried it.
type remoteWriteSample struct {
	Labels    map[string]string // __name__ included
	Value     float64
	Timestamp int64 // ms
}

// remoteWriteServer is a Prometheus remote-write endpoint on localhost that
// keeps every sample it is sent, so a test can see what the real
// prometheus_remote_write exporter makes of the collector's metrics.
type remoteWriteServer struct {
	srv *httptest.Server

	mu      sync.Mutex
	samples []remoteWriteSample
	errs    []string
}

func newRemoteWriteServer(t *testing.T) *remoteWriteServer {
	t.Helper()
	s := &remoteWriteServer{}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the write endpoint.
func (s *remoteWriteServer) URL() string { return s.srv.URL + "/api/v1/write" }

func (s *remoteWriteServer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	samples, err := decodeRemoteWrite(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errs = append(s.errs, err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.samples = append(s.samples, samples...)
	w.WriteHeader(http.StatusNoContent)
}

// Samples returns every sample received, and the decoding errors if any.
func (s *remoteWriteServer) Samples() ([]remoteWriteSample, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]remoteWriteSample(nil), s.samples...), append([]string(nil), s.errs...)
}

func decodeRemoteWrite(r *http.Request) ([]remoteWriteSample, error) {
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("method %s", r.Method)
	}
	if got := r.Header.Get("Content-Encoding"); got != "snappy" {
		return nil, fmt.Errorf("Content-Encoding %q, want snappy", got)
	}
	if got := r.Header.Get("Content-Type"); !strings.HasPrefix(got, "application/x-protobuf") {
		return nil, fmt.Errorf("Content-Type %q", got)
	}
	compressed, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	body, err := snappy.Decode(nil, compressed)
	if err != nil {
		return nil, fmt.Errorf("snappy: %w", err)
	}
	return decodeWriteRequest(body)
}

// decodeWriteRequest reads prometheus.WriteRequest: field 1 holds the
// TimeSeries (labels = 1, samples = 2); metadata (3) is skipped.
func decodeWriteRequest(b []byte) ([]remoteWriteSample, error) {
	var out []remoteWriteSample
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num != 1 || typ != protowire.BytesType {
			return nil
		}
		labels := map[string]string{}
		var samples []remoteWriteSample
		err := eachField(v, func(num protowire.Number, typ protowire.Type, v []byte) error {
			switch {
			case num == 1 && typ == protowire.BytesType:
				name, value, err := decodeLabel(v)
				if err != nil {
					return err
				}
				labels[name] = value
			case num == 2 && typ == protowire.BytesType:
				s, err := decodeSample(v)
				if err != nil {
					return err
				}
				samples = append(samples, s)
			case num == 4 && typ == protowire.BytesType:
				return errors.New("native histogram sample: the exporter should send classic histograms here")
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, s := range samples {
			s.Labels = labels
			out = append(out, s)
		}
		return nil
	})
	return out, err
}

func decodeLabel(b []byte) (name, value string, err error) {
	err = eachField(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case 1:
			name = string(v)
		case 2:
			value = string(v)
		}
		return nil
	})
	return name, value, err
}

func decodeSample(b []byte) (remoteWriteSample, error) {
	var s remoteWriteSample
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return s, protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.Fixed64Type:
			v, n := protowire.ConsumeFixed64(b)
			if n < 0 {
				return s, protowire.ParseError(n)
			}
			s.Value = math.Float64frombits(v)
			b = b[n:]
		case num == 2 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return s, protowire.ParseError(n)
			}
			s.Timestamp = int64(v)
			b = b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return s, protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	return s, nil
}

// eachField calls fn with every length-delimited field of a message (other
// wire types are skipped and passed with a nil value).
func eachField(b []byte, fn func(protowire.Number, protowire.Type, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v []byte
		if typ == protowire.BytesType {
			v, n = protowire.ConsumeBytes(b)
		} else {
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, v); err != nil {
			return err
		}
	}
	return nil
}

// promSeries indexes remote-write samples by metric name and series.
type promSeries struct {
	// labels[metric] = every label name seen on that metric's series.
	labels map[string]map[string]bool
	// last[seriesKey] = the sample with the latest timestamp of a series.
	last map[string]remoteWriteSample
}

func indexSeries(samples []remoteWriteSample) promSeries {
	p := promSeries{labels: map[string]map[string]bool{}, last: map[string]remoteWriteSample{}}
	for _, s := range samples {
		name := s.Labels["__name__"]
		if p.labels[name] == nil {
			p.labels[name] = map[string]bool{}
		}
		for l := range s.Labels {
			p.labels[name][l] = true
		}
		key := seriesKey(s.Labels)
		if prev, ok := p.last[key]; !ok || s.Timestamp >= prev.Timestamp {
			p.last[key] = s
		}
	}
	return p
}

func seriesKey(labels map[string]string) string {
	var b strings.Builder
	for _, n := range slices.Sorted(maps.Keys(labels)) {
		fmt.Fprintf(&b, "%s=%q,", n, labels[n])
	}
	return b.String()
}

// sumLast adds up the latest value of every series of a metric whose labels
// include match.
func (p promSeries) sumLast(metric string, match map[string]string) (float64, int) {
	total, n := 0.0, 0
	for _, s := range p.last {
		if s.Labels["__name__"] != metric {
			continue
		}
		ok := true
		for k, v := range match {
			if s.Labels[k] != v {
				ok = false
			}
		}
		if ok {
			total += s.Value
			n++
		}
	}
	return total, n
}
