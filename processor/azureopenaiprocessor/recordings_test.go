package azureopenaiprocessor

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-aoai/otelcol-aoai/testbed/recordings"
)

// rawExchange is one recorded request/response pair, for the parser-level
// tests (estimate accuracy, fuzz seeds, inline spans). The replay tests feed
// the whole record through the receiver's translation instead.
type rawExchange struct {
	file            string
	url             string
	status          int
	requestBody     string
	responseBody    string
	responseHeaders map[string][]string
	record          []byte
}

func (e rawExchange) name() string { return e.file }

// readRawExchanges loads every recorded exchange with the project's loader
// (testbed/recordings), which reads testdata/recordings.
func readRawExchanges(t testing.TB) []rawExchange {
	t.Helper()
	exs, err := recordings.LoadAll()
	require.NoError(t, err)
	out := make([]rawExchange, 0, len(exs))
	for _, e := range exs {
		headers := map[string][]string{}
		for _, h := range e.ResponseHeaders {
			name := strings.ToLower(h.Name)
			headers[name] = append(headers[name], h.Values...)
		}
		out = append(out, rawExchange{
			file: e.Name, url: e.URL, status: e.Status,
			requestBody: e.RequestBody, responseBody: e.ResponseBody,
			responseHeaders: headers, record: e.Record,
		})
	}
	return out
}
