package exchange

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-aoai/otelcol-aoai/testbed/recordings"
)

// BenchmarkDecode decodes real recorded exchanges (the decoder alone, no
// HTTP): a non-streaming chat completion and a streamed one.
//
//	go test -run '^$' -bench Decode -benchmem ./internal/exchange/
func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{
		"dd-trace-py/azure_openai_openai_deployments_gpt-4.1-mini_chat_completions_api-version_2024-12-01-preview_post_5836d4fe.json#0",
		"dd-trace-py/litellm__completion_azure_stream.yaml#0",
	} {
		file, _, _ := strings.Cut(name, "#")
		exchanges, err := recordings.Load(file)
		require.NoError(b, err)
		record := exchanges[0].Record
		b.Run(file[strings.LastIndexByte(file, '/')+1:], func(b *testing.B) {
			dec := NewDecoder(Options{})
			b.SetBytes(int64(len(record)))
			b.ReportAllocs()
			for b.Loop() {
				res, err := dec.Decode(record, FormatJSON)
				if err != nil || res.Accepted != 1 {
					b.Fatal(err, res.Errors)
				}
			}
		})
	}
}

// BenchmarkDecodeHeaders measures what a header costs: the allocations per
// header are (allocs at n=64 - allocs at n=0) / 64. Half of the names are
// common ones (interned keys), half are not.
func BenchmarkDecodeHeaders(b *testing.B) {
	for _, n := range []int{0, 16, 64} {
		record := recordWithHeaders(n)
		b.Run("headers="+strconv.Itoa(n), func(b *testing.B) {
			dec := NewDecoder(Options{})
			b.ReportAllocs()
			for b.Loop() {
				res, err := dec.Decode(record, FormatJSON)
				if err != nil || res.Accepted != 1 {
					b.Fatal(err, res.Errors)
				}
			}
		})
	}
}

func recordWithHeaders(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"id":"bench","start_time":"2026-11-20T09:14:03.120Z","duration_ms":5,` +
		`"request":{"method":"POST","url":"https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21"},` +
		`"response":{"status":200,"headers":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		name := commonHeaderNames[i%len(commonHeaderNames)]
		if i%2 == 1 {
			name = "x-custom-header-" + strconv.Itoa(i)
		}
		b.WriteString(`"` + name + `":"value-` + strconv.Itoa(i) + `"`)
	}
	b.WriteString("}}}")
	return []byte(b.String())
}
