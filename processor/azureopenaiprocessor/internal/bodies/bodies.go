// Package bodies undoes the Content-Encoding of an HTTP message body (gzip,
// deflate, br, zstd, or a list of them) so that the processor reads the JSON
// an SDK saw, with a bound on the decoded size against compression bombs.
package bodies // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/bodies"

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

var (
	// ErrTooLarge: the decoded body would exceed the limit (a compression
	// bomb, or a body larger than the processor accepts).
	ErrTooLarge = errors.New("decoded body larger than the limit")
	// ErrUnsupported: a content coding this package does not know.
	ErrUnsupported = errors.New("unsupported content coding")
)

// zstdMaxWindow is the largest window a zstd body may ask for: RFC 9659
// bounds the window of the zstd content coding to 8 MiB, so a frame that
// asks for more (and the memory that goes with it) is refused.
const zstdMaxWindow = 8 << 20

// maxCodings bounds the codings of one Content-Encoding list.
const maxCodings = 4

// maxRetainedBuffer keeps a decoder (which lives in a pooled lifter) from
// holding on to the buffer of a rare huge body.
const maxRetainedBuffer = 4 << 20

// Decoder decodes bodies. It keeps its readers and buffers between calls, so
// it is used by one goroutine at a time; the processor keeps one per body
// in each pooled lifter. An identity body costs nothing: it is returned as
// it came.
type Decoder struct {
	gz    *gzip.Reader
	zl    io.ReadCloser
	fl    io.ReadCloser
	br    *brotli.Reader
	zs    *zstd.Decoder
	src   bytes.Reader
	bufs  [2]bytes.Buffer
	limit int64
}

// IsIdentity reports whether a Content-Encoding value asks for no decoding.
func IsIdentity(contentEncoding string) bool {
	for contentEncoding != "" {
		var coding string
		coding, contentEncoding, _ = strings.Cut(contentEncoding, ",")
		coding = strings.TrimSpace(coding)
		if coding != "" && !strings.EqualFold(coding, "identity") {
			return false
		}
	}
	return true
}

// Decode returns body with the codings of contentEncoding undone, the last
// applied first ("gzip, br" was gzipped, then compressed with brotli). The
// result is body itself for identity, else a buffer of the decoder that
// the next Decode call overwrites. A decoded size above limit (> 0) is
// refused with ErrTooLarge.
func (d *Decoder) Decode(body []byte, contentEncoding string, limit int64) ([]byte, error) {
	if IsIdentity(contentEncoding) {
		return body, nil
	}
	var codings [maxCodings]string
	n := 0
	for rest := contentEncoding; rest != ""; {
		var coding string
		coding, rest, _ = strings.Cut(rest, ",")
		coding = strings.TrimSpace(coding)
		if coding == "" || strings.EqualFold(coding, "identity") {
			continue
		}
		if n == maxCodings {
			return nil, ErrUnsupported
		}
		codings[n] = coding
		n++
	}
	d.limit = limit
	out := body
	for i := n - 1; i >= 0; i-- {
		buf := &d.bufs[i%2]
		if err := d.decodeOne(buf, out, codings[i]); err != nil {
			return nil, err
		}
		out = buf.Bytes()
	}
	return out, nil
}

func (d *Decoder) decodeOne(dst *bytes.Buffer, src []byte, coding string) error {
	d.src.Reset(src)
	var r io.Reader
	var err error
	switch strings.ToLower(coding) {
	case "gzip", "x-gzip":
		r, err = d.gzipReader()
	case "deflate":
		r, err = d.deflateReader(src)
	case "br":
		r = d.brotliReader()
	case "zstd":
		r, err = d.zstdReader()
	default:
		return ErrUnsupported
	}
	if err != nil {
		return err
	}
	if dst.Cap() > maxRetainedBuffer {
		*dst = bytes.Buffer{}
	}
	dst.Reset()
	limit := d.limit
	if limit <= 0 {
		limit = 1<<63 - 2
	}
	n, err := dst.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return err
	}
	if n > limit {
		return ErrTooLarge
	}
	return nil
}

func (d *Decoder) gzipReader() (io.Reader, error) {
	if d.gz == nil {
		gz, err := gzip.NewReader(&d.src)
		if err != nil {
			return nil, err
		}
		d.gz = gz
	} else if err := d.gz.Reset(&d.src); err != nil {
		return nil, err
	}
	// One member: a body is one gzip stream, and trailing bytes after it are
	// not part of the JSON.
	d.gz.Multistream(false)
	return d.gz, nil
}

// deflateReader reads "deflate", which RFC 9110 defines as a zlib stream;
// some servers send raw deflate instead, so a body without a zlib header is
// read as raw deflate (as browsers do).
func (d *Decoder) deflateReader(src []byte) (io.Reader, error) {
	if hasZlibHeader(src) {
		if d.zl == nil {
			zl, err := zlib.NewReader(&d.src)
			if err != nil {
				return nil, err
			}
			d.zl = zl
			return zl, nil
		}
		if err := d.zl.(zlib.Resetter).Reset(&d.src, nil); err != nil {
			return nil, err
		}
		return d.zl, nil
	}
	if d.fl == nil {
		d.fl = flate.NewReader(&d.src)
	} else if err := d.fl.(flate.Resetter).Reset(&d.src, nil); err != nil {
		return nil, err
	}
	return d.fl, nil
}

// hasZlibHeader checks the two header bytes of RFC 1950: method 8 (deflate)
// with a window of at most 32 KiB, and the check bits.
func hasZlibHeader(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && b[0]>>4 <= 7 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

func (d *Decoder) brotliReader() io.Reader {
	if d.br == nil {
		d.br = brotli.NewReader(&d.src)
	} else {
		_ = d.br.Reset(&d.src) // Reset of a brotli reader cannot fail
	}
	return d.br
}

func (d *Decoder) zstdReader() (io.Reader, error) {
	if d.zs == nil {
		// One goroutine-free decoder: concurrency 1 decodes in the caller.
		zs, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			return nil, err
		}
		d.zs = zs
	}
	if err := d.zs.Reset(&d.src); err != nil {
		return nil, err
	}
	return d.zs, nil
}
