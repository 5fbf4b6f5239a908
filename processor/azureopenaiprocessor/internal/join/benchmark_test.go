package join

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
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

// newPollingJoiner starts the real client over httpClient and a joiner on
// it as Start would, without the poll loop: a benchmark polls by itself.
func newPollingJoiner(b *testing.B, cfg harnessConfig, httpClient *http.Client, clock *fakeClock) (*Joiner, *loganalytics.Client, func()) {
	b.Helper()
	src, err := loganalytics.NewClient(cfg.sourceConfig, componenttest.NewNopTelemetrySettings(),
		loganalytics.WithHTTPClient(httpClient))
	require.NoError(b, err)
	require.NoError(b, src.Start(context.Background(), componenttest.NewNopHost()))
	j := newBenchJoiner(b, cfg, src, WithClock(clock))
	j.started = true
	return j, src, func() {
		require.NoError(b, j.Shutdown(context.Background()))
		httpClient.CloseIdleConnections()
	}
}

// BenchmarkPendingMemory holds 50 000 pending lifted spans (about thirty
// attributes each, bodies removed) and reports the heap they take in the join,
// per span, and apart the memory of the index outside the heap (offheap.go). In memory ("memory") it also reports the heap the same spans take
// on their own, the difference (the join's overhead per span) and the
// buffer's own estimate, which bounds it by max_pending_bytes. With
// file_storage ("file_storage", contrib's extension in a temporary directory)
// the heap is the index alone; it reports the bytes stored per span (the
// batches, and the database file) and what Admit costs per span, the write
// of its stored batch included.
func BenchmarkPendingMemory(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchmarkPendingMemory(b, false) })
	b.Run("file_storage", func(b *testing.B) { benchmarkPendingMemory(b, true) })
}

func benchmarkPendingMemory(b *testing.B, stored bool) {
	cfg := testConfig("https://api.loganalytics.io")
	var heldPerSpan, offHeapPerSpan, alonePerSpan, estimatePerSpan, storedPerSpan, filePerSpan float64
	var admitting, admittingCPU, restoring time.Duration
	for b.Loop() {
		b.StopTimer()
		if !stored {
			before := heapInUse()
			alone := make([]ptrace.Span, benchPending)
			for i := range alone {
				alone[i] = ptrace.NewSpan()
				addLiftedSpan(alone[i], t0, key(i))
			}
			alonePerSpan = float64(heapInUse()-before) / benchPending
			runtime.KeepAlive(alone)
			alone = nil
		}

		src, err := loganalytics.NewClient(cfg.sourceConfig, componenttest.NewNopTelemetrySettings())
		require.NoError(b, err)
		var fs *fileStorage
		if stored {
			cfg.Storage = &fileStorageID
			cfg.MaxPending = benchPending
			fs = startFileStorage(b, b.TempDir())
		}
		j := newBenchJoiner(b, cfg, src, WithComponentID(testProcessorID))
		if stored {
			// The storage and the index, without the source and its loop.
			j.store, err = openStore(context.Background(), fs.host(), fileStorageID, testProcessorID)
			require.NoError(b, err)
		}
		before := heapInUse()
		requests := oneSpanRequests(benchPending)
		began := time.Now()
		cpuBefore, _ := processCPUTime()
		b.StartTimer()
		for _, td := range requests {
			require.NoError(b, j.Admit(context.Background(), td, acceptAll))
		}
		b.StopTimer()
		admitting += time.Since(began)
		cpuAfter, _ := processCPUTime()
		admittingCPU += cpuAfter - cpuBefore
		requests = nil // what Admit left of them is garbage now
		heldPerSpan = float64(int64(heapInUse())-int64(before)) / benchPending
		j.mu.Lock()
		require.Equal(b, benchPending, j.buffer.spans)
		estimatePerSpan = float64(j.buffer.bytes) / benchPending
		offHeap := j.buffer.offHeapBytes()
		if stored {
			offHeap += j.store.live.regions.bytes()
		}
		offHeapPerSpan = float64(offHeap) / benchPending
		storedPerSpan = float64(j.buffer.stored) / benchPending
		j.mu.Unlock()
		if stored {
			require.NoError(b, j.store.close(context.Background()))
			filePerSpan = float64(dirBytes(b, fs.dir)) / benchPending
			restoring += restoreTime(b, cfg, fs)
		}
		require.NoError(b, j.Shutdown(context.Background()))
		b.StartTimer()
	}
	b.ReportMetric(heldPerSpan, "held-B/span")
	b.ReportMetric(offHeapPerSpan, "offheap-B/span")
	b.ReportMetric(estimatePerSpan, "estimate-B/span")
	b.ReportMetric(float64(admitting.Nanoseconds())/float64(b.N)/benchPending, "admit-ns/span")
	if _, ok := processCPUTime(); ok {
		b.ReportMetric(float64(admittingCPU.Nanoseconds())/float64(b.N)/benchPending, "admit-cpu-ns/span")
	}
	if stored {
		b.ReportMetric(storedPerSpan, "stored-B/span")
		b.ReportMetric(filePerSpan, "file-B/span")
		b.ReportMetric(float64(restoring.Nanoseconds())/float64(b.N)/benchPending, "restore-ns/span")
		return
	}
	b.ReportMetric(alonePerSpan, "alone-B/span")
	b.ReportMetric(heldPerSpan-alonePerSpan, "overhead-B/span")
}

// restoreTime is how long a new join takes to take back the spans stored in
// fs, as at a start.
func restoreTime(b *testing.B, cfg harnessConfig, fs *fileStorage) time.Duration {
	src, err := loganalytics.NewClient(cfg.sourceConfig, componenttest.NewNopTelemetrySettings())
	require.NoError(b, err)
	j := newBenchJoiner(b, cfg, src, WithComponentID(testProcessorID))
	j.store, err = openStore(context.Background(), fs.host(), fileStorageID, testProcessorID)
	require.NoError(b, err)
	began := time.Now()
	require.NoError(b, j.restore(context.Background()))
	took := time.Since(began)
	j.mu.Lock()
	require.Equal(b, benchPending, j.buffer.spans)
	j.mu.Unlock()
	require.NoError(b, j.store.close(context.Background()))
	require.NoError(b, j.Shutdown(context.Background()))
	return took
}

// dirBytes is the size of the files in dir.
func dirBytes(b *testing.B, dir string) int64 {
	entries, err := os.ReadDir(dir)
	require.NoError(b, err)
	var n int64
	for _, e := range entries {
		info, err := e.Info()
		require.NoError(b, err)
		n += info.Size()
	}
	return n
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
			j, _, stop := newPollingJoiner(b, cfg, server.Client(), clock)
			defer stop()
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

// BenchmarkAdmitFileStorage is Admit's cost per one-span request with
// file_storage, the write of its stored batch included, from one sender
// ("serial") and from 16 at once ("concurrent", as a receiver serving many
// connections), where writes that queue share a storage transaction.
func BenchmarkAdmitFileStorage(b *testing.B) {
	for _, senders := range []int{1, 16} {
		name := "serial"
		if senders > 1 {
			name = "concurrent"
		}
		b.Run(name, func(b *testing.B) {
			cfg := testConfig("https://api.loganalytics.io")
			cfg.Storage = &fileStorageID
			cfg.MaxPending = 10_000_000
			src, err := loganalytics.NewClient(cfg.sourceConfig, componenttest.NewNopTelemetrySettings())
			require.NoError(b, err)
			fs := startFileStorage(b, b.TempDir())
			j := newBenchJoiner(b, cfg, src, WithComponentID(testProcessorID))
			j.store, err = openStore(context.Background(), fs.host(), fileStorageID, testProcessorID)
			require.NoError(b, err)
			var next atomic.Int64
			b.SetParallelism(max(1, senders/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					td := spansFor(t0, key(int(next.Add(1))))
					if err := j.Admit(context.Background(), td, acceptAll); err != nil {
						b.Error(err)
					}
				}
			})
			b.StopTimer()
			require.NoError(b, j.store.close(context.Background()))
			require.NoError(b, j.Shutdown(context.Background()))
		})
	}
}

// BenchmarkCursorPoll is one poll of the ingestion-time cursor at 500 calls
// a second: 90 s of rows (30 s since the last poll and the 1-minute
// ingestion_overlap), 45 000 calls of three rows, 135 000 rows in three
// pages of max_rows_per_query, two thirds of them read by the last poll.
// It runs the KQL, the real azquery client over TLS, decoding,
// de-duplication and the join of the 15 000 new calls to their spans. The
// fake server's answers are recorded once and replayed, so that what is
// allocated is the client's: B/row is per row read.
func BenchmarkCursorPoll(b *testing.B) {
	const (
		rate  = 500 // calls a second
		calls = 90 * rate
		fresh = 30 * rate // the calls since the last poll
	)
	now := t0.Add(time.Hour)
	clock := newFakeClock(now)
	server := fakeloganalytics.New(fakeloganalytics.Options{WorkspaceID: testWorkspace, Token: testToken, Now: clock.Now})
	defer server.Close()
	first := now.Add(-90 * time.Second)
	for i := range calls {
		ingested := first.Add(time.Duration(i) * time.Second / rate)
		server.AddRows(fakeloganalytics.CallRows(key(i), ingested.Add(-2*time.Minute), ingested)...)
	}
	replay := newReplayServer(server)
	defer replay.Close()
	j, src, stop := newPollingJoiner(b, testConfig(replay.URL), replay.Client(), clock)
	defer stop()

	// The ids the last poll read: the rows of the overlap.
	lastRead := now.Add(-30 * time.Second)
	overlap, err := src.Scan(context.Background(), source.ScanRequest{
		IngestedFrom: first, IngestedTo: lastRead.Add(-time.Nanosecond), Limit: 500_000,
		Window: source.Window{From: first.Add(-time.Hour), To: now},
	})
	require.NoError(b, err)
	require.Len(b, overlap.Rows, 3*(calls-fresh))
	seen := make(map[uint64]int64, len(overlap.Rows))
	for _, r := range overlap.Rows {
		seen[r.ID] = r.IngestedAt.UnixNano()
	}
	overlap = source.ScanAnswer{}

	// prepare puts the join where the last poll left it, with the spans of
	// the new calls pending.
	prepare := func() {
		td := ptrace.NewTraces()
		for i := calls - fresh; i < calls; i++ {
			spansFor(t0, key(i)).ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
		}
		require.NoError(b, j.Admit(context.Background(), td, acceptAll))
		j.mu.Lock()
		j.budget = newQueryBudget()
		j.cursor.readTo, j.cursor.resume = lastRead, false
		j.cursor.seen = make(map[uint64]int64, len(seen))
		for id, at := range seen {
			j.cursor.seen[id] = at
		}
		j.mu.Unlock()
		runtime.GC()
	}
	pollOnce := func() {
		out := j.poll(context.Background(), false)
		j.deliver(context.Background(), out, false)
		if out.counts[StatusJoined] != fresh {
			b.Fatalf("joined %d, want %d", out.counts[StatusJoined], fresh)
		}
	}

	var before, after runtime.MemStats
	var allocated uint64
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		prepare()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		pollOnce()
		b.StopTimer()
		runtime.ReadMemStats(&after)
		allocated += after.TotalAlloc - before.TotalAlloc
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(3*calls), "ns/row")
	b.ReportMetric(float64(allocated)/float64(b.N)/float64(3*calls), "B/row")

	// What a poll holds: one more poll, untimed, with the collector
	// collecting at 5 % of growth, so that the heap follows what is live.
	prepare()
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	runtime.ReadMemStats(&before)
	stopWatch := watchHeap()
	pollOnce()
	b.ReportMetric(float64(stopWatch()-before.HeapAlloc)/(1<<20), "held-MiB")
}

// watchHeap samples the heap's objects (live and not yet collected) every
// millisecond until the returned function is called, which returns the
// highest sample.
func watchHeap() func() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done := make(chan struct{})
	result := make(chan uint64)
	go func() {
		var highest uint64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			highest = max(highest, sample[0].Value.Uint64())
			select {
			case <-done:
				result <- highest
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		return <-result
	}
}

// newReplayServer answers as server does, each distinct query once: later
// queries are answered from the recording, so a benchmark counts the
// client's work alone.
func newReplayServer(server *fakeloganalytics.Server) *httptest.Server {
	var mu sync.Mutex
	recorded := map[string][]byte{}
	return httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		answer, ok := recorded[r.URL.Path+string(body)]
		mu.Unlock()
		if !ok {
			forward, err := http.NewRequestWithContext(r.Context(), r.Method, server.URL()+r.URL.Path, bytes.NewReader(body))
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			forward.Header = r.Header.Clone()
			resp, err := server.Client().Do(forward)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			answer, err = io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				http.Error(w, fmt.Sprintf("fake answered %d: %v", resp.StatusCode, err), http.StatusBadGateway)
				return
			}
			mu.Lock()
			recorded[r.URL.Path+string(body)] = answer
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(answer)
	}))
}

// BenchmarkStoredRelease is one poll's release with storage: 15 000 stored
// one-span batches (30 s of calls at 500 a second, the soak's rate) read
// back, marked, offered downstream and forgotten. Downstream marshals each
// offer to OTLP protobuf, as an exporter that sends at once would, and
// keeps nothing. "steps" is the delivery as it is, releaseStepBytes of
// stored batches a step; "all-at-once" reads them in one step, as before
// steps. held-MiB is the most heap live at an offer (a probe run after the
// timed ones: it collects garbage at every offer).
func BenchmarkStoredRelease(b *testing.B) {
	const spans = 15_000
	for _, c := range []struct {
		name string
		step int64
	}{{"steps", releaseStepBytes}, {"all-at-once", math.MaxInt64}} {
		b.Run(c.name, func(b *testing.B) {
			marshaler := &ptrace.ProtoMarshaler{}
			var probe func()
			release := func(_ context.Context, td ptrace.Traces) error {
				if _, err := marshaler.MarshalTraces(td); err != nil {
					return err
				}
				if probe != nil {
					probe()
				}
				return nil
			}
			run := func(timed bool) {
				b.StopTimer()
				cfg := testConfig("https://api.loganalytics.io")
				cfg.Storage = &fileStorageID
				cfg.MaxPending = spans
				src, err := loganalytics.NewClient(cfg.sourceConfig, componenttest.NewNopTelemetrySettings())
				require.NoError(b, err)
				fs := startFileStorage(b, b.TempDir())
				tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
				require.NoError(b, err)
				clock := newFakeClock(t0)
				j, err := NewJoiner(cfg.Config, src, componenttest.NewNopTelemetrySettings(), tb, release,
					WithClock(clock), WithComponentID(testProcessorID))
				require.NoError(b, err)
				j.store, err = openStore(context.Background(), fs.host(), fileStorageID, testProcessorID)
				require.NoError(b, err)
				j.releaseStep = c.step
				for _, td := range oneSpanRequests(spans) {
					require.NoError(b, j.Admit(context.Background(), td, acceptAll))
				}
				clock.Advance(cfg.MaxWait)
				out := j.settle(nil, false) // every span reached max_wait
				require.Equal(b, spans, out.spans)
				if timed {
					b.StartTimer()
				}
				j.deliver(context.Background(), out, false)
				b.StopTimer()
				j.mu.Lock()
				require.Equal(b, 0, j.buffer.heldSpans(), "every span left")
				j.mu.Unlock()
				require.NoError(b, j.store.close(context.Background()))
				require.NoError(b, j.Shutdown(context.Background()))
				require.NoError(b, fs.ext.Shutdown(context.Background()))
				b.StartTimer()
			}
			b.ReportAllocs()
			for b.Loop() {
				run(true)
			}
			b.StopTimer()
			base := heapInUse()
			var peak uint64
			probe = func() {
				if h := heapInUse(); h > base {
					peak = max(peak, h-base)
				}
			}
			run(false)
			probe = nil
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/spans, "ns/span")
			b.ReportMetric(float64(peak)/(1<<20), "held-MiB")
		})
	}
}
