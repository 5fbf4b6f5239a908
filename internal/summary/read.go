// Package summary reads what the collector's file exporter wrote (one OTLP/JSON
// document per line) and sums up the model calls in it for a person: tokens per
// caller and deployment, latency per region, where the token counts came from.
// It is the engine of cmd/aoai-summary and `make demo`; the end-to-end tests
// read the exporter's files with it too.
package summary // import "github.com/otelcol-aoai/otelcol-aoai/internal/summary"

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// maxLine bounds one exported document; the file exporter writes a batch per
// line, and a batch of large spans can pass a few MiB.
const maxLine = 256 << 20

// ReadTraces decodes a file of OTLP/JSON trace documents, one per line. A file
// that does not exist yet reads as empty: the exporter creates it on its first
// write. A last line without its newline is taken as still being written and
// left out, so a file can be read while the collector runs.
func ReadTraces(path string) ([]ptrace.Traces, error) {
	return readDocuments(path, (&ptrace.JSONUnmarshaler{}).UnmarshalTraces)
}

// ReadMetrics decodes a file of OTLP/JSON metric documents, one per line, the
// same way as ReadTraces.
func ReadMetrics(path string) ([]pmetric.Metrics, error) {
	return readDocuments(path, (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics)
}

func readDocuments[T any](path string, unmarshal func([]byte) (T, error)) ([]T, error) {
	var out []T
	err := eachLine(path, func(n int, line []byte) error {
		doc, err := unmarshal(line)
		if err != nil {
			return fmt.Errorf("%s line %d: %w", path, n, err)
		}
		out = append(out, doc)
		return nil
	})
	return out, err
}

func eachLine(path string, fn func(n int, line []byte) error) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	for n := 1; ; n++ {
		line, err := readLine(r)
		if errors.Is(err, io.EOF) {
			return nil // a line without newline is still being written
		}
		if err != nil {
			return fmt.Errorf("%s line %d: %w", path, n, err)
		}
		if line = bytes.TrimSpace(line); len(line) == 0 {
			continue
		}
		if err := fn(n, line); err != nil {
			return err
		}
	}
}

// readLine returns the next complete line, or io.EOF when none is left.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		switch {
		case err == nil:
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			if len(line) > maxLine {
				return nil, fmt.Errorf("line longer than %d bytes", maxLine)
			}
		default:
			return nil, err
		}
	}
}
