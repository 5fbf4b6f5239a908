package aigatewayencodingextension

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-aoai/otelcol-aoai/extension/aigatewayencodingextension/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/recordings"
)

// httpDoor is a running ai_gateway receiver: the other door, to compare with.
type httpDoor struct {
	url  string
	sink *consumertest.TracesSink
}

func startHTTPDoor(tb testing.TB) *httpDoor {
	sink := new(consumertest.TracesSink)
	door := startHTTPDoorTo(tb, sink)
	door.sink = sink
	return door
}

// startHTTPDoorTo starts the receiver with next as its pipeline.
func startHTTPDoorTo(tb testing.TB, next consumer.Traces) *httpDoor {
	tb.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	endpoint := listener.Addr().String()
	require.NoError(tb, listener.Close())

	factory := aigatewayreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig().(*aigatewayreceiver.Config)
	cfg.ServerConfig.NetAddr.Endpoint = endpoint
	door := &httpDoor{url: "http://" + endpoint + cfg.Path}
	rcv, err := factory.CreateTraces(context.Background(), receivertest.NewNopSettings(factory.Type()), cfg, next)
	require.NoError(tb, err)
	require.NoError(tb, rcv.Start(context.Background(), componenttest.NewNopHost()))
	tb.Cleanup(func() { require.NoError(tb, rcv.Shutdown(context.Background())) })
	return door
}

// post sends body as the gateway would and returns the spans the receiver
// forwarded for it.
func (d *httpDoor) post(tb testing.TB, contentType string, body []byte) ptrace.Traces {
	tb.Helper()
	d.sink.Reset()
	resp, err := http.Post(d.url, contentType, bytes.NewReader(body))
	require.NoError(tb, err)
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(tb, http.StatusOK, resp.StatusCode, string(answer))
	require.Len(tb, d.sink.AllTraces(), 1)
	return d.sink.AllTraces()[0]
}

// withoutScopeName checks that the spans name this extension as their scope,
// then blanks the name: it is the one thing that differs between the doors,
// by design (each component names itself).
func withoutScopeName(t *testing.T, td ptrace.Traces, want string) ptrace.Traces {
	t.Helper()
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			if want != "" {
				require.Equal(t, want, ss.Scope().Name())
			}
			ss.Scope().SetName("")
		}
	}
	return td
}

// TestRecordingsThroughBothDoors sends every recorded exchange through the
// ai_gateway receiver's HTTP endpoint and through this extension: the spans
// must be identical (ids, times, names, attributes, resources), one record
// at a time, all of them as one NDJSON message, and all as one JSON array.
func TestRecordingsThroughBothDoors(t *testing.T) {
	all, err := recordings.LoadAll()
	require.NoError(t, err)
	require.NotEmpty(t, all)
	door := startHTTPDoor(t)
	ext := newTestExtension(t, createDefaultConfig().(*Config), nil)

	compare := func(t *testing.T, contentType string, body []byte, wantSpans int) {
		fromHTTP := withoutScopeName(t, door.post(t, contentType, body), "")
		fromKafka, err := ext.UnmarshalTraces(body)
		require.NoError(t, err)
		fromKafka = withoutScopeName(t, fromKafka, metadata.ScopeName)
		require.Equal(t, wantSpans, fromKafka.SpanCount())
		require.NoError(t, ptracetest.CompareTraces(fromHTTP, fromKafka))
	}

	var ndjson, array bytes.Buffer
	array.WriteByte('[')
	for i, ex := range all {
		t.Run(ex.Name, func(t *testing.T) {
			compare(t, "application/json", ex.Record, 1)
		})
		ndjson.Write(ex.Record)
		ndjson.WriteByte('\n')
		if i > 0 {
			array.WriteByte(',')
		}
		array.Write(ex.Record)
	}
	array.WriteByte(']')
	t.Run("all as one NDJSON message", func(t *testing.T) {
		compare(t, "application/x-ndjson", ndjson.Bytes(), len(all))
	})
	t.Run("all as one JSON array", func(t *testing.T) {
		compare(t, "application/json", array.Bytes(), len(all))
	})
}
