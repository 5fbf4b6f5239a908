package azureopenaiprocessor

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

// TestJoinThroughFactory wires the diagnostics join the way the collector
// does — factory, Start with a host, the real azquery client over TLS to the
// fake workspace — and checks that a lifted span waits for its row, leaves
// joined, and that a span of another service passes at once.
func TestJoinThroughFactory(t *testing.T) {
	const (
		workspace = "5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"
		token     = "test-token-for-the-fake-workspace"
		requestID = "1d93fae1-cb8e-4789-8fb6-d26577a3cb77"
	)
	fake := fakeloganalytics.New(fakeloganalytics.Options{WorkspaceID: workspace, Token: token})
	defer fake.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, fake.WriteCACertFile(caFile))
	fake.AddRows(fakeloganalytics.RequestResponseRow(requestID, time.Now(), time.Time{}))

	cfg := createDefaultConfig().(*Config)
	cfg.Diagnostics.LogAnalytics.WorkspaceID = workspace
	cfg.Diagnostics.LogAnalytics.ClientConfig.Endpoint = fake.URL()
	cfg.Diagnostics.LogAnalytics.ClientConfig.TLS.CAFile = caFile
	cfg.Diagnostics.LogAnalytics.Credential.Type = "access_token"
	cfg.Diagnostics.LogAnalytics.Credential.AccessToken = configopaque.String(token)
	cfg.Diagnostics.Join.PollInterval = 50 * time.Millisecond
	cfg.Diagnostics.Join.MaxWait = 10 * time.Second
	require.NoError(t, confmap.Validate(cfg))

	sink := new(consumertest.TracesSink)
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))

	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	model := spans.AppendEmpty()
	model.SetName("POST /openai/deployments/{deployment}/chat/completions")
	model.SetStartTimestamp(pcommon.NewTimestampFromTime(time.Now().Add(-time.Second)))
	model.SetEndTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	model.Attributes().PutStr("server.address", "contoso.openai.azure.com")
	model.Attributes().PutStr("url.path", "/openai/deployments/gpt-4o/chat/completions")
	model.Attributes().PutEmptySlice("http.response.header.apim-request-id").AppendEmpty().SetStr(requestID)
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
