package aigatewayreceiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver/internal/metadata"
)

// startReceiver runs the real receiver on localhost:0 and returns its URL.
func startReceiver(t testing.TB, cfg *Config, set receiver.Settings, next consumer.Traces) string {
	t.Helper()
	cfg.ServerConfig.NetAddr.Endpoint = "localhost:0"
	rcv, err := NewFactory().CreateTraces(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	return "http://" + rcv.(*gatewayReceiver).endpoint + cfg.Path
}

func defaultConfig() *Config {
	return createDefaultConfig().(*Config)
}

type answer struct {
	status      int
	body        string
	retryAfter  string
	allow       string
	contentType string
}

func (a answer) decoded(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(a.body), &m), a.body)
	return m
}

func send(t testing.TB, method, url, contentType string, body []byte, headers ...string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, bytes.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{
		status: resp.StatusCode, body: string(raw), retryAfter: resp.Header.Get("Retry-After"),
		allow: resp.Header.Get("Allow"), contentType: resp.Header.Get("Content-Type"),
	}
}

func post(t testing.TB, url, contentType, body string) answer {
	t.Helper()
	return send(t, http.MethodPost, url, contentType, []byte(body))
}

const goodRecord = `{"id":"r-good","start_time":"2026-11-20T09:14:03.120Z","duration_ms":5,` +
	`"request":{"method":"POST","url":"https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21"},` +
	`"response":{"status":200}}`

func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestAcceptsJSONArrayAndNDJSON(t *testing.T) {
	sink := new(consumertest.TracesSink)
	url := startReceiver(t, defaultConfig(), receivertest.NewNopSettings(metadata.Type), sink)

	a := post(t, url, "application/json", goodRecord)
	assert.Equal(t, http.StatusOK, a.status)
	assert.JSONEq(t, `{"accepted":1,"rejected":0}`, a.body)
	assert.Equal(t, "application/json", a.contentType)

	a = post(t, url, "application/json; charset=utf-8", "["+goodRecord+","+goodRecord+"]")
	assert.JSONEq(t, `{"accepted":2,"rejected":0}`, a.body)

	a = post(t, url, "application/x-ndjson", goodRecord+"\n\n"+goodRecord+"\n")
	assert.JSONEq(t, `{"accepted":2,"rejected":0}`, a.body)
	a = post(t, url, "application/jsonl", goodRecord)
	assert.JSONEq(t, `{"accepted":1,"rejected":0}`, a.body)

	a = send(t, http.MethodPost, url, "application/json", gzipped(t, []byte(goodRecord)), "Content-Encoding", "gzip")
	assert.JSONEq(t, `{"accepted":1,"rejected":0}`, a.body)

	assert.Equal(t, 7, sink.SpanCount())
}

func TestRejectsBadInput(t *testing.T) {
	cfg := defaultConfig()
	cfg.ServerConfig.MaxRequestBodySize = 64 << 10
	sink := new(consumertest.TracesSink)
	url := startReceiver(t, cfg, receivertest.NewNopSettings(metadata.Type), sink)

	bomb := func() []byte {
		// 1 GiB of zeros in about 1 MiB: 1024 gzip members of 1 MiB each (a
		// gzip reader reads concatenated members as one stream). The limit
		// must stop it after 64 KiB of decompressed bytes.
		member := gzipped(t, make([]byte, 1<<20))
		return bytes.Repeat(member, 1024)
	}()
	tests := []struct {
		name        string
		method      string
		contentType string
		body        []byte
		headers     []string
		status      int
		message     string
	}{
		{name: "not JSON", body: []byte("hello"), status: 400, message: "body is not valid JSON: invalid value at offset 0"},
		{name: "empty body", body: nil, status: 400, message: "body holds no record"},
		{name: "empty array", body: []byte("[]"), status: 400, message: "body holds no record"},
		{name: "wrong types", body: []byte(`{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://h/p"},"response":{"status":"200"}}`), status: 400, message: "record 0: response.status: must be an integer 100-599"},
		{name: "missing start_time", body: []byte(`{"duration_ms":1,"request":{"method":"POST","url":"https://h/p"},"response":{"status":200}}`), status: 400, message: "record 0: start_time: required"},
		{name: "missing request.url", body: []byte(`{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST"},"response":{"status":200}}`), status: 400, message: "record 0: request.url: required"},
		{name: "missing response.status", body: []byte(`{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://h/p"},"response":{}}`), status: 400, message: "record 0: response.status: required unless error is set"},
		{name: "bad traceparent", body: []byte(`{"traceparent":"01-nope","start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://h/p"},"response":{"status":200}}`), status: 400, message: "record 0: traceparent: not a W3C traceparent"},
		{name: "unknown version", body: []byte(`{"version":2,"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://h/p"},"response":{"status":200}}`), status: 400, message: "record 0: version: version 2 is not supported; this receiver reads version 1"},
		{name: "invalid URL", body: []byte(`{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"contoso.openai.azure.com/openai"},"response":{"status":200}}`), status: 400, message: "record 0: request.url: must be an absolute URL such as https://host/path"},
		{name: "non-UTF-8 body without base64", body: []byte("{\"start_time\":\"2026-11-20T09:14:03Z\",\"duration_ms\":1,\"request\":{\"method\":\"POST\",\"url\":\"https://h/p\",\"body\":\"\xfe\xff\"},\"response\":{\"status\":200}}"), status: 400, message: "record 0: request.body: not valid UTF-8; send bytes that are not text as body_base64"},
		{name: "huge header count", body: []byte(`{"start_time":"2026-11-20T09:14:03Z","duration_ms":1,"request":{"method":"POST","url":"https://h/p"},"response":{"status":200,"headers":{` + manyHeaders(300) + `}}}`), status: 400, message: "record 0: response.headers: more than 256 headers"},
		{name: "body over the limit", body: []byte("[" + strings.Repeat(goodRecord+",", 600) + goodRecord + "]"), status: 413, message: "body larger than max_request_body_size (65536 bytes, after decompression)"},
		{name: "gzip bomb", body: bomb, headers: []string{"Content-Encoding", "gzip"}, status: 413, message: "body larger than max_request_body_size"},
		{name: "broken gzip", body: []byte("not gzip"), headers: []string{"Content-Encoding", "gzip"}, status: 400, message: "gzip"},
		{name: "unknown content encoding", body: []byte(goodRecord), headers: []string{"Content-Encoding", "br2"}, status: 415, message: "unsupported Content-Encoding: br2"},
		{name: "wrong content type", contentType: "text/plain", body: []byte(goodRecord), status: 415, message: "Content-Type must be application/json, application/x-ndjson or application/jsonl"},
		{name: "missing content type", contentType: "-", body: []byte(goodRecord), status: 415, message: "Content-Type is missing"},
		{name: "wrong charset", contentType: "application/json; charset=latin1", body: []byte(goodRecord), status: 415, message: "charset must be utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			contentType := tt.contentType
			switch contentType {
			case "":
				contentType = "application/json"
			case "-":
				contentType = ""
			}
			before := sink.SpanCount()
			start := time.Now()
			a := send(t, http.MethodPost, url, contentType, tt.body, tt.headers...)
			assert.Equal(t, tt.status, a.status, a.body)
			assert.Equal(t, "application/json", a.contentType)
			assert.Contains(t, a.decoded(t)["error"], tt.message)
			assert.Equal(t, before, sink.SpanCount(), "nothing forwarded")
			assert.Less(t, time.Since(start), 10*time.Second)
		})
	}

	t.Run("wrong method", func(t *testing.T) {
		for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			a := send(t, method, url, "application/json", nil)
			assert.Equal(t, http.StatusMethodNotAllowed, a.status)
			assert.Equal(t, "POST", a.allow)
		}
	})

	t.Run("good and bad records", func(t *testing.T) {
		sink.Reset()
		body := "[" + goodRecord + `,{"start_time":"yesterday"},` + goodRecord + `,7]`
		a := post(t, url, "application/json", body)
		require.Equal(t, http.StatusOK, a.status)
		assert.JSONEq(t, `{"accepted":2,"rejected":2,"errors":[`+
			`{"index":1,"message":"record 1: start_time: must be an RFC 3339 time such as 2026-11-20T09:14:03.120Z"},`+
			`{"index":3,"message":"record 3: must be a JSON object"}]}`, a.body)
		assert.Equal(t, 2, sink.SpanCount(), "the good ones are forwarded")

		sink.Reset()
		a = post(t, url, "application/x-ndjson", goodRecord+"\n{broken\n"+goodRecord+"\n")
		require.Equal(t, http.StatusOK, a.status)
		assert.Equal(t, float64(1), a.decoded(t)["rejected"])
		assert.Equal(t, 2, sink.SpanCount())
	})
}

func manyHeaders(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"x-h-` + itoa(int64(i)) + `":"v"`)
	}
	return b.String()
}

// blockingConsumer holds ConsumeTraces until released, to test Shutdown
// with requests in flight.
type blockingConsumer struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (c *blockingConsumer) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (c *blockingConsumer) ConsumeTraces(context.Context, ptrace.Traces) error {
	c.once.Do(func() { close(c.entered) })
	<-c.release
	return nil
}

func TestShutdownWaitsForRequestsInFlight(t *testing.T) {
	next := &blockingConsumer{entered: make(chan struct{}), release: make(chan struct{})}
	cfg := defaultConfig()
	cfg.ServerConfig.NetAddr.Endpoint = "localhost:0"
	rcv, err := NewFactory().CreateTraces(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, next)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	url := "http://" + rcv.(*gatewayReceiver).endpoint + cfg.Path

	done := make(chan answer)
	go func() { done <- post(t, url, "application/json", goodRecord) }()
	<-next.entered
	shutdownDone := make(chan error)
	go func() { shutdownDone <- rcv.Shutdown(context.Background()) }()
	select {
	case <-shutdownDone:
		t.Fatal("Shutdown returned with a request in flight")
	case <-time.After(100 * time.Millisecond):
	}
	close(next.release)
	assert.Equal(t, http.StatusOK, (<-done).status)
	require.NoError(t, <-shutdownDone)
}
