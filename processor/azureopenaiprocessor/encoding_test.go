package azureopenaiprocessor

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
)

// compress encodes plain with the codings of a Content-Encoding list, first
// to last, as a server would.
func compress(t testing.TB, codings []string, plain []byte) []byte {
	t.Helper()
	out := plain
	for _, coding := range codings {
		var b bytes.Buffer
		var w interface {
			Write([]byte) (int, error)
			Close() error
		}
		switch coding {
		case "gzip":
			w = gzip.NewWriter(&b)
		case "deflate":
			w = zlib.NewWriter(&b)
		case "br":
			w = brotli.NewWriter(&b)
		case "zstd":
			zw, err := zstd.NewWriter(&b)
			require.NoError(t, err)
			w = zw
		default:
			t.Fatalf("no encoder for %q", coding)
		}
		_, err := w.Write(out)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		out = b.Bytes()
	}
	return out
}

// compressedRecord is an exchange record whose bodies the gateway kept as
// they went over the wire: compressed bytes in body_base64 with the
// message's content-encoding header.
func compressedRecord(t testing.TB, contentEncoding string, codings []string, request, response []byte) []byte {
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Appendf(nil, `{"id":"enc-1","start_time":"2026-11-20T09:14:03Z","duration_ms":12,`+
		`"request":{"method":"POST","url":%q,"headers":{"Content-Type":"application/json","Content-Encoding":%q},"body_base64":%q},`+
		`"response":{"status":200,"headers":{"Content-Type":"application/json","Content-Encoding":%q,"apim-request-id":"7ecdf80d"},"body_base64":%q}}`,
		chatURL, contentEncoding, b64(compress(t, codings, request)), contentEncoding, b64(compress(t, codings, response)))
}

func decodeRecord(t testing.TB, record []byte) ptrace.Traces {
	t.Helper()
	res, err := exchange.NewDecoder(exchange.Options{}).Decode(record, exchange.FormatJSON)
	require.NoError(t, err)
	require.Equal(t, 1, res.Accepted, "%v", res.Errors)
	return res.Traces
}

// TestLiftCompressedBodies posts compressed bodies through the receiver's
// translation and the processor: usage, model, id and finish reasons are
// read from the decoded JSON.
func TestLiftCompressedBodies(t *testing.T) {
	for _, tc := range []struct {
		header  string
		codings []string
	}{
		{"gzip", []string{"gzip"}},
		{"deflate", []string{"deflate"}},
		{"br", []string{"br"}},
		{"zstd", []string{"zstd"}},
		{"gzip, br", []string{"gzip", "br"}},
		{"identity", nil},
	} {
		t.Run(tc.header, func(t *testing.T) {
			td := decodeRecord(t, compressedRecord(t, tc.header, tc.codings, []byte(chatRequest), []byte(chatBody)))
			span, tel := runProcessor(t, defaultConfig(), td)
			got := attrMap(span)
			assert.Equal(t, "chat openllmetry-testing", span.Name())
			assert.Equal(t, "gpt-4.1-mini-2025-04-14", got["gen_ai.response.model"])
			assert.Equal(t, "chatcmpl-DPTBV1eqAeMH82emTtQw8cSwKkPJW", got["gen_ai.response.id"])
			assert.Equal(t, []any{"stop"}, got["gen_ai.response.finish_reasons"])
			assert.Equal(t, int64(16), got["gen_ai.usage.input_tokens"])
			assert.Equal(t, int64(19), got["gen_ai.usage.output_tokens"])
			assert.Equal(t, 0.2, got["gen_ai.request.temperature"], "the request body is decoded too")
			_, err := tel.GetMetric("otelcol_processor_azure_openai_parse_failures")
			assert.Error(t, err, "no parse failure")
		})
	}
}

// TestCompressionBombRefused: a body that decodes to more than
// max_decompressed_body_size is not read; the span passes on without the
// attributes of that body, and the refusal is counted.
func TestCompressionBombRefused(t *testing.T) {
	bomb := append([]byte(`{"id":"chatcmpl-bomb","model":"gpt-4o","x":"`), bytes.Repeat([]byte("a"), 4<<20)...)
	bomb = append(bomb, `"}`...)
	td := decodeRecord(t, compressedRecord(t, "gzip", []string{"gzip"}, []byte(chatRequest), bomb))
	cfg := defaultConfig()
	cfg.MaxDecompressedBodySize = 1 << 20
	span, tel := runProcessor(t, cfg, td)
	got := attrMap(span)
	assert.NotContains(t, got, "gen_ai.response.id")
	assert.NotContains(t, got, "gen_ai.response.model")
	assert.Equal(t, 0.2, got["gen_ai.request.temperature"], "the request body within the limit is read")
	assert.Equal(t, "chat openllmetry-testing", span.Name())
	assertFailures(t, tel, "response_encoding", 1)
}

func TestUnknownContentEncodingCounted(t *testing.T) {
	// A coding this processor does not read (LZW), over bytes that are not JSON.
	td := decodeRecord(t, compressedRecord(t, "compress", []string{"zstd"}, []byte(chatRequest), []byte(chatBody)))
	span, tel := runProcessor(t, defaultConfig(), td)
	assert.NotContains(t, attrMap(span), "gen_ai.response.id")
	assertFailures(t, tel, "response_encoding", 1)
	assertFailures(t, tel, "request_encoding", 1)
}

func assertFailures(t *testing.T, tel interface {
	GetMetric(string) (metricdata.Metrics, error)
}, kind string, want int64,
) {
	t.Helper()
	m, err := tel.GetMetric("otelcol_processor_azure_openai_parse_failures")
	require.NoError(t, err)
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		if v, _ := dp.Attributes.Value(attribute.Key("kind")); v.AsString() == kind {
			assert.Equal(t, want, dp.Value, kind)
			return
		}
	}
	t.Errorf("no parse failure of kind %s", kind)
}

// TestDecodedBodyWithStaleHeader: a gateway that logs the body its client
// already decoded, with the original content-encoding header, still gets
// its span lifted.
func TestDecodedBodyWithStaleHeader(t *testing.T) {
	td := gatewaySpan{url: chatURL, status: 200, requestBody: chatRequest, responseBody: chatBody,
		responseHeaders: map[string]string{"content-encoding": "gzip"}}.traces()
	span, tel := runProcessor(t, defaultConfig(), td)
	assert.Equal(t, "chatcmpl-DPTBV1eqAeMH82emTtQw8cSwKkPJW", attrMap(span)["gen_ai.response.id"])
	_, err := tel.GetMetric("otelcol_processor_azure_openai_parse_failures")
	assert.Error(t, err, "no parse failure")
}

// BenchmarkLiftBodyEncoding compares lifting a chat span whose bodies are
// plain with one whose bodies are gzip (as a gateway records them from an
// SDK that sent Accept-Encoding: gzip).
func BenchmarkLiftBodyEncoding(b *testing.B) {
	for _, coding := range []string{"identity", "gzip"} {
		var codings []string
		if coding != "identity" {
			codings = []string{coding}
		}
		src := decodeRecord(b, compressedRecord(b, coding, codings, []byte(chatRequest), []byte(chatBody)))
		b.Run(coding, func(b *testing.B) {
			p, err := newProcessor(defaultConfig(), processortest.NewNopSettings(processortest.NopType), consumertest.NewNop())
			require.NoError(b, err)
			b.ReportAllocs()
			for b.Loop() {
				td := ptrace.NewTraces()
				src.CopyTo(td)
				if _, err := p.processTraces(context.Background(), td); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
