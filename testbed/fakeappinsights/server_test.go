package fakeappinsights

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dependency is an envelope as the azure_monitor exporter writes a CLIENT span.
func dependency(spanID, recordID string) string {
	return `{"name":"Microsoft.ApplicationInsights.RemoteDependency","time":"2026-01-01T00:00:00Z","iKey":"k",` +
		`"tags":{"ai.operation.id":"0af7651916cd43dd8448eb211c80319c"},"data":{"baseType":"RemoteDependencyData",` +
		`"baseData":{"ver":2,"id":"` + spanID + `","name":"chat","properties":{"ai_gateway.record.id":"` + recordID + `"}}}}`
}

const metric = `{"name":"Microsoft.ApplicationInsights.Metric","time":"2026-01-01T00:00:00Z","iKey":"k","data":{"baseType":"MetricData","baseData":{"ver":2,"metrics":[{"name":"m","value":1}]}}}`

func post(t *testing.T, s *Server, lines ...string) (*http.Response, error) {
	t.Helper()
	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	for _, l := range lines {
		_, _ = zw.Write([]byte(l + "\n"))
	}
	require.NoError(t, zw.Close())
	req, err := http.NewRequest(http.MethodPost, s.URL()+"v2.1/track", &body)
	require.NoError(t, err)
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Content-Type", "application/x-json-stream")
	req.Header.Set("Authorization", "Bearer token-1")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

func startServer(t *testing.T) *Server {
	t.Helper()
	s, err := Start(Options{Bearer: "token-1", LabelProperty: "ai_gateway.record.id"})
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func TestStoresEachSpanAndAnswersAsBreeze(t *testing.T) {
	s := startServer(t)
	resp, err := post(t, s, dependency("b7ad6b7169203331", "r1"), metric, dependency("0102030405060708", "r2"))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var answer struct{ ItemsReceived, ItemsAccepted int }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&answer))
	assert.Equal(t, 3, answer.ItemsReceived)
	assert.Equal(t, 3, answer.ItemsAccepted)

	_, err = post(t, s, dependency("b7ad6b7169203331", "r1"))
	require.NoError(t, err)
	spans := s.Spans()
	require.Len(t, spans, 2)
	assert.Equal(t, 2, spans["b7ad6b7169203331"].Count, "a span sent twice is a duplicate")
	assert.Equal(t, "r1", spans["b7ad6b7169203331"].Label)
	assert.Equal(t, 1, spans["0102030405060708"].Count)
	counts, _ := s.Counts()
	assert.Equal(t, Counts{Accepted: 2, Envelopes: 4}, counts)
}

func TestRejectsWhatBreezeWouldNot(t *testing.T) {
	s := startServer(t)
	resp, err := post(t, s, `{"name":"x"`)
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, err = post(t, s, `{"name":"x","data":{"baseType":"RemoteDependencyData","baseData":{}}}`)
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	_, reason := s.Counts()
	assert.Contains(t, reason, "without baseData.id")

	req, err := http.NewRequest(http.MethodPost, s.URL()+"v2.1/track", bytes.NewReader([]byte(metric)))
	require.NoError(t, err)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "no bearer")
	assert.Empty(t, s.Spans())
}

func TestOutagesFailAsAnnouncedAndEnd(t *testing.T) {
	for _, tc := range []struct {
		outage     Outage
		status     int
		retryAfter bool
	}{
		{Unavailable, http.StatusServiceUnavailable, false},
		{UnavailableRetryAfter, http.StatusServiceUnavailable, true},
		{BadGateway, http.StatusBadGateway, false},
	} {
		t.Run(tc.outage.String(), func(t *testing.T) {
			s := startServer(t)
			require.NoError(t, s.Down(tc.outage, time.Minute))
			resp, err := post(t, s, dependency("b7ad6b7169203331", "r1"))
			require.NoError(t, err)
			assert.Equal(t, tc.status, resp.StatusCode)
			if tc.retryAfter {
				at, err := time.Parse(time.RFC1123, resp.Header.Get("Retry-After"))
				require.NoError(t, err, "the SDK reads Retry-After as RFC 1123")
				assert.WithinDuration(t, time.Now().Add(time.Minute), at, 2*time.Second)
			} else {
				assert.Empty(t, resp.Header.Get("Retry-After"))
			}
			assert.Empty(t, s.Spans(), "nothing stored while down")
			require.NoError(t, s.Up())
			resp, err = post(t, s, dependency("b7ad6b7169203331", "r1"))
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Len(t, s.Spans(), 1)
			counts, _ := s.Counts()
			assert.Equal(t, 1, counts.Failed)
		})
	}
}

func TestRefusedClosesThePortAndReopensIt(t *testing.T) {
	s := startServer(t)
	require.NoError(t, s.Down(Refused, time.Minute))
	_, err := post(t, s, dependency("b7ad6b7169203331", "r1"))
	require.Error(t, err, "connection refused")
	require.NoError(t, s.Up())
	resp, err := post(t, s, dependency("b7ad6b7169203331", "r1"))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.Len(t, s.Spans(), 1)
}
