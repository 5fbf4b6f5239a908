package azureopenaiprocessor

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/recordings"
)

var update = flag.Bool("update", false, "rewrite the golden files of the replay tests")

// TestReplayRecordingsGolden replays every recorded exchange through the
// receiver's record→span translation (internal/exchange) and this processor
// (capture_content on, so captured messages are checked too), and compares
// the span with testdata/golden. Regenerate with -update, then read the diff:
// the files are the hand-checked expectations.
func TestReplayRecordingsGolden(t *testing.T) {
	cfg := defaultConfig()
	cfg.CaptureContent = true
	cfg.MaxContentLength = 512
	dec := exchange.NewDecoder(exchange.Options{})
	exs := readRawExchanges(t)
	require.GreaterOrEqual(t, len(exs), 57)
	for _, ex := range exs {
		t.Run(ex.file, func(t *testing.T) {
			res, err := dec.Decode(ex.record, exchange.FormatJSON)
			require.NoError(t, err)
			require.Equal(t, 1, res.Accepted, "%v", res.Errors)
			span, _ := runProcessor(t, cfg, res.Traces)
			got := ptrace.NewTraces()
			res.Traces.ResourceSpans().At(0).Resource().CopyTo(got.ResourceSpans().AppendEmpty().Resource())
			span.CopyTo(got.ResourceSpans().At(0).ScopeSpans().AppendEmpty().Spans().AppendEmpty())

			path := filepath.Join("testdata", "golden", recordings.GoldenName(ex.file)+".yaml")
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
