// Package recordings turns the real recorded Azure OpenAI / OpenAI HTTP
// exchanges kept in testdata/recordings into exchange records (the JSON
// format described in the receiver's README), so that every test suite of
// the project can replay real traffic through the same door a gateway uses.
//
// It reads every cassette shape found there: VCR.py YAML (header values as
// lists or scalars, bodies as strings or gzip !!binary), the legacy vcrpy
// httpx-stub YAML (response.content), pydantic-ai YAML (parsed_body),
// Python-tagged YAML keys (multidict istr), Datadog JSON cassettes and Azure
// test-proxy JSON (stream bodies as arrays of SSE strings). Files that hold
// no exchange with a model (Log Analytics answers, a body without a request,
// a resource-log envelope) are skipped. It is for tests only and never ships
// in the collector; testdata/recordings/MANIFEST.md names each file's source
// and licence.
package recordings // import "github.com/otelcol-aoai/otelcol-aoai/testbed/recordings"

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// EnvDir overrides where the recordings are read from (another set of
// cassettes in the same shapes); unset, testdata/recordings of the module is
// read.
const EnvDir = "OTELCOL_AOAI_RECORDINGS"

// Header is one recorded header with its values, as recorded (name case
// kept).
type Header struct {
	Name   string
	Values []string
}

// Exchange is one recorded HTTP exchange.
type Exchange struct {
	// Name is "<file>#<index>", unique and stable: it is also the record's id.
	Name string
	// File is the recording's path relative to Dir().
	File string
	// Index is the exchange's position in its file.
	Index int

	Method string
	URL    string
	Status int

	RequestHeaders  []Header
	ResponseHeaders []Header
	// RequestBody and ResponseBody are the bodies as text: gzip undone, a
	// parsed body re-serialized as JSON, SSE events joined.
	RequestBody  string
	ResponseBody string

	// Record is the exchange as an exchange record (receiver/aigatewayreceiver/README.md, "Record format").
	Record []byte
}

// Dir returns the recordings folder: $OTELCOL_AOAI_RECORDINGS, else
// testdata/recordings at the module root.
func Dir() (string, error) {
	if dir := os.Getenv(EnvDir); dir != "" {
		return checkDir(dir)
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	return checkDir(filepath.Join(root, "testdata", "recordings"))
}

func checkDir(dir string) (string, error) {
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		return "", fmt.Errorf("recordings folder %s not found (testdata/recordings at the module root, or set %s)",
			dir, EnvDir)
	}
	return filepath.Clean(dir), nil
}

// moduleRoot finds the folder of go.mod from the working directory up: go
// test runs each package in its own folder, all of them inside the module.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("module root (go.mod) not found above the working directory")
		}
		dir = parent
	}
}

// LoadAll loads every exchange of every recording, sorted by file then index.
func LoadAll() ([]Exchange, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	var files []string
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".json")) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var all []Exchange
	for _, path := range files {
		exchanges, err := load(dir, path)
		if err != nil {
			return nil, err
		}
		all = append(all, exchanges...)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("no exchange found in %s", dir)
	}
	return all, nil
}

// Load loads the exchanges of one recording; path is absolute or relative
// to Dir().
func Load(path string) ([]Exchange, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	return load(dir, path)
}

func load(dir, path string) ([]Exchange, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(dir, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = filepath.Base(path)
	}
	rel = filepath.ToSlash(rel)
	var raw []rawExchange
	if strings.HasSuffix(path, ".json") {
		raw, err = readJSONCassette(data)
	} else {
		raw, err = readYAMLCassette(data)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	var out []Exchange
	for i, r := range raw {
		if !isModelExchange(r) {
			continue
		}
		ex, err := r.exchange(rel, i)
		if err != nil {
			return nil, fmt.Errorf("%s#%d: %w", rel, i, err)
		}
		out = append(out, ex)
	}
	return out, nil
}

// isModelExchange keeps exchanges with a model endpoint: a request URL, a
// status, and not a Log Analytics query (another issue replays those).
func isModelExchange(r rawExchange) bool {
	if r.url == "" || r.status == 0 {
		return false
	}
	return !strings.Contains(strings.ToLower(r.url), "loganalytics")
}
