package join

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-aoai/otelcol-aoai/internal/azurecredential"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeClock is a Clock that moves only when a test says so.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers []*fakeTicker
}

type fakeTicker struct {
	c       chan time.Time
	period  time.Duration
	next    time.Time
	stopped bool
}

func newFakeClock(start time.Time) *fakeClock { return &fakeClock{now: start} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTicker(d time.Duration) Ticker {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTicker{c: make(chan time.Time, 1), period: d, next: c.now.Add(d)}
	c.tickers = append(c.tickers, t)
	return &fakeTickerHandle{clock: c, t: t}
}

type fakeTickerHandle struct {
	clock *fakeClock
	t     *fakeTicker
}

func (h *fakeTickerHandle) C() <-chan time.Time { return h.t.c }

func (h *fakeTickerHandle) Stop() {
	h.clock.mu.Lock()
	defer h.clock.mu.Unlock()
	h.t.stopped = true
}

// Advance moves the clock and ticks every ticker that came due (once, like a
// time.Ticker that drops ticks nobody read). It reports whether one ticked.
func (c *fakeClock) Advance(d time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	ticked := false
	for _, t := range c.tickers {
		if t.stopped || c.now.Before(t.next) {
			continue
		}
		for !c.now.Before(t.next) {
			t.next = t.next.Add(t.period)
		}
		select {
		case t.c <- c.now:
			ticked = true
		default:
		}
	}
	return ticked
}

const (
	testWorkspace = "5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"
	testToken     = "la-token-never-logged-7d1e"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// testProcessorID is the processor the tests' joins belong to.
var testProcessorID = component.MustNewID("azure_openai")

// harness is a Joiner wired to a fake Log Analytics workspace over TLS, with
// the real Log Analytics client as its source, a fake clock and a recording
// release function.
type harness struct {
	t      *testing.T
	clock  *fakeClock
	server *fakeloganalytics.Server
	sink   *releaseSink
	joiner *Joiner
	tel    *componenttest.Telemetry
	logs   *observer.ObservedLogs
	polled chan struct{}
	cfg    harnessConfig
}

// sourceConfig names the Log Analytics settings inside harnessConfig.
type sourceConfig = loganalytics.Config

// harnessConfig is the `diagnostics:` section as the processor holds it: the
// join's settings and its source's, side by side.
type harnessConfig struct {
	Config
	sourceConfig
}

type harnessOption func(*harnessSettings)

type harnessSettings struct {
	cfg       func(*harnessConfig)
	server    fakeloganalytics.Options
	useCAFile bool
	refuse    func(ctx context.Context, offer int) error
	lookup    LookupMode
	host      component.Host
}

// withHost starts the joiner with host (its extensions) instead of a nop host.
func withHost(host component.Host) harnessOption { return func(s *harnessSettings) { s.host = host } }

// withConfig changes the configuration; several apply in order.
func withConfig(f func(*harnessConfig)) harnessOption {
	return func(s *harnessSettings) {
		before := s.cfg
		s.cfg = func(cfg *harnessConfig) {
			if before != nil {
				before(cfg)
			}
			f(cfg)
		}
	}
}

func withServer(o fakeloganalytics.Options) harnessOption {
	return func(s *harnessSettings) { s.server = o }
}

// withLookup sets the lookup mode, whatever withConfig does.
func withLookup(mode LookupMode) harnessOption { return func(s *harnessSettings) { s.lookup = mode } }

// eachLookup runs f as a subtest once per lookup mode: the tests of what a
// lookup finds hold for both.
func eachLookup(t *testing.T, f func(t *testing.T, mode LookupMode)) {
	for _, mode := range []LookupMode{LookupCursor, LookupKeys} {
		t.Run(string(mode), func(t *testing.T) { f(t, mode) })
	}
}

// withCAFile starts through confighttp with tls.ca_file, as the built
// collector does, instead of handing in the test server's client.
func withCAFile() harnessOption { return func(s *harnessSettings) { s.useCAFile = true } }

// withDownstream makes the release function answer each offer (counted from
// 1) with refuse's error; nil accepts it.
func withDownstream(refuse func(ctx context.Context, offer int) error) harnessOption {
	return func(s *harnessSettings) { s.refuse = refuse }
}

func testConfig(endpoint string) harnessConfig {
	cfg := harnessConfig{Config: NewDefaultConfig(), sourceConfig: loganalytics.NewDefaultConfig()}
	cfg.WorkspaceID = testWorkspace
	cfg.ClientConfig.Endpoint = endpoint
	cfg.ClientConfig.Timeout = 5 * time.Second
	cfg.Credential = azurecredential.Config{Type: azurecredential.TypeAccessToken, AccessToken: configopaque.String(testToken)}
	cfg.PollInterval = 30 * time.Second
	cfg.MaxWait = 5 * time.Minute
	return cfg
}

func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	var s harnessSettings
	for _, o := range opts {
		o(&s)
	}
	h := &harness{t: t, clock: newFakeClock(t0), polled: make(chan struct{}, 1024)}
	s.server.WorkspaceID = testWorkspace
	if s.server.Token == "" {
		s.server.Token = testToken
	}
	s.server.Now = h.clock.Now
	h.server = fakeloganalytics.New(s.server)
	t.Cleanup(h.server.Close)

	h.cfg = testConfig(h.server.URL())
	if s.cfg != nil {
		s.cfg(&h.cfg)
	}
	if s.lookup != "" {
		h.cfg.Lookup = s.lookup
	}
	var sourceOpts []loganalytics.Option
	if s.useCAFile {
		h.cfg.ClientConfig.TLS.CAFile = t.TempDir() + "/ca.pem"
		require.NoError(t, h.server.WriteCACertFile(h.cfg.ClientConfig.TLS.CAFile))
	} else {
		sourceOpts = append(sourceOpts, loganalytics.WithHTTPClient(h.server.Client()))
	}

	h.tel = componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, h.tel.Shutdown(context.Background())) })
	set := h.tel.NewTelemetrySettings()
	core, logs := observer.New(zap.DebugLevel)
	set.Logger = zap.New(core)
	h.logs = logs
	tb, err := metadata.NewTelemetryBuilder(set)
	require.NoError(t, err)
	t.Cleanup(tb.Shutdown)

	h.sink = &releaseSink{refuse: s.refuse}
	src, err := loganalytics.NewClient(h.cfg.sourceConfig, set, sourceOpts...)
	require.NoError(t, err)
	h.joiner, err = NewJoiner(h.cfg.Config, src, set, tb, h.sink.release,
		WithClock(h.clock), withPollHook(func() { h.polled <- struct{}{} }), WithComponentID(testProcessorID))
	require.NoError(t, err)
	if s.host == nil {
		s.host = componenttest.NewNopHost()
	}
	require.NoError(t, h.joiner.Start(context.Background(), s.host))
	t.Cleanup(func() { _ = h.joiner.Shutdown(context.Background()) })
	return h
}

// newJoinerFor builds a Joiner as the processor does, with a Log Analytics
// client for cfg's source settings as its source.
func newJoinerFor(cfg harnessConfig, set component.TelemetrySettings, tb *metadata.TelemetryBuilder,
	release func(context.Context, ptrace.Traces) error, opts ...Option,
) (*Joiner, error) {
	src, err := loganalytics.NewClient(cfg.sourceConfig, set)
	if err != nil {
		return nil, err
	}
	return NewJoiner(cfg.Config, src, set, tb, release, opts...)
}

// poll advances the clock by one poll interval and waits for the loop's poll.
func (h *harness) poll() {
	h.t.Helper()
	h.advance(h.cfg.PollInterval)
}

// advance moves the clock by d and waits for the poll it triggers (d must
// reach the next tick).
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	require.True(h.t, h.clock.Advance(d), "no tick came due")
	select {
	case <-h.polled:
	case <-time.After(20 * time.Second):
		h.t.Fatal("the poll loop did not poll")
	}
}

// pollUntil polls until the clock has moved by at least d.
func (h *harness) pollUntil(d time.Duration) {
	h.t.Helper()
	for end := h.clock.Now().Add(d); h.clock.Now().Before(end); {
		h.poll()
	}
}

func (h *harness) shutdown() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(h.t, h.joiner.Shutdown(ctx))
}

// admit sends spans in through Admit and returns what went on at once.
func (h *harness) admit(ctx context.Context, td ptrace.Traces) ptrace.Traces {
	h.t.Helper()
	return admitPassing(h.t, h.joiner, ctx, td)
}

// admitPassing admits td to j with a downstream that accepts everything, and
// returns what it was given.
func admitPassing(t testing.TB, j *Joiner, ctx context.Context, td ptrace.Traces) ptrace.Traces {
	t.Helper()
	passed := ptrace.NewTraces()
	require.NoError(t, j.Admit(ctx, td, func(_ context.Context, rest ptrace.Traces) error {
		rest.ResourceSpans().MoveAndAppendTo(passed.ResourceSpans())
		return nil
	}))
	return passed
}

func (h *harness) pendingKeys() int {
	h.joiner.mu.Lock()
	defer h.joiner.mu.Unlock()
	return h.joiner.buffer.byKey.len()
}

// releaseSink records what the joiner releases and downstream accepts, with
// the client of each batch.
type releaseSink struct {
	mu      sync.Mutex
	batches []releasedBatch
	offered int
	// refuse, when set, answers each offer; an error refuses it (and nothing
	// is recorded).
	refuse func(ctx context.Context, offer int) error
}

type releasedBatch struct {
	info client.Info
	td   ptrace.Traces
}

func (s *releaseSink) release(ctx context.Context, td ptrace.Traces) error {
	s.mu.Lock()
	s.offered++
	offer, refuse := s.offered, s.refuse
	s.mu.Unlock()
	if refuse != nil {
		if err := refuse(ctx, offer); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, releasedBatch{info: client.FromContext(ctx), td: td})
	return nil
}

func (s *releaseSink) offers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offered
}

// accepted returns every batch downstream accepted.
func (s *releaseSink) accepted() []ptrace.Traces {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ptrace.Traces, len(s.batches))
	for i, b := range s.batches {
		out[i] = b.td
	}
	return out
}

func (s *releaseSink) batchCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.batches)
}

// spans returns every released span by its request id (or span name when it
// has none), failing on duplicates: a span must leave exactly once.
func (s *releaseSink) spans(t *testing.T) map[string]ptrace.Span {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]ptrace.Span{}
	for _, b := range s.batches {
		forEachSpan(b.td, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, span ptrace.Span) {
			id := span.Name()
			if v, ok := span.Attributes().Get(attrRequestID); ok {
				id = v.AsString()
			}
			_, dup := out[id]
			require.False(t, dup, "span %s released twice", id)
			out[id] = span
		})
	}
	return out
}

// lastSpanID numbers the spans withUniqueSpanIDs marks.
var lastSpanID atomic.Uint64

// withUniqueSpanIDs gives every span of td a span id of its own, so that
// what leaves can be counted span by span.
func withUniqueSpanIDs(td ptrace.Traces) ptrace.Traces {
	forEachSpan(td, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, s ptrace.Span) {
		var id pcommon.SpanID
		binary.BigEndian.PutUint64(id[:], lastSpanID.Add(1))
		s.SetSpanID(id)
	})
	return td
}

// spanIDCounts counts the spans of tds by span id.
func spanIDCounts(tds ...ptrace.Traces) map[pcommon.SpanID]int {
	out := map[pcommon.SpanID]int{}
	for _, td := range tds {
		forEachSpan(td, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, s ptrace.Span) { out[s.SpanID()]++ })
	}
	return out
}

func forEachSpan(td ptrace.Traces, f func(ptrace.ResourceSpans, ptrace.ScopeSpans, ptrace.Span)) {
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				f(rs, ss, ss.Spans().At(k))
			}
		}
	}
}

// key returns the n-th test request id, a GUID.
func key(n int) string {
	return fmt.Sprintf("%08x-2bc7-4f38-9cbc-6560600e0981", n)
}

// spansFor builds one resource and scope holding a lifted span per key,
// started at start.
func spansFor(start time.Time, keys ...string) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "ai-gateway")
	rs.SetSchemaUrl("https://opentelemetry.io/schemas/1.41.0")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver")
	ss.Scope().SetVersion("0.1.0")
	for _, k := range keys {
		addLiftedSpan(ss.Spans().AppendEmpty(), start, k)
	}
	return td
}

// addLiftedSpan fills a span like the processor's lift leaves it: bodies
// gone, about thirty attributes.
func addLiftedSpan(span ptrace.Span, start time.Time, requestID string) {
	// Values are copies, as after decoding a request: a literal would not be
	// on the heap, and the memory benchmark would flatter the buffer.
	span.SetName("chat gpt-4o")
	span.SetKind(ptrace.SpanKindClient)
	span.SetTraceID(pcommon.TraceID([16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))
	span.SetSpanID(pcommon.SpanID([8]byte{1, 2, 3, 4, 5, 6, 7, 8}))
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(1200 * time.Millisecond)))
	a := span.Attributes()
	a.PutStr("http.request.method", strings.Clone("POST"))
	a.PutStr("url.full", strings.Clone("https://contoso-eastus2.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"))
	a.PutStr("server.address", strings.Clone("contoso-eastus2.openai.azure.com"))
	a.PutInt("server.port", 443)
	a.PutInt("http.response.status_code", 200)
	a.PutStr("gen_ai.provider.name", strings.Clone("azure.ai.openai"))
	a.PutStr("gen_ai.operation.name", strings.Clone("chat"))
	a.PutStr("gen_ai.request.model", strings.Clone("gpt-4o"))
	a.PutStr("gen_ai.response.model", strings.Clone("gpt-4o-2024-08-06"))
	a.PutStr("gen_ai.response.id", strings.Clone("chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG"))
	a.PutEmptySlice("gen_ai.response.finish_reasons").AppendEmpty().SetStr("stop")
	a.PutInt("gen_ai.request.max_tokens", 800)
	a.PutDouble("gen_ai.request.temperature", 0.7)
	a.PutStr("azure.resource_provider.namespace", strings.Clone("Microsoft.CognitiveServices"))
	a.PutStr(attrRequestID, strings.Clone(requestID))
	a.PutStr("azure.openai.deployment", strings.Clone("gpt-4o"))
	a.PutStr("azure.openai.region", strings.Clone("East US 2"))
	a.PutStr("azure.openai.request_id", strings.Clone("a4c8d2e1-5f3b-4c7a-9e2d-1b0c3a4f5e6d"))
	a.PutStr("azure.openai.model_session", strings.Clone("d060-20240328183338"))
	a.PutBool("azure.openai.rai_invoked", true)
	a.PutInt("azure.openai.ratelimit.remaining_requests", 249)
	a.PutInt("azure.openai.ratelimit.remaining_tokens", 29880)
	a.PutInt("azure.openai.ratelimit.limit_requests", 250)
	a.PutInt("azure.openai.ratelimit.limit_tokens", 30000)
	a.PutDouble("azure.openai.processing_time", 1.0875)
	a.PutDouble("azure.openai.upstream_time", 1.102)
	a.PutStr("ai_gateway.consumer", strings.Clone("team-search"))
	a.PutStr("ai_gateway.route", strings.Clone("aoai-eastus2"))
}

func statusOf(t *testing.T, span ptrace.Span) string {
	t.Helper()
	require.NotEqual(t, ptrace.Span{}, span, "the span was not released")
	v, ok := span.Attributes().Get(attrStatus)
	require.True(t, ok, "span has no %s", attrStatus)
	return v.Str()
}

var _ component.Host = componenttest.NewNopHost()
