package replay

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitRecords(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr string
	}{
		{name: "object", in: `{"a": 1}`, want: []string{`{"a":1}`}},
		{name: "pretty object", in: "{\n  \"a\": 1,\n  \"b\": [1, 2]\n}\n", want: []string{`{"a":1,"b":[1,2]}`}},
		{name: "array", in: `[{"a":1}, {"b":2}]`, want: []string{`{"a":1}`, `{"b":2}`}},
		{name: "ndjson with blank lines", in: "{\"a\":1}\n\n{\"b\":2}\n", want: []string{`{"a":1}`, `{"b":2}`}},
		{name: "empty", in: "  \n", want: nil},
		{name: "bad ndjson line", in: "{\"a\":1}\n{\"b\":\n", wantErr: "line 2"},
		{name: "array of non-objects", in: `[1]`, wantErr: "record 0: a record must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SplitRecords([]byte(tt.in))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			var gotS []string
			for _, g := range got {
				gotS = append(gotS, string(g))
			}
			assert.Equal(t, tt.want, gotS)
		})
	}
}

func TestLoadRecordsWalksFolder(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.ndjson"), []byte("{\"n\":2}\n{\"n\":3}\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.json"), []byte(`{"n":1}`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a record"), 0o600))
	got, err := LoadRecords(dir)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, `{"n":1}`, string(got[0]), "files in name order")

	_, err = LoadRecords(t.TempDir())
	require.ErrorContains(t, err, "no records found")
}

// fakeReceiver answers like the ai_gateway receiver: it refuses the first
// `refuse` requests with 429 + Retry-After, then accepts every record except
// those whose "n" is negative.
type fakeReceiver struct {
	refuse   atomic.Int64
	mu       sync.Mutex
	received []string
}

func (f *fakeReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.refuse.Add(-1) >= 0 {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":"pipeline refused the data"}`)
		return
	}
	var accepted, rejected int
	sc := bufio.NewScanner(r.Body)
	for sc.Scan() {
		var rec struct{ N int }
		if json.Unmarshal(sc.Bytes(), &rec) != nil || rec.N < 0 {
			rejected++
			continue
		}
		accepted++
		f.mu.Lock()
		f.received = append(f.received, sc.Text())
		f.mu.Unlock()
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"accepted": accepted, "rejected": rejected})
}

func TestRunRetriesAndCounts(t *testing.T) {
	fake := &fakeReceiver{}
	fake.refuse.Store(2)
	srv := httptest.NewServer(fake)
	defer srv.Close()

	records := [][]byte{[]byte(`{"n":1}`), []byte(`{"n":-1}`), []byte(`{"n":2}`)}
	s, err := Run(context.Background(), Options{
		URL: srv.URL, Records: records, Count: 6, Batch: 2, MaxRetries: 5,
		MaxBackoff: time.Millisecond, // Retry-After: 1 is capped so the test does not sleep
	})
	require.NoError(t, err)
	assert.Equal(t, int64(6), s.Sent)
	assert.Equal(t, int64(4), s.Accepted)
	assert.Equal(t, int64(2), s.Rejected)
	assert.Equal(t, int64(2), s.Retried)
	assert.Equal(t, int64(0), s.Failed)
	assert.Equal(t, int64(5), s.Requests, "3 batches + 2 refused attempts")
	assert.Equal(t, int64(2), s.Statuses[http.StatusTooManyRequests])
	assert.Len(t, fake.received, 4)
}

func TestRunGivesUpAfterMaxRetries(t *testing.T) {
	fake := &fakeReceiver{}
	fake.refuse.Store(100)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	s, err := Run(context.Background(), Options{
		URL: srv.URL, Records: [][]byte{[]byte(`{"n":1}`)}, MaxRetries: 3, MaxBackoff: time.Millisecond,
	})
	require.NoError(t, err)
	assert.Equal(t, int64(1), s.Failed)
	assert.Equal(t, int64(3), s.Retried)
	assert.Equal(t, int64(4), s.Requests)
}

func TestRunCountsRejectedRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnsupportedMediaType)
		_, _ = io.WriteString(w, `{"error":"unsupported content type"}`)
	}))
	defer srv.Close()
	s, err := Run(context.Background(), Options{URL: srv.URL, Records: [][]byte{[]byte(`{}`), []byte(`{}`)}, Batch: 2})
	require.NoError(t, err)
	assert.Equal(t, int64(2), s.Rejected)
	assert.Contains(t, s.LastError, "unsupported content type")
}

func TestRunPacesToRate(t *testing.T) {
	fake := &fakeReceiver{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	s, err := Run(context.Background(), Options{URL: srv.URL, Records: [][]byte{[]byte(`{"n":1}`)}, Count: 11, Rate: 100})
	require.NoError(t, err)
	assert.Equal(t, int64(11), s.Accepted)
	// 11 records at 100/s: the last is due 100 ms after the first.
	assert.GreaterOrEqual(t, s.Elapsed, 100*time.Millisecond)
}

func TestRunGzip(t *testing.T) {
	var encoding atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		encoding.Store(r.Header.Get("Content-Encoding"))
		_, _ = io.WriteString(w, `{"accepted":1,"rejected":0}`)
	}))
	defer srv.Close()
	s, err := Run(context.Background(), Options{URL: srv.URL, Records: [][]byte{[]byte(`{}`)}, Gzip: true})
	require.NoError(t, err)
	assert.Equal(t, int64(1), s.Accepted)
	assert.Equal(t, "gzip", encoding.Load())
}

func TestLatencyQuantiles(t *testing.T) {
	var h latencyHistogram
	for i := 1; i <= 100; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	within := func(want, got time.Duration) {
		t.Helper()
		assert.InEpsilon(t, float64(want), float64(got), 0.011, "want %s got %s", want, got)
	}
	within(50*time.Millisecond, h.quantile(0.5))
	within(99*time.Millisecond, h.quantile(0.99))
	assert.Equal(t, 100*time.Millisecond, h.quantile(1))
	assert.True(t, strings.HasPrefix((&Summary{}).String(), "sent 0 records"))
}

func TestRunOTLPJSONJoinsBatchesAndCountsPartialSuccess(t *testing.T) {
	var bodies []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(raw))
		mu.Unlock()
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		_, _ = io.WriteString(w, `{"partialSuccess":{"rejectedSpans":"1","errorMessage":"one span refused"}}`)
	}))
	defer srv.Close()
	records := [][]byte{
		[]byte(`{"resourceSpans":[{"a":1}]}`),
		[]byte(`{"resourceSpans":[{"b":2},{"c":3}]}`),
	}
	var outcomes []Outcome
	s, err := Run(context.Background(), Options{
		URL: srv.URL, Records: records, Batch: 2, Target: TargetOTLPJSON,
		OnOutcome: func(o Outcome) { outcomes = append(outcomes, o) },
	})
	require.NoError(t, err)
	require.Equal(t, []string{`{"resourceSpans":[{"a":1},{"b":2},{"c":3}]}`}, bodies)
	assert.Equal(t, int64(1), s.Accepted)
	assert.Equal(t, int64(1), s.Rejected)
	require.Len(t, outcomes, 1)
	assert.Equal(t, http.StatusOK, outcomes[0].Status)
	assert.Len(t, outcomes[0].Records, 2)

	// Records that are not resource-spans requests cannot be joined: the batch
	// fails without a request.
	s, err = Run(context.Background(), Options{URL: srv.URL, Records: [][]byte{[]byte(`{}`), []byte(`{}`)}, Batch: 2, Target: TargetOTLPJSON})
	require.NoError(t, err)
	assert.Equal(t, int64(2), s.Failed)
	assert.Zero(t, s.Requests)
	assert.Contains(t, s.LastError, "not an OTLP JSON traces request")
}

func TestRunRecordFunctionAndOutcomes(t *testing.T) {
	fake := &fakeReceiver{}
	fake.refuse.Store(1)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var mu sync.Mutex
	var outcomes []Outcome
	s, err := Run(context.Background(), Options{
		URL: srv.URL, Count: 4, Concurrency: 2, MaxRetries: 2, MaxBackoff: time.Millisecond,
		Record: func(n int) []byte { return []byte(`{"n":` + strings.Repeat("1", n+1) + `}`) },
		OnOutcome: func(o Outcome) {
			mu.Lock()
			outcomes = append(outcomes, o)
			mu.Unlock()
		},
	})
	require.NoError(t, err)
	assert.Equal(t, int64(4), s.Accepted)
	assert.Len(t, outcomes, 4, "one outcome per batch, none for the refused attempt")
	assert.ElementsMatch(t, []string{`{"n":1}`, `{"n":11}`, `{"n":111}`, `{"n":1111}`}, fake.received)

	_, err = Run(context.Background(), Options{URL: srv.URL, Record: func(int) []byte { return nil }})
	require.ErrorContains(t, err, "needs a Count")
}
