package azureopenaiprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadatatest"
)

// gatewaySpan builds the span the ai_gateway receiver makes of one exchange.
type gatewaySpan struct {
	method          string // POST when empty
	name            string // the receiver's name when empty
	url             string
	status          int64
	requestBody     string
	responseBody    string
	responseHeaders map[string]string
	extra           map[string]any
}

func (g gatewaySpan) traces() ptrace.Traces {
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	method, name := g.method, g.name
	if method == "" {
		method = "POST"
	}
	if name == "" {
		name = "POST /openai/deployments/{deployment}/chat/completions"
	}
	span.SetName(name)
	span.SetKind(ptrace.SpanKindClient)
	attrs := span.Attributes()
	attrs.PutStr("http.request.method", method)
	if g.url != "" {
		attrs.PutStr("url.full", g.url)
		host := urlHost(g.url)
		attrs.PutStr("server.address", host)
		attrs.PutStr("url.path", urlPathOf(g.url))
	}
	if g.status != 0 {
		attrs.PutInt("http.response.status_code", g.status)
	}
	for k, v := range g.responseHeaders {
		attrs.PutEmptySlice("http.response.header." + k).AppendEmpty().SetStr(v)
	}
	if g.requestBody != "" {
		attrs.PutStr("ai_gateway.request.body", g.requestBody)
	}
	if g.responseBody != "" {
		attrs.PutStr("ai_gateway.response.body", g.responseBody)
	}
	for k, v := range g.extra {
		require.NoError(nil, attrs.PutEmpty(k).FromRaw(v))
	}
	return td
}

// runProcessor runs traces through a processor built from cfg and returns the
// single output span plus the telemetry.
func runProcessor(t testing.TB, cfg *Config, td ptrace.Traces) (ptrace.Span, *componenttest.Telemetry) {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	sink := new(consumertest.TracesSink)
	p, err := NewFactory().CreateTraces(context.Background(), metadatatest.NewSettings(tel), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, p.ConsumeTraces(context.Background(), td))
	require.NoError(t, p.Shutdown(context.Background()))
	require.Len(t, sink.AllTraces(), 1)
	out := sink.AllTraces()[0]
	return out.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0), tel
}

func defaultConfig() *Config { return createDefaultConfig().(*Config) }

// attrMap returns the span's attributes as plain Go values.
func attrMap(span ptrace.Span) map[string]any { return span.Attributes().AsRaw() }
