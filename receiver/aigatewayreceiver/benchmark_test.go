package aigatewayreceiver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
	"github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver/internal/metadata"
)

// BenchmarkHTTPSequential posts one record per request to the ai_gateway
// receiver, and the same content as one OTLP/HTTP JSON span (the span this
// receiver makes of the record: same attributes, same bodies) to core's otlp
// receiver, sequentially like core's otlp benchmarks, in the same run:
//
//	go test -run '^$' -bench HTTPSequential -benchmem ./receiver/aigatewayreceiver/
func BenchmarkHTTPSequential(b *testing.B) {
	records := map[string][]byte{
		"3KB":         benchRecord(b, "01-chat-search-sweden.json", 0),
		"30KB-stream": benchRecord(b, "03-chat-stream-with-usage.json", 27<<10),
	}
	for _, size := range []string{"3KB", "30KB-stream"} {
		record := records[size]
		b.Run("ai_gateway/"+size, func(b *testing.B) {
			sink := new(consumertest.TracesSink)
			endpoint := startReceiver(b, defaultConfig(), receivertest.NewNopSettings(metadata.Type), sink)
			benchPost(b, endpoint, "application/json", record)
			require.Equal(b, b.N, sink.SpanCount())
		})
		b.Run("otlp/"+size, func(b *testing.B) {
			res, err := exchange.NewDecoder(exchange.Options{ScopeName: metadata.ScopeName}).Decode(record, exchange.FormatJSON)
			require.NoError(b, err)
			body, err := (&ptrace.JSONMarshaler{}).MarshalTraces(res.Traces)
			require.NoError(b, err)
			sink := new(consumertest.TracesSink)
			endpoint := startOTLPReceiver(b, sink)
			benchPost(b, endpoint, "application/json", body)
			require.Equal(b, b.N, sink.SpanCount())
		})
	}
}

func benchPost(b *testing.B, endpoint, contentType string, body []byte) {
	b.Helper()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	reader := bytes.NewReader(body)
	req, err := http.NewRequest(http.MethodPost, endpoint, reader)
	require.NoError(b, err)
	req.Header.Set("Content-Type", contentType)
	for b.Loop() {
		reader.Reset(body)
		req.Body = io.NopCloser(reader)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func startOTLPReceiver(b *testing.B, sink *consumertest.TracesSink) string {
	b.Helper()
	listener, err := net.Listen("tcp", "localhost:0")
	require.NoError(b, err)
	endpoint := listener.Addr().String()
	require.NoError(b, listener.Close())

	factory := otlpreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig().(*otlpreceiver.Config)
	cfg.Protocols.HTTP.GetOrInsertDefault().ServerConfig.NetAddr.Endpoint = endpoint
	rcv, err := factory.CreateTraces(context.Background(), receivertest.NewNopSettings(factory.Type()), cfg, sink)
	require.NoError(b, err)
	require.NoError(b, rcv.Start(context.Background(), componenttest.NewNopHost()))
	b.Cleanup(func() { require.NoError(b, rcv.Shutdown(context.Background())) })
	return "http://" + endpoint + "/v1/traces"
}

// benchRecord turns an example record into the compact form a gateway
// posts, with bodies as JSON strings (as APIM's Body.As<string>() gives
// them). With streamSize, the SSE body is grown to that size by repeating
// its content events.
func benchRecord(b *testing.B, example string, streamSize int) []byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "records", example))
	require.NoError(b, err)
	var rec map[string]any
	require.NoError(b, json.Unmarshal(data, &rec))
	for _, side := range []string{"request", "response"} {
		msg := rec[side].(map[string]any)
		if body, ok := msg["body"]; ok {
			if _, isString := body.(string); !isString {
				text, err := json.Marshal(body)
				require.NoError(b, err)
				msg["body"] = string(text)
			}
		}
	}
	if streamSize > 0 {
		resp := rec["response"].(map[string]any)
		events := strings.SplitAfter(resp["body"].(string), "\n\n")
		require.Greater(b, len(events), 4)
		head, middle, tail := events[:2], events[2:len(events)-3], events[len(events)-3:]
		body := strings.Join(head, "")
		for i := 0; len(body) < streamSize; i++ {
			body += middle[i%len(middle)]
		}
		resp["body"] = body + strings.Join(tail, "")
	}
	out, err := json.Marshal(rec)
	require.NoError(b, err)
	return out
}
