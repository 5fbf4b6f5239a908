package join

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadatatest"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

func refusalPoint(r refusal, v int64) metricdata.DataPoint[int64] {
	return metricdata.DataPoint[int64]{Attributes: attribute.NewSet(attribute.String("refusal", string(r))), Value: v}
}

// refuseFirst refuses the first n offers with err and accepts the rest.
func refuseFirst(n int, err error) func(context.Context, int) error {
	return func(_ context.Context, offer int) error {
		if offer <= n {
			return err
		}
		return nil
	}
}

func TestRefusedBatchHoldsNothingAndItsResendLeavesOnce(t *testing.T) {
	h := newHarness(t)
	keys := []string{key(100), key(101)}
	for _, k := range keys {
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	}
	// Two spans that wait and one that passes at once.
	sent := withUniqueSpanIDs(spansFor(t0, keys...))
	sent.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty().SetName("GET /healthz")
	withUniqueSpanIDs(sent)

	// Downstream refuses the pass-through part: nothing may be held.
	refused := ptrace.NewTraces()
	sent.CopyTo(refused)
	var offered ptrace.Traces
	err := h.joiner.Admit(context.Background(), refused, func(_ context.Context, rest ptrace.Traces) error {
		offered = rest
		return errors.New("memory limiter: refused")
	})
	require.EqualError(t, err, "memory limiter: refused")
	assert.Equal(t, 1, offered.SpanCount(), "only the span without a key was offered")
	assert.Equal(t, 0, h.pendingKeys(), "a refused batch holds nothing")
	ignoreTime := metricdatatest.IgnoreTimestamp()
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingSpans(t, h.tel, []metricdata.DataPoint[int64]{{Value: 0}}, ignoreTime)
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingBytes(t, h.tel, []metricdata.DataPoint[int64]{{Value: 0}}, ignoreTime)

	// The sender resends the whole batch; now downstream accepts.
	resent := ptrace.NewTraces()
	sent.CopyTo(resent)
	passed := h.admit(context.Background(), resent)
	assert.Equal(t, 2, h.pendingKeys())
	h.poll()

	out := spanIDCounts(append(h.sink.accepted(), passed)...)
	in := spanIDCounts(sent)
	assert.Equal(t, in, out, "every span leaves exactly once")
	for id, n := range out {
		assert.Equal(t, 1, n, "span %v", id)
	}
}

func TestAdmitWithEveryKeyedSpanHeldMakesNoDownstreamCall(t *testing.T) {
	h := newHarness(t)
	err := h.joiner.Admit(context.Background(), spansFor(t0, key(102)), func(context.Context, ptrace.Traces) error {
		t.Error("nothing passes: downstream is not called")
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 1, h.pendingKeys())
}

func TestOverflowedSpansAreCountedOnlyWhenDownstreamTookThem(t *testing.T) {
	h := newHarness(t, withConfig(func(c *harnessConfig) { c.MaxPending = 1 }))
	sent := withUniqueSpanIDs(spansFor(t0, key(103), key(104)))
	refused := ptrace.NewTraces()
	sent.CopyTo(refused)
	require.Error(t, h.joiner.Admit(context.Background(), refused, func(context.Context, ptrace.Traces) error {
		return errors.New("refused")
	}))
	passed := h.admit(context.Background(), sent)
	require.Equal(t, 1, passed.SpanCount())
	assert.Equal(t, "overflow", statusOf(t, passed.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)))
	// The refused attempt's overflow is not counted: its resend is.
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsReleasedSpans(t, h.tel,
		[]metricdata.DataPoint[int64]{statusPoint(StatusOverflow, 1)}, metricdatatest.IgnoreTimestamp())
}

func TestRefusedReleaseIsRetriedWithBackOffAndLeavesOnce(t *testing.T) {
	h := newHarness(t, withLookup(LookupKeys), withDownstream(refuseFirst(2, errors.New("sending queue is full"))))
	k := key(110)
	h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	sent := withUniqueSpanIDs(spansFor(t0, k))
	in := spanIDCounts(sent)
	h.admit(context.Background(), sent)

	h.poll() // 30 s: joined, refused
	assert.Equal(t, 1, h.sink.offers())
	ignoreTime := metricdatatest.IgnoreTimestamp()
	// A refused span is still held.
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingSpans(t, h.tel, []metricdata.DataPoint[int64]{{Value: 1}}, ignoreTime)
	h.poll() // 60 s: the next poll retries, refused again
	assert.Equal(t, 2, h.sink.offers())
	h.poll() // 90 s: backing off (two intervals)
	assert.Equal(t, 2, h.sink.offers())
	h.poll() // 120 s: accepted
	assert.Equal(t, 3, h.sink.offers())
	h.poll()
	assert.Equal(t, 3, h.sink.offers(), "accepted once, offered no more")

	assert.Equal(t, in, spanIDCounts(h.sink.accepted()...), "the span left exactly once")
	assert.Equal(t, "joined", statusOf(t, h.sink.spans(t)[k]))
	assert.Len(t, h.server.Queries(), 1, "a refused release is not looked up again")
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsRefusedSpans(t, h.tel,
		[]metricdata.DataPoint[int64]{refusalPoint(refusalRetried, 2)}, ignoreTime)
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsReleasedSpans(t, h.tel,
		[]metricdata.DataPoint[int64]{statusPoint(StatusJoined, 1)}, ignoreTime)
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingSpans(t, h.tel, []metricdata.DataPoint[int64]{{Value: 0}}, ignoreTime)
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingBytes(t, h.tel, []metricdata.DataPoint[int64]{{Value: 0}}, ignoreTime)
	warnings := h.logs.FilterMessageSnippet("refused downstream").All()
	require.Len(t, warnings, 1, "rate limited")
	assert.Equal(t, "sending queue is full", warnings[0].ContextMap()["error"])
}

func TestRefusedReleasesKeepTheirClientsAndOrder(t *testing.T) {
	h := newHarness(t, withDownstream(refuseFirst(3, errors.New("refused"))))
	in := map[pcommon.SpanID]int{}
	for i := range 3 {
		k := key(120 + i)
		h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
		tenant := client.NewContext(context.Background(), client.Info{Metadata: client.NewMetadata(map[string][]string{"x-tenant": {k}})})
		sent := withUniqueSpanIDs(spansFor(t0, k))
		maps.Copy(in, spanIDCounts(sent))
		h.admit(tenant, sent)
	}
	h.poll() // each client's batch offered once and refused
	assert.Equal(t, 3, h.sink.offers())
	h.poll()
	assert.Equal(t, 6, h.sink.offers())
	require.Len(t, h.sink.batches, 3)
	for _, b := range h.sink.batches {
		k := b.info.Metadata.Get("x-tenant")[0]
		got, _ := b.td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().Get(attrRequestID)
		assert.Equal(t, k, got.Str(), "a retried batch keeps its client")
	}
	assert.Equal(t, in, spanIDCounts(h.sink.accepted()...))
}

func TestRefusedReleaseKeepsItsRoomInTheBuffer(t *testing.T) {
	h := newHarness(t, withConfig(func(c *harnessConfig) { c.MaxPending = 1 }),
		withDownstream(refuseFirst(1, errors.New("refused"))))
	k := key(130)
	h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	h.admit(context.Background(), spansFor(t0, k))
	h.poll() // refused: waits for a retry, still held
	passed := h.admit(context.Background(), spansFor(h.clock.Now(), key(131)))
	require.Equal(t, 1, passed.SpanCount(), "the buffer is full with the refused span")
	assert.Equal(t, "overflow", statusOf(t, passed.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)))
	h.poll() // accepted: room again
	assert.Equal(t, 0, h.admit(context.Background(), spansFor(h.clock.Now(), key(132))).SpanCount())
}

func TestPermanentRefusalIsDroppedAndCounted(t *testing.T) {
	h := newHarness(t, withDownstream(func(context.Context, int) error {
		return consumererror.NewPermanent(errors.New("bad data"))
	}))
	k := key(140)
	h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	h.admit(context.Background(), spansFor(t0, k))
	h.poll()
	h.poll()
	assert.Equal(t, 1, h.sink.offers(), "a permanent error is not retried")
	ignoreTime := metricdatatest.IgnoreTimestamp()
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsRefusedSpans(t, h.tel,
		[]metricdata.DataPoint[int64]{refusalPoint(refusalDropped, 1)}, ignoreTime)
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingSpans(t, h.tel, []metricdata.DataPoint[int64]{{Value: 0}}, ignoreTime)
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("are dropped").Len())
}

func TestReleaseStillRefusedAtShutdownIsDroppedAndCounted(t *testing.T) {
	h := newHarness(t, withDownstream(func(context.Context, int) error { return errors.New("exporter down") }))
	k, never := key(150), key(151)
	h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	h.admit(context.Background(), spansFor(t0, k, never))
	h.poll() // k joined and refused; never waits
	h.shutdown()
	assert.Equal(t, 3, h.sink.offers(), "at shutdown the refused batch is offered again, then the last released span")
	ignoreTime := metricdatatest.IgnoreTimestamp()
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsRefusedSpans(t, h.tel, []metricdata.DataPoint[int64]{
		refusalPoint(refusalRetried, 1), refusalPoint(refusalDropped, 2),
	}, ignoreTime)
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingSpans(t, h.tel, []metricdata.DataPoint[int64]{{Value: 0}}, ignoreTime)
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsPendingBytes(t, h.tel, []metricdata.DataPoint[int64]{{Value: 0}}, ignoreTime)
}

func TestShutdownReturnsWithinItsDeadlineWhileDownstreamBlocks(t *testing.T) {
	blocked := make(chan struct{}, 16)
	h := newHarness(t, withDownstream(func(ctx context.Context, _ int) error {
		blocked <- struct{}{}
		<-ctx.Done() // a consumer that blocks until its context is done
		return ctx.Err()
	}))
	k := key(160)
	h.server.AddRows(fakeloganalytics.CallRows(k, t0, time.Time{})...)
	h.admit(context.Background(), spansFor(t0, k, key(161)))
	h.shutdownWhileReleaseBlocks(blocked)
	assert.Equal(t, 0, h.sink.batchCount())
	// The loop's release, cut short, is kept; at shutdown both spans are dropped.
	metadatatest.AssertEqualProcessorAzureOpenaiDiagnosticsRefusedSpans(t, h.tel, []metricdata.DataPoint[int64]{
		refusalPoint(refusalRetried, 1), refusalPoint(refusalDropped, 2),
	}, metricdatatest.IgnoreTimestamp())
	// goleak (TestMain) checks that no goroutine is left.
}

// shutdownWhileReleaseBlocks lets the poll loop release into a downstream
// that blocks (it says so on blocked), then shuts down with a short deadline
// and checks that Shutdown kept to it and that the loop ended.
func (h *harness) shutdownWhileReleaseBlocks(blocked <-chan struct{}) {
	h.t.Helper()
	require.True(h.t, h.clock.Advance(h.cfg.PollInterval))
	select {
	case <-blocked: // the poll loop is stuck releasing
	case <-time.After(20 * time.Second):
		h.t.Fatal("the poll loop did not release")
	}
	const deadline = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	began := time.Now()
	require.NoError(h.t, h.joiner.Shutdown(ctx))
	assert.Less(h.t, time.Since(began), deadline+250*time.Millisecond, "Shutdown keeps to its deadline")
	select {
	case <-h.joiner.loopDone:
	default:
		h.t.Fatal("the poll loop outlived Shutdown")
	}
}
