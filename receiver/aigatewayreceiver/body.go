package aigatewayreceiver // import "github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver"

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// defaultMaxRequestBodySize is confighttp's default, applied by ToServer
// when max_request_body_size is 0; the receiver reads with the same bound.
const defaultMaxRequestBodySize = 20 << 20

// maxPooledBody keeps the pool from holding on to the buffers of rare huge
// bodies.
const maxPooledBody = 4 << 20

var errBodyTooLarge = errors.New("body too large")

// bodyPool reuses the buffers request bodies are read into: the decoder
// copies what it keeps, so a buffer is free again once Decode returns.
type bodyPool struct {
	pool sync.Pool
}

// read reads body up to limit bytes. confighttp already wraps the body in a
// http.MaxBytesReader (after decompression too); the limit here keeps the
// receiver bounded even without it.
func (p *bodyPool) read(body io.Reader, contentLength, limit int64) (*bytes.Buffer, error) {
	if contentLength > limit {
		return nil, errBodyTooLarge
	}
	buf, _ := p.pool.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	if contentLength > 0 {
		buf.Grow(int(contentLength) + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(body, limit+1))
	if err == nil && n > limit {
		err = errBodyTooLarge
	}
	if err != nil {
		p.put(buf)
		return nil, err
	}
	return buf, nil
}

func (p *bodyPool) put(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBody {
		p.pool.Put(buf)
	}
}
