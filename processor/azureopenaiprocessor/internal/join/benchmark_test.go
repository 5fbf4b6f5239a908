package join

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

const benchPending = 50_000

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// oneSpanRequests builds n single-span batches, as the gateway receiver sends
// them (one record, one request, one span).
func oneSpanRequests(n int) []ptrace.Traces {
	out := make([]ptrace.Traces, n)
	for i := range out {
		out[i] = spansFor(t0, key(i))
	}
	return out
}

// acceptAll is a downstream that takes everything.
func acceptAll(context.Context, ptrace.Traces) error { return nil }

func newBenchJoiner(b *testing.B, cfg harnessConfig, src source.Source, opts ...Option) *Joiner {
	b.Helper()
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	require.NoError(b, err)
	j, err := NewJoiner(cfg.Config, src, componenttest.NewNopTelemetrySettings(), tb,
		acceptAll, append([]Option{WithClock(newFakeClock(t0))}, opts...)...)
	require.NoError(b, err)
	return j
}

// BenchmarkPendingMemory holds 50 000 pending lifted spans (about thirty
// attributes each, bodies removed) and reports the heap they take in the join
// buffer, the heap the same spans take on their own, the difference (the
// join's overhead per span) and the buffer's own estimate, which bounds it by
// max_pending_bytes.
func BenchmarkPendingMemory(b *testing.B) {
	cfg := testConfig("https://api.loganalytics.io")
	var heldPerSpan, alonePerSpan, estimatePerSpan float64
	for b.Loop() {
		b.StopTimer()
		before := heapInUse()
		alone := make([]ptrace.Span, benchPending)
		for i := range alone {
			alone[i] = ptrace.NewSpan()
			addLiftedSpan(alone[i], t0, key(i))
		}
		alonePerSpan = float64(heapInUse()-before) / benchPending
		runtime.KeepAlive(alone)
		alone = nil

		src, err := loganalytics.NewClient(cfg.sourceConfig, componenttest.NewNopTelemetrySettings())
		require.NoError(b, err)
		j := newBenchJoiner(b, cfg, src)
		before = heapInUse()
		requests := oneSpanRequests(benchPending)
		b.StartTimer()
		for _, td := range requests {
			require.NoError(b, j.Admit(context.Background(), td, acceptAll))
		}
		b.StopTimer()
		requests = nil // what Admit left of them is garbage now
		heldPerSpan = float64(heapInUse()-before) / benchPending
		j.mu.Lock()
		require.Equal(b, benchPending, j.buffer.spans)
		estimatePerSpan = float64(j.buffer.bytes) / benchPending
		j.mu.Unlock()
		require.NoError(b, j.Shutdown(context.Background()))
		b.StartTimer()
	}
	b.ReportMetric(heldPerSpan, "held-B/span")
	b.ReportMetric(alonePerSpan, "alone-B/span")
	b.ReportMetric(heldPerSpan-alonePerSpan, "overhead-B/span")
	b.ReportMetric(estimatePerSpan, "estimate-B/span")
}

// BenchmarkPoll500Keys is the cost of one poll that looks up 500 keys: the
// KQL, the real azquery client over TLS, the fake server's answer (in this
// process, so its CPU counts too), row decoding, enrichment and release.
// "joining" finds the three rows of every call and releases all 500 spans;
// "waiting" finds none yet, the usual case for a key's first polls.
func BenchmarkPoll500Keys(b *testing.B) {
	const keys = 500
	for _, joining := range []bool{true, false} {
		name := "waiting"
		if joining {
			name = "joining"
		}
		b.Run(name, func(b *testing.B) {
			clock := newFakeClock(t0)
			server := fakeloganalytics.New(fakeloganalytics.Options{WorkspaceID: testWorkspace, Token: testToken, Now: clock.Now})
			defer server.Close()
			if joining {
				for i := range keys {
					server.AddRows(fakeloganalytics.CallRows(key(i), t0, time.Time{})...)
				}
			}
			cfg := testConfig(server.URL())
			cfg.Lookup = LookupKeys // the cursor's join is BenchmarkCursorJoin
			// The source Start would start, without the poll loop: the
			// benchmark polls by itself.
			src, err := loganalytics.NewClient(cfg.sourceConfig, componenttest.NewNopTelemetrySettings(),
				loganalytics.WithHTTPClient(server.Client()))
			require.NoError(b, err)
			require.NoError(b, src.Start(context.Background(), componenttest.NewNopHost()))
			j := newBenchJoiner(b, cfg, src, WithClock(clock))
			j.started = true
			defer func() {
				require.NoError(b, j.Shutdown(context.Background()))
				server.Client().CloseIdleConnections()
			}()
			admit := func() {
				td := ptrace.NewTraces()
				for _, req := range oneSpanRequests(keys) {
					req.ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
				}
				require.NoError(b, j.Admit(context.Background(), td, acceptAll))
			}
			if !joining {
				admit()
			}

			b.ReportAllocs()
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				if joining {
					admit()
				}
				clock.Advance(queryBudgetWindow) // a poll per budget window, as in production
				cpuBefore, _ := processCPUTime()
				b.StartTimer()
				out := j.poll(context.Background(), false)
				j.deliver(context.Background(), out, false)
				b.StopTimer()
				cpuAfter, _ := processCPUTime()
				cpu += cpuAfter - cpuBefore
				if want := map[bool]int64{true: keys, false: 0}[joining]; out.counts[StatusJoined] != want {
					b.Fatalf("joined %d, want %d", out.counts[StatusJoined], want)
				}
				b.StartTimer()
			}
			if _, ok := processCPUTime(); ok {
				b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/poll")
			}
		})
	}
}
