package azureopenaiprocessor

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

var update = flag.Bool("update", false, "rewrite the golden files of the replay tests")

// credentialHeaders never reach a span (the receiver drops them at the door).
var credentialHeaders = map[string]bool{"set-cookie": true, "cookie": true, "authorization": true, "api-key": true}

// recordedSpan is the span of one recorded exchange as the gateway receiver
// shapes it (record-format.md): HTTP attributes, response headers as string
// arrays, bodies, error status and error.type on status >= 400.
func recordedSpan(ex rawExchange) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "ai-gateway")
	span := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetKind(ptrace.SpanKindClient)
	path := urlPathOf(ex.url)
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	span.SetName("POST " + path)
	attrs := span.Attributes()
	attrs.PutStr("http.request.method", "POST")
	attrs.PutStr("url.full", ex.url)
	attrs.PutStr("url.path", path)
	attrs.PutStr("server.address", urlHost(ex.url))
	if ex.status != 0 {
		attrs.PutInt("http.response.status_code", int64(ex.status))
	}
	names := make([]string, 0, len(ex.responseHeaders))
	for k := range ex.responseHeaders {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if credentialHeaders[k] {
			continue
		}
		s := attrs.PutEmptySlice("http.response.header." + k)
		for _, v := range ex.responseHeaders[k] {
			s.AppendEmpty().SetStr(v)
		}
	}
	if ex.requestBody != "" {
		attrs.PutStr("ai_gateway.request.body", ex.requestBody)
	}
	if ex.responseBody != "" {
		attrs.PutStr("ai_gateway.response.body", ex.responseBody)
	}
	if ex.status >= 400 {
		attrs.PutStr("error.type", itoa(int64(ex.status)))
		span.Status().SetCode(ptrace.StatusCodeError)
	}
	return td
}

func goldenName(file string) string {
	name, index, _ := strings.Cut(file, "#")
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".yaml"), ".json")
	r := strings.NewReplacer("/", "__", "[", "_", "]", "_", "(", "_", ")", "_", " ", "_")
	return r.Replace(name) + "_" + index
}

// TestReplayRecordingsGolden runs every recorded model exchange through the
// processor (capture_content on, so the captured messages are checked too)
// and compares with testdata/golden. Regenerate with -update, then read the
// diff: the files are the hand-checked expectations.
func TestReplayRecordingsGolden(t *testing.T) {
	cfg := defaultConfig()
	cfg.CaptureContent = true
	cfg.MaxContentLength = 512
	exs := readRawExchanges(t)
	require.GreaterOrEqual(t, len(exs), 56)
	for _, ex := range exs {
		t.Run(ex.file, func(t *testing.T) {
			span, _ := runProcessor(t, cfg, recordedSpan(ex))
			got := ptrace.NewTraces()
			rs := got.ResourceSpans().AppendEmpty()
			rs.Resource().Attributes().PutStr("service.name", "ai-gateway")
			span.CopyTo(rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty())

			path := filepath.Join("testdata", "golden", goldenName(ex.file)+".yaml")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, golden.WriteTraces(t, path, got))
			}
			want, err := golden.ReadTraces(path)
			require.NoError(t, err)
			require.NoError(t, ptracetest.CompareTraces(want, got))
		})
	}
}
