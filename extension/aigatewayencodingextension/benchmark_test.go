package aigatewayencodingextension

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/otelcol-aoai/otelcol-aoai/testbed/recordings"
)

// BenchmarkDoors turns the same records into spans through this extension
// (what the Kafka receiver calls for each message) and through the
// ai_gateway receiver's HTTP endpoint (a POST per message to the real
// server on localhost), sequentially, in the same run: every recorded
// exchange in turn, one record per message (as APIM's log-to-eventhub sends
// them), then all of them as one NDJSON message. Run on one core to read
// records/s as records per second per core:
//
//	go test -run '^$' -bench Doors -benchmem -cpu 1 ./extension/aigatewayencodingextension/
func BenchmarkDoors(b *testing.B) {
	all, err := recordings.LoadAll()
	require.NoError(b, err)
	single := make([][]byte, len(all))
	var ndjson bytes.Buffer
	for i, ex := range all {
		single[i] = ex.Record
		ndjson.Write(ex.Record)
		ndjson.WriteByte('\n')
	}
	batches := map[string]struct {
		messages    [][]byte
		contentType string
		records     int
	}{
		"one-record-per-message": {single, "application/json", 1},
		"ndjson-message":         {[][]byte{ndjson.Bytes()}, "application/x-ndjson", len(all)},
	}
	for _, shape := range []string{"one-record-per-message", "ndjson-message"} {
		batch := batches[shape]
		b.Run(shape+"/ai_gateway_encoding", func(b *testing.B) {
			ext := newTestExtension(b, createDefaultConfig().(*Config), nil)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				td, err := ext.UnmarshalTraces(batch.messages[i%len(batch.messages)])
				if err != nil || td.SpanCount() != batch.records {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(i*batch.records)/b.Elapsed().Seconds(), "records/s")
		})
		b.Run(shape+"/ai_gateway_http", func(b *testing.B) {
			door := startHTTPDoorTo(b, consumertest.NewNop())
			b.ReportAllocs()
			reader := bytes.NewReader(nil)
			req, err := http.NewRequest(http.MethodPost, door.url, reader)
			require.NoError(b, err)
			req.Header.Set("Content-Type", batch.contentType)
			i := 0
			for b.Loop() {
				message := batch.messages[i%len(batch.messages)]
				reader.Reset(message)
				req.Body = io.NopCloser(reader)
				req.ContentLength = int64(len(message))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
				i++
			}
			b.ReportMetric(float64(i*batch.records)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
