package replay // import "github.com/otelcol-aoai/otelcol-aoai/internal/replay"

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// maxRecordFile bounds one input file; records are held in memory while replaying.
const maxRecordFile = 256 << 20

// LoadRecords reads exchange records from files or folders. A file holds one
// JSON record, a JSON array of records, or NDJSON (one record per line). Folders
// are walked for *.json, *.ndjson and *.jsonl files in name order. Each record
// is returned as its compact JSON text; records are not validated here, the
// receiver does that and its answer is what the replay reports.
func LoadRecords(paths ...string) ([][]byte, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && isRecordFile(path) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		files = append(files, found...)
	}

	var records [][]byte
	for _, f := range files {
		recs, err := loadFile(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		records = append(records, recs...)
	}
	if len(records) == 0 {
		return nil, errors.New("no records found in " + strings.Join(paths, ", "))
	}
	return records, nil
}

func isRecordFile(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json", ".ndjson", ".jsonl":
		return true
	}
	return false
}

func loadFile(path string) ([][]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Size() > maxRecordFile {
		return nil, fmt.Errorf("file is %d bytes, more than the %d this tool holds in memory", info.Size(), maxRecordFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return SplitRecords(data)
}

// SplitRecords splits a JSON record, a JSON array of records or NDJSON into
// compact record texts.
func SplitRecords(data []byte) ([][]byte, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, nil
	}
	if trimmed[0] == '[' {
		var raw []json.RawMessage
		if err := json.Unmarshal(trimmed, &raw); err != nil {
			return nil, fmt.Errorf("JSON array: %w", err)
		}
		out := make([][]byte, 0, len(raw))
		for i, r := range raw {
			c, err := compact(r)
			if err != nil {
				return nil, fmt.Errorf("record %d: %w", i, err)
			}
			out = append(out, c)
		}
		return out, nil
	}
	// A single (possibly pretty-printed) object, or NDJSON.
	if c, err := compact(trimmed); err == nil {
		return [][]byte{c}, nil
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(trimmed))
	sc.Buffer(make([]byte, 0, 64<<10), maxRecordFile)
	for line := 1; sc.Scan(); line++ {
		l := bytes.TrimSpace(sc.Bytes())
		if len(l) == 0 {
			continue
		}
		c, err := compact(l)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out = append(out, c)
	}
	return out, sc.Err()
}

func compact(r []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, r); err != nil {
		return nil, err
	}
	if buf.Len() == 0 || buf.Bytes()[0] != '{' {
		return nil, errors.New("a record must be a JSON object")
	}
	return buf.Bytes(), nil
}
