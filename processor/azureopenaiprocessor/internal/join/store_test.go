package join

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadatatest"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

var fileStorageID = component.MustNewIDWithName("file_storage", "join")

// fileStorage is contrib's file_storage extension on a directory, started,
// and a host that offers it as a collector would.
type fileStorage struct {
	dir string
	ext extension.Extension
}

func startFileStorage(t testing.TB, dir string) *fileStorage {
	t.Helper()
	factory := filestorage.NewFactory()
	cfg := factory.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	ext, err := factory.Create(context.Background(), extensiontest.NewNopSettings(factory.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	fs := &fileStorage{dir: dir, ext: ext}
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return fs
}

func (fs *fileStorage) host() component.Host {
	return extensionHost{Host: componenttest.NewNopHost(), extensions: map[component.ID]component.Component{fileStorageID: fs.ext}}
}

type extensionHost struct {
	component.Host
	extensions map[component.ID]component.Component
}

func (h extensionHost) GetExtensions() map[component.ID]component.Component { return h.extensions }

// withFileStorage runs the harness's join with storage: file_storage/join on
// a directory of its own.
func withFileStorage(t *testing.T) (harnessOption, harnessOption, *fileStorage) {
	fs := startFileStorage(t, t.TempDir())
	return withHost(fs.host()), withConfig(func(cfg *harnessConfig) { cfg.Storage = &fileStorageID }), fs
}

func newStoredHarness(t *testing.T, opts ...harnessOption) (*harness, *fileStorage) {
	t.Helper()
	host, cfg, fs := withFileStorage(t)
	return newHarness(t, append([]harnessOption{host, cfg}, opts...)...), fs
}

// kill leaves h's joiner as a SIGKILL would: no Shutdown, no last lookup,
// nothing released; its storage client closed as the process's end closes
// the file. What it stored is what the next start finds.
func (h *harness) kill() {
	h.t.Helper()
	j := h.joiner
	j.mu.Lock()
	j.stopped = true // nothing gets in or out of it any more
	j.mu.Unlock()
	j.cancelLoop()
	<-j.loopDone
	j.cancelSend()
	require.NoError(h.t, j.src.Shutdown(context.Background()))
	require.NoError(h.t, j.store.close(context.Background()))
}

// restart starts a new joiner on the storage of fs, the same clock, fake
// workspace and downstream, as the collector started again; crashed says
// the old one was killed, else it is shut down first. The file_storage
// extension is started again on the same directory.
func (h *harness) restart(fs *fileStorage, crashed bool) *fileStorage {
	h.t.Helper()
	if crashed {
		h.kill()
	} else {
		h.shutdown()
	}
	require.NoError(h.t, fs.ext.Shutdown(context.Background()))
	fs = startFileStorage(h.t, fs.dir)
	for len(h.polled) > 0 { // the old loop's last polls
		<-h.polled
	}

	set := h.tel.NewTelemetrySettings()
	core, logs := observer.New(zap.DebugLevel)
	set.Logger = zap.New(core)
	h.logs = logs
	tb, err := metadata.NewTelemetryBuilder(set)
	require.NoError(h.t, err)
	h.t.Cleanup(tb.Shutdown)
	src, err := loganalytics.NewClient(h.cfg.sourceConfig, set, loganalytics.WithHTTPClient(h.server.Client()))
	require.NoError(h.t, err)
	h.joiner, err = NewJoiner(h.cfg.Config, src, set, tb, h.sink.release,
		WithClock(h.clock), withPollHook(func() { h.polled <- struct{}{} }), WithComponentID(testProcessorID))
	require.NoError(h.t, err)
	require.NoError(h.t, h.joiner.Start(context.Background(), fs.host()))
	j := h.joiner
	h.t.Cleanup(func() { _ = j.Shutdown(context.Background()) })
	return fs
}

// storedBatches is how many batches the join's storage holds.
func (h *harness) storedBatches() int {
	s := h.joiner.store
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := range s.live.len() {
		if !s.live.at(i).done() {
			n++
		}
	}
	return n
}

// batchOf builds one request holding a span per key, each with an id of its
// own, and their ids.
func batchOf(keys []string) (ptrace.Traces, map[pcommon.SpanID]int) {
	td := ptrace.NewTraces()
	for _, k := range keys {
		spansFor(t0, k).ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
	}
	withUniqueSpanIDs(td)
	copied := ptrace.NewTraces()
	td.CopyTo(copied)
	return td, spanIDCounts(copied)
}

// requestsOf builds one single-span request per key, each span with an id
// of its own, and their ids.
func requestsOf(keys []string) ([]ptrace.Traces, map[pcommon.SpanID]int) {
	var reqs []ptrace.Traces
	var all []ptrace.Traces
	for _, k := range keys {
		td := withUniqueSpanIDs(spansFor(t0, k))
		reqs = append(reqs, td)
		copied := ptrace.NewTraces()
		td.CopyTo(copied)
		all = append(all, copied)
	}
	return reqs, spanIDCounts(all...)
}

func keyRange(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, key(i))
	}
	return out
}

func TestStoredSpansWaitThroughARestart(t *testing.T) {
	h, fs := newStoredHarness(t)
	keys := keyRange(300, 320)
	reqs, in := requestsOf(keys)
	for _, td := range reqs {
		h.admit(context.Background(), td)
	}
	assert.Equal(t, len(keys), h.storedBatches(), "one stored batch per request")
	h.poll() // no rows yet

	h.restart(fs, false)
	assert.Equal(t, 0, h.sink.batchCount(), "shutdown with storage releases nothing that did not join")
	assert.Equal(t, len(keys), h.pendingKeys(), "the new start took every span back")
	for _, k := range keys {
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	}
	h.poll()

	assert.Equal(t, in, spanIDCounts(h.sink.accepted()...), "every span left exactly once")
	for k, span := range h.sink.spans(t) {
		assert.Equal(t, "joined", statusOf(t, span), k)
	}
	assert.Equal(t, 0, h.storedBatches(), "delivered batches are deleted")
	h.joiner.mu.Lock()
	assert.Equal(t, int64(0), h.joiner.buffer.stored)
	h.joiner.mu.Unlock()
}

func TestStoredSpansKeepTheirEntryTimeAcrossARestart(t *testing.T) {
	h, fs := newStoredHarness(t)
	k := key(330)
	h.admit(context.Background(), spansFor(t0, k))
	h.pollUntil(3 * time.Minute)
	h.restart(fs, false)
	h.pollUntil(h.cfg.MaxWait - 3*time.Minute - h.cfg.PollInterval)
	assert.Equal(t, 0, h.sink.batchCount(), "still within max_wait of its first entry")
	h.poll()
	assert.Equal(t, "not_found", statusOf(t, h.sink.spans(t)[k]), "max_wait counts from the first entry, not the restart")
}

func TestCrashLosesNoStoredSpanAndReleasesNoneTwice(t *testing.T) {
	h, fs := newStoredHarness(t)
	keys := keyRange(400, 430)
	reqs, in := requestsOf(keys)
	for _, k := range keys[:10] {
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	}
	for _, td := range reqs {
		h.admit(context.Background(), td)
	}
	h.poll()
	require.Equal(t, 10, len(h.sink.spans(t)), "the first ten joined before the crash")

	h.restart(fs, true)
	assert.Equal(t, 20, h.pendingKeys(), "what had left is not taken back")
	for _, k := range keys[10:] {
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	}
	h.poll()

	assert.Equal(t, in, spanIDCounts(h.sink.accepted()...), "each admitted span left exactly once")
	for k, span := range h.sink.spans(t) {
		assert.Equal(t, "joined", statusOf(t, span), k)
	}
	assert.Equal(t, 0, h.storedBatches())
	store := h.joiner.store
	store.mu.Lock()
	assert.Equal(t, store.next, store.first, "the manifest names no batch any more: the next start reads nothing")
	store.mu.Unlock()
}

func TestCrashKeepsWhatIsLeftOfAPartlyDeliveredBatch(t *testing.T) {
	h, fs := newStoredHarness(t)
	keys := keyRange(440, 446)
	td, in := batchOf(keys)
	for _, k := range keys[:3] {
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	}
	h.admit(context.Background(), td)
	require.Equal(t, 1, h.storedBatches(), "one Admit, one stored batch")
	h.poll()
	require.Len(t, h.sink.spans(t), 3)
	require.Equal(t, 1, h.storedBatches(), "half of it still waits")

	h.restart(fs, true)
	assert.Equal(t, 3, h.pendingKeys(), "the delivered half is not taken back")
	for _, k := range keys[3:] {
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	}
	h.poll()
	assert.Equal(t, in, spanIDCounts(h.sink.accepted()...))
	assert.Equal(t, 0, h.storedBatches())
}

func TestRefusedStoredReleaseStaysStoredUntilAcceptedAcrossARestart(t *testing.T) {
	refusing := true
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	downstream := func(context.Context, int) error {
		<-mu
		defer func() { mu <- struct{}{} }()
		if refusing {
			return errors.New("sending queue is full")
		}
		return nil
	}
	h, fs := newStoredHarness(t, withDownstream(downstream))
	keys := keyRange(500, 503)
	reqs, in := requestsOf(keys)
	for _, k := range keys {
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	}
	for _, td := range reqs {
		h.admit(context.Background(), td)
	}
	h.poll() // joined, refused
	h.poll() // retried, refused
	require.Equal(t, 2, h.sink.offers())
	assert.Equal(t, len(keys), h.storedBatches(), "refused: still stored")
	h.joiner.mu.Lock()
	assert.Len(t, h.joiner.refusedStored, len(keys), "only index entries wait for the retry")
	h.joiner.mu.Unlock()

	fs = h.restart(fs, false) // the last delivery at shutdown is refused too
	assert.Equal(t, 0, h.sink.batchCount())
	assert.Equal(t, len(keys), h.pendingKeys(), "kept across the restart")

	<-mu
	refusing = false
	mu <- struct{}{}
	h.poll()
	assert.Equal(t, in, spanIDCounts(h.sink.accepted()...), "accepted once")
	for k, span := range h.sink.spans(t) {
		assert.Equal(t, "joined", statusOf(t, span), k)
	}
	assert.Equal(t, 0, h.storedBatches())
	_ = fs
}

func TestResentBatchOfStoredSpansIsNotHeldTwice(t *testing.T) {
	h, fs := newStoredHarness(t)
	keys := keyRange(600, 604)
	batch := ptrace.NewTraces()
	for _, k := range keys {
		spansFor(t0, k).ResourceSpans().MoveAndAppendTo(batch.ResourceSpans())
	}
	unkeyed := batch.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty()
	unkeyed.SetName("no request id")
	withUniqueSpanIDs(batch)
	send := func() ptrace.Traces {
		td := ptrace.NewTraces()
		batch.CopyTo(td)
		return h.admit(context.Background(), td)
	}

	// The receiver's answer to the first delivery was lost (the collector
	// died after storing): the sender sends the same batch again.
	assert.Equal(t, 1, send().SpanCount(), "the unkeyed span passes")
	fs = h.restart(fs, true)
	assert.Equal(t, 1, send().SpanCount(), "the unkeyed span passes again; the keyed ones are held already")
	assert.Equal(t, len(keys), h.pendingKeys())
	assert.Equal(t, 1, send().SpanCount(), "and again, without a restart between")
	assert.Equal(t, 1, h.storedBatches(), "the resends stored nothing")
	h.joiner.mu.Lock()
	assert.Equal(t, len(keys), h.joiner.buffer.spans)
	h.joiner.mu.Unlock()

	for _, k := range keys {
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	}
	h.poll()
	released := h.sink.spans(t) // fails on a span released twice
	assert.Len(t, released, len(keys))
	_ = fs
}

func TestRefusedAdmitLeavesNothingStored(t *testing.T) {
	h, fs := newStoredHarness(t)
	td := withUniqueSpanIDs(spansFor(t0, key(700)))
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty().SetName("no request id")
	err := h.joiner.Admit(context.Background(), td, func(context.Context, ptrace.Traces) error {
		return errors.New("downstream full")
	})
	require.Error(t, err)
	assert.Equal(t, 0, h.storedBatches(), "nothing held, nothing stored")
	h.restart(fs, true)
	assert.Equal(t, 0, h.pendingKeys(), "nothing to take back")
}

func TestStorageBoundOverflows(t *testing.T) {
	// Within one Admit a span reserves its in-memory size, more than it
	// takes on disk; room for two.
	perSpan := spanBytes(spansFor(t0, key(800)).ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0))
	h, _ := newStoredHarness(t, withConfig(func(cfg *harnessConfig) { cfg.MaxStoredBytes = 2*perSpan + perSpan/2 }))
	out := h.admit(context.Background(), spansFor(t0, key(800), key(801), key(802)))
	require.Equal(t, 1, out.SpanCount(), "the third span does not fit")
	assert.Equal(t, "overflow", statusOf(t, out.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)))
	assert.Equal(t, 2, h.pendingKeys())
}

func TestStorageMustBeAStorageExtension(t *testing.T) {
	for name, host := range map[string]component.Host{
		"missing": componenttest.NewNopHost(),
		"wrong kind": extensionHost{Host: componenttest.NewNopHost(),
			extensions: map[component.ID]component.Component{fileStorageID: notStorage{}}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig("https://api.loganalytics.io")
			cfg.Storage = &fileStorageID
			tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
			require.NoError(t, err)
			j, err := newJoinerFor(cfg, componenttest.NewNopTelemetrySettings(), tb, acceptAll, WithComponentID(testProcessorID))
			require.NoError(t, err)
			err = j.Start(context.Background(), host)
			require.ErrorContains(t, err, `"file_storage/join"`)
			require.NoError(t, j.Shutdown(context.Background()))
		})
	}
}

// notStorage is an extension that is no storage.
type notStorage struct {
	component.StartFunc
	component.ShutdownFunc
}

func TestStoredBytesGauge(t *testing.T) {
	h, _ := newStoredHarness(t)
	k := key(900)
	h.admit(context.Background(), spansFor(t0, k))
	h.joiner.mu.Lock()
	stored := h.joiner.buffer.stored
	h.joiner.mu.Unlock()
	require.Positive(t, stored)
	ignoreTime := metricdatatest.IgnoreTimestamp()
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingStoredBytes(t, h.tel,
		[]metricdata.DataPoint[int64]{{Value: stored}}, ignoreTime)
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingBytes(t, h.tel,
		[]metricdata.DataPoint[int64]{{Value: storedEntryBytes}}, ignoreTime)

	h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	h.poll()
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingStoredBytes(t, h.tel,
		[]metricdata.DataPoint[int64]{{Value: 0}}, ignoreTime)
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingSpans(t, h.tel,
		[]metricdata.DataPoint[int64]{{Value: 0}}, ignoreTime)
}

func TestShutdownWithStorageKeepsToItsDeadlineAndKeepsWhatDownstreamBlocked(t *testing.T) {
	blocked := make(chan struct{}, 16)
	var blocking atomic.Bool
	blocking.Store(true)
	h, fs := newStoredHarness(t, withDownstream(func(ctx context.Context, _ int) error {
		if !blocking.Load() {
			return nil
		}
		blocked <- struct{}{}
		<-ctx.Done() // a consumer that blocks until its context is done
		return ctx.Err()
	}))
	joined, waiting := key(950), key(951)
	h.server.AddRows(fakeloganalytics.CallRows(joined, t0, time.Time{})...)
	sent, in := batchOf([]string{joined, waiting})
	h.admit(context.Background(), sent)
	h.shutdownWhileReleaseBlocks(blocked)
	assert.Equal(t, 0, h.sink.batchCount())

	// Nothing was dropped: both wait for the next start.
	blocking.Store(false)
	h.restart(fs, false) // Shutdown again is a no-op
	assert.Equal(t, 2, h.pendingKeys())
	h.server.AddRows(fakeloganalytics.CallRows(waiting, t0, time.Time{})...)
	h.poll()
	assert.Equal(t, in, spanIDCounts(h.sink.accepted()...))
	// goleak (TestMain) checks that no goroutine is left.
}

func TestSpansStoredTwiceAreTakenBackOnce(t *testing.T) {
	h, fs := newStoredHarness(t)
	keys := keyRange(960, 963)
	td, in := batchOf(keys)
	h.admit(context.Background(), td)
	// A refused batch whose deletion failed, beside the resend the next
	// Admit stored: the same spans twice on disk.
	store := h.joiner.store
	store.mu.Lock()
	first := store.liveFirst
	store.mu.Unlock()
	values, err := store.read(context.Background(), []uint64{first})
	require.NoError(t, err)
	_, err = store.write(context.Background(), values[0], len(keys))
	require.NoError(t, err)

	h.restart(fs, true)
	h.joiner.mu.Lock()
	assert.Equal(t, len(keys), h.joiner.buffer.spans, "each span taken back once")
	h.joiner.mu.Unlock()
	for _, k := range keys {
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	}
	h.poll()
	assert.Equal(t, in, spanIDCounts(h.sink.accepted()...))
	assert.Equal(t, 0, h.storedBatches(), "the copy is deleted with the original")
}

func TestConcurrentAdmitsWithStorageLeaveOnceEach(t *testing.T) {
	h, fs := newStoredHarness(t)
	const senders, perSender = 8, 40
	var wg sync.WaitGroup
	counts := make([]map[pcommon.SpanID]int, senders)
	for s := range senders {
		wg.Go(func() {
			reqs, in := requestsOf(keyRange(1000+s*perSender, 1000+(s+1)*perSender))
			counts[s] = in
			for _, td := range reqs {
				if err := h.joiner.Admit(context.Background(), td, acceptAll); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	in := map[pcommon.SpanID]int{}
	for _, c := range counts {
		for id, n := range c {
			in[id] += n
		}
	}
	require.Len(t, in, senders*perSender)
	assert.Equal(t, senders*perSender, h.storedBatches(), "a batch per request, however the writes were grouped")

	h.restart(fs, true)
	require.Equal(t, senders*perSender, h.pendingKeys())
	for _, k := range keyRange(1000, 1000+senders*perSender) {
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	}
	h.poll()
	assert.Equal(t, in, spanIDCounts(h.sink.accepted()...))
	assert.Equal(t, 0, h.storedBatches())
}

func TestStoredReleaseIsReadBackAStepAtATime(t *testing.T) {
	const perStep = 5
	downstream := func(_ context.Context, offer int) error {
		if offer == 2 {
			return errors.New("sending queue is full")
		}
		return nil
	}
	h, _ := newStoredHarness(t, withDownstream(downstream))
	in := admitJoinedSteps(h, 700, 20, perStep)
	store := h.joiner.store
	store.mu.Lock()
	for i := range store.live.len() {
		require.Equal(t, store.live.at(0).bytes, store.live.at(i).bytes, "the requests store alike")
	}
	store.mu.Unlock()
	h.joiner.releaseSpread = 0 // one step after the other

	h.poll() // all 20 joined: the first step accepted, the second refused
	assert.Equal(t, 2, h.sink.offers(), "nothing after the refused step is read or offered")
	require.Len(t, h.sink.accepted(), 1)
	assert.Equal(t, perStep, h.sink.accepted()[0].SpanCount(), "one step: its bytes' worth of batches")
	assert.Equal(t, 20-perStep, h.storedBatches(), "the first step is forgotten, the rest still stored")

	h.poll() // the retry: three steps
	assert.Equal(t, 5, h.sink.offers())
	for i, td := range h.sink.accepted() {
		assert.Equal(t, perStep, td.SpanCount(), "accepted offer %d", i)
	}
	assert.Equal(t, in, spanIDCounts(h.sink.accepted()...), "every span left exactly once")
	for k, span := range h.sink.spans(t) {
		assert.Equal(t, "joined", statusOf(t, span), k)
	}
	assert.Equal(t, 0, h.storedBatches())
	h.joiner.mu.Lock()
	assert.Equal(t, int64(0), h.joiner.buffer.stored)
	h.joiner.mu.Unlock()
}

// admitJoinedSteps admits n one-span requests whose rows are all there and
// makes the release steps perStep batches each; it returns the span ids.
func admitJoinedSteps(h *harness, from, n, perStep int) map[pcommon.SpanID]int {
	keys := keyRange(from, from+n)
	reqs, in := requestsOf(keys)
	for _, k := range keys {
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	}
	for _, td := range reqs {
		h.admit(context.Background(), td)
	}
	store := h.joiner.store
	store.mu.Lock()
	h.joiner.releaseStep = int64(perStep) * int64(store.live.at(0).bytes)
	store.mu.Unlock()
	return in
}

func TestPollSpreadsItsReleaseStepsOverTime(t *testing.T) {
	var mu sync.Mutex
	var offeredAt []time.Time
	h, _ := newStoredHarness(t, withDownstream(func(context.Context, int) error {
		mu.Lock()
		offeredAt = append(offeredAt, time.Now())
		mu.Unlock()
		return nil
	}))
	in := admitJoinedSteps(h, 740, 20, 5)
	const spread = 400 * time.Millisecond
	h.joiner.releaseSpread = spread

	h.poll()
	assert.Equal(t, in, spanIDCounts(h.sink.accepted()...), "every span left exactly once")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, offeredAt, 4, "four steps of five")
	for i := 1; i < len(offeredAt); i++ {
		assert.GreaterOrEqual(t, offeredAt[i].Sub(offeredAt[i-1]), spread/4, "step %d waits a quarter of the spread", i)
	}
}

func TestShutdownCutsASpreadReleaseShortAndDeliversTheRest(t *testing.T) {
	firstOffer := make(chan struct{})
	var once sync.Once
	h, _ := newStoredHarness(t, withDownstream(func(context.Context, int) error {
		once.Do(func() { close(firstOffer) })
		return nil
	}))
	in := admitJoinedSteps(h, 780, 20, 5)
	h.joiner.releaseSpread = time.Hour // the next step would come in 15 minutes

	require.True(t, h.clock.Advance(h.cfg.PollInterval))
	<-firstOffer
	began := time.Now()
	require.NoError(t, h.joiner.Shutdown(context.Background()))
	assert.Less(t, time.Since(began), 10*time.Second, "shutdown does not wait for the spread")
	assert.Equal(t, in, spanIDCounts(h.sink.accepted()...), "the rest left in shutdown's delivery, each span once")
	for k, span := range h.sink.spans(t) {
		assert.Equal(t, "joined", statusOf(t, span), k)
	}
}
