package azureopenaiprocessor

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

// storageHost offers one file_storage extension, as a collector whose
// service::extensions lists it.
type storageHost struct {
	component.Host
	extensions map[component.ID]component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component { return h.extensions }

// TestJoinThroughFactoryWaitsInFileStorageAcrossARestart builds the processor
// twice on one file_storage directory, as a collector restarted: the span
// held by the first waits on disk through its shutdown and leaves joined
// from the second.
func TestJoinThroughFactoryWaitsInFileStorageAcrossARestart(t *testing.T) {
	const requestID = "7b0e2f5c-9a41-4d6e-8c3b-2f1a0e9d8c7b"
	fake := fakeloganalytics.New(fakeloganalytics.Options{WorkspaceID: joinWorkspace, Token: joinToken})
	t.Cleanup(fake.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, fake.WriteCACertFile(caFile))
	dir := t.TempDir()
	storageID := component.MustNewIDWithName("file_storage", "join")

	start := func(next *consumertest.TracesSink) (func(), func(ptrace.Traces)) {
		factory := filestorage.NewFactory()
		extCfg := factory.CreateDefaultConfig().(*filestorage.Config)
		extCfg.Directory = dir
		ext, err := factory.Create(context.Background(), extensiontest.NewNopSettings(factory.Type()), extCfg)
		require.NoError(t, err)
		require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))

		cfg := createDefaultConfig().(*Config)
		cfg.Diagnostics.LogAnalytics.WorkspaceID = joinWorkspace
		cfg.Diagnostics.LogAnalytics.ClientConfig.Endpoint = fake.URL()
		cfg.Diagnostics.LogAnalytics.ClientConfig.TLS.CAFile = caFile
		cfg.Diagnostics.LogAnalytics.Credential.Type = "access_token"
		cfg.Diagnostics.LogAnalytics.Credential.AccessToken = configopaque.String(joinToken)
		cfg.Diagnostics.Join.PollInterval = 50 * time.Millisecond
		cfg.Diagnostics.Join.MaxWait = time.Minute
		cfg.Diagnostics.Join.Storage = &storageID
		require.NoError(t, confmap.Validate(cfg))
		p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, next)
		require.NoError(t, err)
		host := storageHost{Host: componenttest.NewNopHost(), extensions: map[component.ID]component.Component{storageID: ext}}
		require.NoError(t, p.Start(context.Background(), host))
		stop := func() {
			require.NoError(t, p.Shutdown(context.Background()))
			require.NoError(t, ext.Shutdown(context.Background()))
		}
		consume := func(td ptrace.Traces) { require.NoError(t, p.ConsumeTraces(context.Background(), td)) }
		return stop, consume
	}

	first := new(consumertest.TracesSink)
	stop, consume := start(first)
	td := ptrace.NewTraces()
	modelCallSpan(td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans(), requestID, 1)
	consume(td)
	time.Sleep(150 * time.Millisecond) // a few polls without its row
	stop()
	assert.Equal(t, 0, first.SpanCount(), "shut down, the span stays stored")

	fake.AddRows(fakeloganalytics.CallRows(requestID, time.Now(), time.Time{})...)
	second := new(consumertest.TracesSink)
	stop, _ = start(second)
	defer stop()
	require.Eventually(t, func() bool { return second.SpanCount() == 1 }, 5*time.Second, 20*time.Millisecond,
		"the next start takes it back and it joins")
	joined := second.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	assert.Equal(t, "joined", joined.Attributes().AsRaw()["azure.openai.diagnostics.status"])
	assert.Equal(t, "chat gpt-4o", joined.Name(), "the span as lifted, read back from disk")
}
