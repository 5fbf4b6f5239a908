package aigatewayreceiver

import (
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/recordings"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from what the receiver produces")

// credentialNames never become attributes.
var credentialNames = map[string]bool{
	"authorization": true, "proxy-authorization": true, "api-key": true, "x-api-key": true,
	"ocp-apim-subscription-key": true, "cookie": true, "set-cookie": true,
}

// TestRecordingsThroughReceiver posts every recorded exchange, as a gateway
// would, to the real receiver and checks the span against the recording and
// against its golden file (go test -run TestRecordingsThroughReceiver -update
// rewrites them; read the diff before committing).
func TestRecordingsThroughReceiver(t *testing.T) {
	all, err := recordings.LoadAll()
	require.NoError(t, err)
	sink := new(consumertest.TracesSink)
	endpoint := startReceiver(t, defaultConfig(), receivertest.NewNopSettings(metadata.Type), sink)

	for _, ex := range all {
		t.Run(ex.Name, func(t *testing.T) {
			sink.Reset()
			a := post(t, endpoint, "application/json", string(ex.Record))
			require.Equal(t, http.StatusOK, a.status, a.body)
			assert.JSONEq(t, `{"accepted":1,"rejected":0}`, a.body)
			require.Len(t, sink.AllTraces(), 1)
			td := sink.AllTraces()[0]
			require.Equal(t, 1, td.SpanCount())
			checkAgainstRecording(t, ex, td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0))

			path := filepath.Join("testdata", "golden", recordings.GoldenName(ex.Name)+".yaml")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, golden.WriteTracesToFile(path, td))
			}
			expected, err := golden.ReadTraces(path)
			require.NoError(t, err, "no golden file: run with -update")
			require.NoError(t, ptracetest.CompareTraces(expected, td))
		})
	}
}

// checkAgainstRecording compares the span with the recording itself, not
// with anything the receiver computed.
func checkAgainstRecording(t *testing.T, ex recordings.Exchange, span ptrace.Span) {
	t.Helper()
	attrs := span.Attributes()
	raw := attrs.AsRaw()
	u, err := url.Parse(ex.URL)
	require.NoError(t, err)

	assert.Equal(t, ptrace.SpanKindClient, span.Kind())
	assert.True(t, strings.HasPrefix(span.Name(), ex.Method+" "), span.Name())
	assert.Equal(t, ex.Method, raw["http.request.method"])
	assert.Equal(t, ex.URL, raw["url.full"], "no recorded URL carries a credential")
	assert.Equal(t, u.Path, raw["url.path"])
	assert.Equal(t, u.Hostname(), raw["server.address"])
	assert.Equal(t, int64(ex.Status), raw["http.response.status_code"])
	assert.Equal(t, ex.Name, raw["ai_gateway.record.id"])
	if ex.Status >= 400 {
		assert.Equal(t, ptrace.StatusCodeError, span.Status().Code())
		assert.Equal(t, itoa(int64(ex.Status)), raw["error.type"])
	} else {
		assert.Equal(t, ptrace.StatusCodeUnset, span.Status().Code())
	}
	if ex.RequestBody != "" {
		assert.Equal(t, ex.RequestBody, raw["ai_gateway.request.body"])
		assert.Equal(t, int64(len(ex.RequestBody)), raw["http.request.body.size"])
	}
	if ex.ResponseBody != "" {
		assert.Equal(t, ex.ResponseBody, raw["ai_gateway.response.body"])
	}
	checkHeaders(t, attrs, "http.request.header.", ex.RequestHeaders)
	checkHeaders(t, attrs, "http.response.header.", ex.ResponseHeaders)
}

func checkHeaders(t *testing.T, attrs pcommon.Map, prefix string, headers []recordings.Header) {
	t.Helper()
	want := map[string][]any{}
	for _, h := range headers {
		name := strings.ToLower(h.Name)
		if credentialNames[name] {
			assert.NotContains(t, attrs.AsRaw(), prefix+name)
			continue
		}
		for _, v := range h.Values {
			want[prefix+name] = append(want[prefix+name], v)
		}
	}
	got := 0
	for k, v := range attrs.All() {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		got++
		require.Equal(t, pcommon.ValueTypeSlice, v.Type(), k)
		assert.Equal(t, want[k], v.Slice().AsRaw(), k)
	}
	assert.Len(t, want, got, "one attribute per recorded header name")
}
