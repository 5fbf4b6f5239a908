package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// A stored batch is the held spans of one Admit, as one value:
//
//	version (1 byte) | entry time (varint, unix ns) | client metadata |
//	the spans with their resources and scopes (OTLP protobuf)
//
// The client metadata (uvarint count, then per key: its text and its values,
// each uvarint-length-prefixed) is what a released span leaves with, so that
// what downstream does per client (headers_setter, routing) sees the request
// that brought it. client.Info's Auth and Addr cannot be written down; a span
// read back leaves without them.
const storedBatchVersion = 1

var errCorruptBatch = errors.New("stored batch is corrupt")

func encodeStoredBatch(enteredAt int64, md client.Metadata, td ptrace.Traces) ([]byte, error) {
	var marshaler ptrace.ProtoMarshaler
	buf := make([]byte, 0, 64+marshaler.TracesSize(td))
	buf = append(buf, storedBatchVersion)
	buf = binary.AppendVarint(buf, enteredAt)
	keys := slices.Sorted(md.Keys())
	buf = binary.AppendUvarint(buf, uint64(len(keys)))
	for _, k := range keys {
		buf = appendString(buf, k)
		values := md.Get(k)
		buf = binary.AppendUvarint(buf, uint64(len(values)))
		for _, v := range values {
			buf = appendString(buf, v)
		}
	}
	spans, err := marshaler.MarshalTraces(td)
	if err != nil {
		return nil, err
	}
	return append(buf, spans...), nil
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// decodedBatch is a stored batch read back.
type decodedBatch struct {
	enteredAt int64
	metadata  client.Metadata
	traces    ptrace.Traces
}

func decodeStoredBatch(buf []byte) (decodedBatch, error) {
	var out decodedBatch
	if len(buf) == 0 || buf[0] != storedBatchVersion {
		return out, fmt.Errorf("%w: unknown version", errCorruptBatch)
	}
	r := byteReader{buf: buf[1:]}
	out.enteredAt = r.varint()
	if n := r.uvarint(); n > 0 && r.ok() {
		md := make(map[string][]string, min(n, 64))
		for i := uint64(0); i < n && r.ok(); i++ {
			k := r.string()
			m := r.uvarint()
			values := make([]string, 0, min(m, 64))
			for v := uint64(0); v < m && r.ok(); v++ {
				values = append(values, r.string())
			}
			md[k] = values
		}
		out.metadata = client.NewMetadata(md)
	}
	if !r.ok() {
		return out, fmt.Errorf("%w: header", errCorruptBatch)
	}
	var unmarshaler ptrace.ProtoUnmarshaler
	td, err := unmarshaler.UnmarshalTraces(r.buf)
	if err != nil {
		return out, fmt.Errorf("%w: %w", errCorruptBatch, err)
	}
	out.traces = td
	return out, nil
}

// byteReader reads the header; after the first short read ok is false and
// every read returns zero.
type byteReader struct {
	buf    []byte
	failed bool
}

func (r *byteReader) ok() bool { return !r.failed }

func (r *byteReader) varint() int64 {
	v, n := binary.Varint(r.buf)
	if !r.advance(n) {
		return 0
	}
	return v
}

func (r *byteReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.buf)
	if !r.advance(n) {
		return 0
	}
	return v
}

func (r *byteReader) string() string {
	n := r.uvarint()
	if r.failed || n > uint64(len(r.buf)) {
		r.failed = true
		return ""
	}
	s := string(r.buf[:n])
	r.buf = r.buf[n:]
	return s
}

func (r *byteReader) advance(n int) bool {
	if r.failed || n <= 0 {
		r.failed = true
		return false
	}
	r.buf = r.buf[n:]
	return true
}
