package azureopenaiprocessor

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

const (
	joinWorkspace = "5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"
	joinToken     = "test-token-for-the-fake-workspace"
)

// startJoiningProcessor builds the processor the way the collector does —
// factory, Start with a host, the real azquery client over TLS to a fake
// workspace — with the join on, polling every 50 ms, and next downstream.
func startJoiningProcessor(t *testing.T, next consumer.Traces) (processor.Traces, *fakeloganalytics.Server) {
	t.Helper()
	fake := fakeloganalytics.New(fakeloganalytics.Options{WorkspaceID: joinWorkspace, Token: joinToken})
	t.Cleanup(fake.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, fake.WriteCACertFile(caFile))

	cfg := createDefaultConfig().(*Config)
	cfg.Diagnostics.LogAnalytics.WorkspaceID = joinWorkspace
	cfg.Diagnostics.LogAnalytics.ClientConfig.Endpoint = fake.URL()
	cfg.Diagnostics.LogAnalytics.ClientConfig.TLS.CAFile = caFile
	cfg.Diagnostics.LogAnalytics.Credential.Type = "access_token"
	cfg.Diagnostics.LogAnalytics.Credential.AccessToken = configopaque.String(joinToken)
	cfg.Diagnostics.Join.PollInterval = 50 * time.Millisecond
	cfg.Diagnostics.Join.MaxWait = 10 * time.Second
	require.NoError(t, confmap.Validate(cfg))

	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, next)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	return p, fake
}

// modelCallSpan appends a span of a model call with the given
// apim-request-id, as the gateway receiver writes it (no bodies).
func modelCallSpan(spans ptrace.SpanSlice, requestID string, spanID byte) ptrace.Span {
	model := spans.AppendEmpty()
	model.SetName("POST /openai/deployments/{deployment}/chat/completions")
	model.SetSpanID(pcommon.SpanID{0, 0, 0, 0, 0, 0, 0, spanID})
	model.SetStartTimestamp(pcommon.NewTimestampFromTime(time.Now().Add(-time.Second)))
	model.SetEndTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	model.Attributes().PutStr("server.address", "contoso.openai.azure.com")
	model.Attributes().PutStr("url.path", "/openai/deployments/gpt-4o/chat/completions")
	model.Attributes().PutEmptySlice("http.response.header.apim-request-id").AppendEmpty().SetStr(requestID)
	return model
}

// TestJoinThroughFactory checks that a lifted span waits for its row, leaves
// joined, and that a span of another service passes at once.
func TestJoinThroughFactory(t *testing.T) {
	const requestID = "1d93fae1-cb8e-4789-8fb6-d26577a3cb77"
	sink := new(consumertest.TracesSink)
	p, fake := startJoiningProcessor(t, sink)
	// The span has no token counts, so it waits for the usage row as well.
	fake.AddRows(fakeloganalytics.CallRows(requestID, time.Now(), time.Time{})...)

	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	modelCallSpan(spans, requestID, 1)
	other := spans.AppendEmpty()
	other.SetName("GET /healthz")

	require.NoError(t, p.ConsumeTraces(context.Background(), td))
	require.Equal(t, 1, sink.SpanCount(), "the span without a join key goes on at once")

	require.Eventually(t, func() bool { return sink.SpanCount() == 2 }, 5*time.Second, 20*time.Millisecond,
		"the model span leaves once its row is found")
	joined := sink.AllTraces()[1].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	attrs := joined.Attributes().AsRaw()
	assert.Equal(t, "joined", attrs["azure.openai.diagnostics.status"])
	assert.Equal(t, "2024-08-06", attrs["azure.openai.diagnostics.model_version"])
	assert.InDelta(t, 1.021, attrs["azure.openai.diagnostics.duration"], 1e-9)
	assert.Equal(t, "chat gpt-4o", joined.Name())

	require.NoError(t, p.Shutdown(context.Background()))
	assert.Equal(t, 2, sink.SpanCount(), "nothing left to release at shutdown")
}

// scriptedConsumer answers each call (counted from 1) with answer's error and
// keeps what it accepts.
type scriptedConsumer struct {
	answer func(ctx context.Context, call int) error

	mu       sync.Mutex
	calls    int
	accepted []ptrace.Traces
}

func (c *scriptedConsumer) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (c *scriptedConsumer) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	c.mu.Lock()
	c.calls++
	call := c.calls
	c.mu.Unlock()
	if err := c.answer(ctx, call); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.accepted = append(c.accepted, td)
	return nil
}

// refusingFirstCall is a downstream that refuses its first call with err and
// accepts the others.
func refusingFirstCall(err error) *scriptedConsumer {
	return &scriptedConsumer{answer: func(_ context.Context, call int) error {
		if call == 1 {
			return err
		}
		return nil
	}}
}

// spanIDs counts the spans the consumer accepted by span id.
func (c *scriptedConsumer) spanIDs() map[pcommon.SpanID]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[pcommon.SpanID]int{}
	for _, td := range c.accepted {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, span := range ss.Spans().All() {
					out[span.SpanID()]++
				}
			}
		}
	}
	return out
}

// TestRefusedBatchResentLeavesEachSpanOnce: downstream refuses the part of a
// batch that passes at once, the sender resends the batch (as the receiver's
// 503 asks), and every span — the held one too — leaves exactly once.
func TestRefusedBatchResentLeavesEachSpanOnce(t *testing.T) {
	const requestID = "3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d"
	next := refusingFirstCall(errors.New("memory limiter: data refused"))
	p, fake := startJoiningProcessor(t, next)
	fake.AddRows(fakeloganalytics.CallRows(requestID, time.Now(), time.Time{})...)

	batch := ptrace.NewTraces()
	spans := batch.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	modelCallSpan(spans, requestID, 1)
	other := spans.AppendEmpty()
	other.SetName("GET /healthz")
	other.SetSpanID(pcommon.SpanID{0, 0, 0, 0, 0, 0, 0, 2})

	first := ptrace.NewTraces()
	batch.CopyTo(first)
	require.Error(t, p.ConsumeTraces(context.Background(), first))
	require.NoError(t, p.ConsumeTraces(context.Background(), batch))

	want := map[pcommon.SpanID]int{{0, 0, 0, 0, 0, 0, 0, 1}: 1, {0, 0, 0, 0, 0, 0, 0, 2}: 1}
	require.Eventually(t, func() bool { return len(next.spanIDs()) == 2 }, 5*time.Second, 20*time.Millisecond)
	require.NoError(t, p.Shutdown(context.Background()))
	assert.Equal(t, want, next.spanIDs(), "spans out == spans in, none twice")
}

// TestRefusedReleaseIsRetried: downstream refuses the span the join releases;
// it is offered again and leaves exactly once.
func TestRefusedReleaseIsRetried(t *testing.T) {
	const requestID = "7c6d5e4f-3a2b-4c1d-8e9f-0a1b2c3d4e5f"
	next := refusingFirstCall(errors.New("sending queue is full"))
	p, fake := startJoiningProcessor(t, next)
	fake.AddRows(fakeloganalytics.CallRows(requestID, time.Now(), time.Time{})...)

	td := ptrace.NewTraces()
	modelCallSpan(td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans(), requestID, 1)
	require.NoError(t, p.ConsumeTraces(context.Background(), td))

	require.Eventually(t, func() bool { return len(next.spanIDs()) == 1 }, 5*time.Second, 20*time.Millisecond,
		"the refused release is retried")
	require.NoError(t, p.Shutdown(context.Background()))
	assert.Equal(t, map[pcommon.SpanID]int{{0, 0, 0, 0, 0, 0, 0, 1}: 1}, next.spanIDs())
}

// TestShutdownWithADownstreamThatBlocks: the join's release blocks until its
// context is done; Shutdown still returns by its deadline, and no goroutine
// is left behind (goleak, in TestMain).
func TestShutdownWithADownstreamThatBlocks(t *testing.T) {
	const requestID = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
	entered := make(chan struct{}, 8)
	next := &scriptedConsumer{answer: func(ctx context.Context, _ int) error {
		entered <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	}}
	p, fake := startJoiningProcessor(t, next)
	fake.AddRows(fakeloganalytics.CallRows(requestID, time.Now(), time.Time{})...)
	td := ptrace.NewTraces()
	modelCallSpan(td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans(), requestID, 1)
	require.NoError(t, p.ConsumeTraces(context.Background(), td))
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the span was never released")
	}

	const deadline = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	began := time.Now()
	require.NoError(t, p.Shutdown(ctx))
	assert.Less(t, time.Since(began), deadline+250*time.Millisecond)
}
