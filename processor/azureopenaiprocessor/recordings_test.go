package azureopenaiprocessor

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// recordingsDir is ../shared/recordings seen from this package.
const recordingsDir = "../../../shared/recordings"

// rawExchange is one request/response pair read straight from a recording
// file, for the parser-level tests (estimate accuracy, fuzz seeds). The
// receiver-level replay goes through internal/recordings and internal/exchange.
type rawExchange struct {
	file            string
	url             string
	status          int
	requestBody     string
	responseBody    string
	responseHeaders map[string][]string
}

func (e rawExchange) name() string { return e.file }

// readRawExchanges reads every recording that holds model exchanges. Files it
// cannot read as any of the recorded shapes are skipped (Log Analytics
// answers, the body-only error file, the Python-tagged YAML twin of a JSON
// cassette).
func readRawExchanges(t testing.TB) []rawExchange {
	t.Helper()
	var files []string
	require.NoError(t, filepath.WalkDir(recordingsDir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".json")) {
			files = append(files, path)
		}
		return nil
	}))
	sort.Strings(files)
	var out []rawExchange
	for _, path := range files {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		rel, _ := filepath.Rel(recordingsDir, path)
		var doc any
		if strings.HasSuffix(path, ".json") {
			if json.Unmarshal(data, &doc) != nil {
				continue
			}
		} else if yaml.Unmarshal(data, &doc) != nil {
			continue
		}
		for i, ex := range exchangesOf(doc) {
			ex.file = rel + "#" + itoa(int64(i))
			if strings.Contains(ex.url, "loganalytics") {
				continue
			}
			out = append(out, ex)
		}
	}
	return out
}

func exchangesOf(doc any) []rawExchange {
	m, _ := doc.(map[string]any)
	var out []rawExchange
	if list, ok := m["interactions"].([]any); ok {
		for _, it := range list {
			im, _ := it.(map[string]any)
			req, _ := im["request"].(map[string]any)
			resp, _ := im["response"].(map[string]any)
			ex := rawExchange{url: str(req["uri"]), requestBody: bodyOf(req), responseBody: bodyOf(resp), responseHeaders: headersOf(resp["headers"])}
			if st, ok := resp["status"].(map[string]any); ok {
				ex.status = num(st["code"])
			} else {
				ex.status = num(resp["status_code"])
			}
			out = append(out, ex)
		}
	}
	if list, ok := m["Entries"].([]any); ok {
		for _, it := range list {
			im, _ := it.(map[string]any)
			out = append(out, rawExchange{url: str(im["RequestUri"]), status: num(im["StatusCode"]),
				requestBody: jsonBody(im["RequestBody"]), responseBody: jsonBody(im["ResponseBody"]), responseHeaders: headersOf(im["ResponseHeaders"])})
		}
	}
	if req, ok := m["request"].(map[string]any); ok {
		resp, _ := m["response"].(map[string]any)
		st, _ := resp["status"].(map[string]any)
		out = append(out, rawExchange{url: str(req["url"]), status: num(st["code"]), requestBody: bodyOf(req), responseBody: bodyOf(resp), responseHeaders: headersOf(resp["headers"])})
	}
	return out
}

// headersOf reads recorded headers: name → list of strings, or a plain
// scalar; names lowered as the receiver does.
func headersOf(v any) map[string][]string {
	m, _ := v.(map[string]any)
	out := map[string][]string{}
	for k, val := range m {
		name := strings.ToLower(k)
		switch t := val.(type) {
		case []any:
			for _, e := range t {
				out[name] = append(out[name], fmt.Sprint(e))
			}
		case nil:
		default:
			out[name] = append(out[name], fmt.Sprint(t))
		}
	}
	return out
}

// bodyOf reads the body of a VCR request/response in its recorded variants.
func bodyOf(m map[string]any) string {
	switch b := m["body"].(type) {
	case string:
		return b
	case map[string]any:
		s := str(b["string"])
		if len(s) > 2 && s[0] == 0x1f && s[1] == 0x8b {
			if r, err := gzip.NewReader(strings.NewReader(s)); err == nil {
				if raw, err := io.ReadAll(r); err == nil {
					return string(raw)
				}
			}
		}
		return s
	}
	if c, ok := m["content"].(string); ok {
		return c
	}
	if pb, ok := m["parsed_body"]; ok {
		return jsonBody(pb)
	}
	return ""
}

// jsonBody renders a body that a recording stored parsed. An array of
// strings is an SSE stream stored one event per element.
func jsonBody(v any) string {
	switch b := v.(type) {
	case nil:
		return ""
	case string:
		return b
	case []any:
		var sb strings.Builder
		allStrings := len(b) > 0
		for _, e := range b {
			s, ok := e.(string)
			if !ok {
				allStrings = false
				break
			}
			sb.WriteString(s)
		}
		if allStrings {
			return sb.String()
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(normaliseYAML(v)) != nil {
		return ""
	}
	return strings.TrimSpace(buf.String())
}

// normaliseYAML turns yaml's map[any]any into JSON-encodable maps.
func normaliseYAML(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normaliseYAML(e)
		}
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[str(k)] = normaliseYAML(e)
		}
		return out
	case []any:
		for i, e := range t {
			t[i] = normaliseYAML(e)
		}
	}
	return v
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case float64:
		return int(n)
	}
	return 0
}

func TestReadRawExchangesFindsTheRecordings(t *testing.T) {
	exs := readRawExchanges(t)
	files := map[string]bool{}
	for _, ex := range exs {
		files[strings.SplitN(ex.file, "#", 2)[0]] = true
	}
	// 40 files: 3 hold no model exchange (2 Log Analytics answers, the
	// synthetic resource-log envelope) and the body-only error file has none.
	require.GreaterOrEqual(t, len(files), 34, "files: %v", files)
	for _, ex := range exs {
		if ex.responseBody == "" && ex.status < 400 {
			t.Logf("%s: no response body", ex.file)
		}
	}
}
