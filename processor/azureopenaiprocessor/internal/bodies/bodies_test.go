package bodies

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Encode compresses plain with one content coding, as a server would.
func Encode(t testing.TB, coding string, plain []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	switch coding {
	case "gzip":
		w := gzip.NewWriter(&b)
		_, _ = w.Write(plain)
		require.NoError(t, w.Close())
	case "deflate":
		w := zlib.NewWriter(&b)
		_, _ = w.Write(plain)
		require.NoError(t, w.Close())
	case "raw-deflate":
		w, err := flate.NewWriter(&b, flate.BestSpeed)
		require.NoError(t, err)
		_, _ = w.Write(plain)
		require.NoError(t, w.Close())
	case "br":
		w := brotli.NewWriter(&b)
		_, _ = w.Write(plain)
		require.NoError(t, w.Close())
	case "zstd":
		w, err := zstd.NewWriter(&b)
		require.NoError(t, err)
		_, _ = w.Write(plain)
		require.NoError(t, w.Close())
	default:
		t.Fatalf("no encoder for %q", coding)
	}
	return b.Bytes()
}

const plain = `{"id":"chatcmpl-1","model":"gpt-4o","usage":{"prompt_tokens":3,"completion_tokens":4}}`

func TestDecodeEachCoding(t *testing.T) {
	var d Decoder
	for _, coding := range []string{"gzip", "deflate", "br", "zstd"} {
		for range 2 { // the second round reuses the reader
			got, err := d.Decode(Encode(t, coding, []byte(plain)), coding, 1<<20)
			require.NoError(t, err, coding)
			assert.Equal(t, plain, string(got), coding)
		}
		got, err := d.Decode(Encode(t, coding, []byte(plain)), " "+strings.ToUpper(coding)+" ", 1<<20)
		require.NoError(t, err, coding)
		assert.Equal(t, plain, string(got), "case and spaces of %s", coding)
	}
	got, err := d.Decode(Encode(t, "raw-deflate", []byte(plain)), "deflate", 1<<20)
	require.NoError(t, err)
	assert.Equal(t, plain, string(got), "raw deflate, as some servers send it")
}

func TestDecodeListInReverseOrder(t *testing.T) {
	var d Decoder
	body := Encode(t, "br", Encode(t, "gzip", []byte(plain)))
	got, err := d.Decode(body, "gzip, identity, br", 1<<20)
	require.NoError(t, err)
	assert.Equal(t, plain, string(got))

	body = Encode(t, "zstd", Encode(t, "deflate", Encode(t, "gzip", []byte(plain))))
	got, err = d.Decode(body, "gzip,deflate,zstd", 1<<20)
	require.NoError(t, err)
	assert.Equal(t, plain, string(got))
}

func TestIdentityIsNotCopied(t *testing.T) {
	var d Decoder
	body := []byte(plain)
	for _, ce := range []string{"", "identity", " Identity , "} {
		got, err := d.Decode(body, ce, 1)
		require.NoError(t, err)
		assert.Same(t, &body[0], &got[0], "%q", ce)
		assert.True(t, IsIdentity(ce))
	}
	assert.False(t, IsIdentity("identity, gzip"))
}

func TestBombRefused(t *testing.T) {
	var d Decoder
	zeros := make([]byte, 8<<20)
	for _, coding := range []string{"gzip", "deflate", "br", "zstd"} {
		body := Encode(t, coding, zeros)
		require.Less(t, len(body), 64<<10, coding)
		_, err := d.Decode(body, coding, 1<<20)
		require.ErrorIs(t, err, ErrTooLarge, coding)
		got, err := d.Decode(body, coding, 8<<20)
		require.NoError(t, err, "exactly the limit is allowed (%s)", coding)
		assert.Len(t, got, 8<<20)
	}
	_, err := d.Decode(Encode(t, "gzip", []byte(plain)), "gzip", 1<<20)
	require.NoError(t, err)
	assert.Less(t, d.bufs[0].Cap(), maxRetainedBuffer, "a huge buffer is not kept")
}

func TestBadInput(t *testing.T) {
	var d Decoder
	_, err := d.Decode([]byte(plain), "compress", 1<<20)
	require.ErrorIs(t, err, ErrUnsupported)
	_, err = d.Decode([]byte(plain), "gzip,gzip,gzip,gzip,gzip", 1<<20)
	require.ErrorIs(t, err, ErrUnsupported)
	for _, coding := range []string{"gzip", "deflate", "br", "zstd"} {
		_, err := d.Decode([]byte(plain), coding, 1<<20)
		require.Error(t, err, "plain text is not %s", coding)
		body := Encode(t, coding, []byte(plain))
		_, err = d.Decode(body[:len(body)/2], coding, 1<<20)
		require.Error(t, err, "a cut %s body", coding)
		got, err := d.Decode(body, coding, 1<<20)
		require.NoError(t, err, "the reader recovers after an error (%s)", coding)
		assert.Equal(t, plain, string(got))
	}
}

func BenchmarkDecodeGzip(b *testing.B) {
	body := Encode(b, "gzip", bytes.Repeat([]byte(plain), 40))
	var d Decoder
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(body, "gzip", 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}
