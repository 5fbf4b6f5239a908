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
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadatatest"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/pricing"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

func pricingConfig() *Config {
	cfg := defaultConfig()
	cfg.Pricing.Enabled = true
	return cfg
}

// The amounts are worked out by hand from internal/pricing/sheet.yaml.
func TestLiftWritesCost(t *testing.T) {
	td := gatewaySpan{url: chatURL, status: 200, requestBody: chatRequest, responseBody: chatBody, responseHeaders: chatHeaders}.traces()
	span, _ := runProcessor(t, pricingConfig(), td)
	got := attrMap(span)
	// gpt-4.1-mini-2025-04-14 → the gpt-4.1-mini row (0.40 / 0.10 / 1.60);
	// usage 16 input (5 cached), 19 output (3 of them reasoning):
	// 11 × 0.40 + 5 × 0.10 + 19 × 1.60 = 4.4 + 0.5 + 30.4 = 35.3 / 1 M
	assert.InDelta(t, 35.3e-6, got["azure.openai.cost.amount"], 1e-15)
	assert.Equal(t, "USD", got["azure.openai.cost.currency"])
	assert.Equal(t, "standard", got["azure.openai.cost.basis"])
	assert.NotContains(t, got, "azure.openai.provisioned.units")

	span, _ = runProcessor(t, defaultConfig(), gatewaySpan{url: chatURL, status: 200, requestBody: chatRequest, responseBody: chatBody, responseHeaders: chatHeaders}.traces())
	assert.NotContains(t, attrMap(span), "azure.openai.cost.amount", "pricing is off by default")
}

// A regional deployment is priced by the region x-ms-region names.
func TestRegionalCostByTheResponseRegion(t *testing.T) {
	cfg := pricingConfig()
	cfg.Pricing.Deployments = map[string]pricing.Deployment{"openllmetry-testing": {Type: pricing.RegionalStandard}}
	require.NoError(t, cfg.Validate())
	span, _ := runProcessor(t, cfg, gatewaySpan{url: chatURL, status: 200, requestBody: chatRequest, responseBody: chatBody, responseHeaders: chatHeaders}.traces())
	got := attrMap(span)
	// East US 2: the gpt-4.1-mini regional row for eastus2 (0.44 / 0.11 / 1.76);
	// 11 × 0.44 + 5 × 0.11 + 19 × 1.76 = 4.84 + 0.55 + 33.44 = 38.83 / 1 M
	assert.InDelta(t, 38.83e-6, got["azure.openai.cost.amount"], 1e-15)
	assert.Equal(t, "standard", got["azure.openai.cost.basis"])
}

func TestServiceTierAndFlexCost(t *testing.T) {
	body := `{"id":"c1","object":"chat.completion","model":"gpt-4.1-2025-04-14","service_tier":"flex",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],` +
		`"usage":{"prompt_tokens":4000,"completion_tokens":500,"total_tokens":4500,"prompt_tokens_details":{"cached_tokens":2000}}}`
	td := gatewaySpan{
		url: "https://x.openai.azure.com/openai/deployments/gpt-41/chat/completions", status: 200,
		requestBody: `{"messages":[{"role":"user","content":"hi"}],"service_tier":"flex"}`, responseBody: body,
	}.traces()
	span, _ := runProcessor(t, pricingConfig(), td)
	got := attrMap(span)
	assert.Equal(t, "flex", got["azure.openai.service_tier"])
	// gpt-4.1 row at the flex discount 0.5:
	// (2 000 × 2.00 + 2 000 × 0.50 + 500 × 8.00) × 0.5 = (4 000 + 1 000 + 4 000) × 0.5 = 4 500 / 1 M
	assert.InDelta(t, 4500e-6, got["azure.openai.cost.amount"], 1e-15)
	assert.Equal(t, "flex", got["azure.openai.cost.basis"])
}

func TestSpilloverAndProvisionedThroughTheLift(t *testing.T) {
	body := `{"id":"c1","object":"chat.completion","model":"gpt-4.1-2025-04-14",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],` +
		`"usage":{"prompt_tokens":3000,"completion_tokens":600,"total_tokens":3600}}`
	cfg := pricingConfig()
	cfg.Pricing.Deployments = map[string]pricing.Deployment{"gpt-41-ptu": {Type: pricing.Provisioned, PTU: 50, HourlyPricePerPTU: 2}}
	require.NoError(t, cfg.Validate())

	// Served by the provisioned deployment: (3 000 + 600 × 4) / 3 000 = 1.8
	// PTU-minutes; × 2 per PTU-hour / 60 = 0.06.
	span, _ := runProcessor(t, cfg, gatewaySpan{url: "https://x.openai.azure.com/openai/deployments/gpt-41-ptu/chat/completions", status: 200, responseBody: body}.traces())
	got := attrMap(span)
	assert.InDelta(t, 1.8, got["azure.openai.provisioned.units"], 1e-12)
	assert.InDelta(t, 0.06, got["azure.openai.cost.amount"], 1e-12)
	assert.Equal(t, "provisioned", got["azure.openai.cost.basis"])

	// Spilled to its standard deployment: the gpt-4.1 row,
	// 3 000 × 2.00 + 600 × 8.00 = 10 800 / 1 M.
	span, _ = runProcessor(t, cfg, gatewaySpan{
		url: "https://x.openai.azure.com/openai/deployments/gpt-41-ptu/chat/completions", status: 200, responseBody: body,
		responseHeaders: map[string]string{"x-ms-spillover-from-gpt-41-ptu": "gpt-41-ptu", "x-ms-deployment-name": "gpt-41-paygo"},
	}.traces())
	got = attrMap(span)
	assert.Equal(t, true, got["azure.openai.spilled_over"])
	assert.InDelta(t, 10800e-6, got["azure.openai.cost.amount"], 1e-15)
	assert.Equal(t, "spillover", got["azure.openai.cost.basis"])
	assert.NotContains(t, got, "azure.openai.provisioned.units")
}

func TestUnknownModelIsCountedNotPriced(t *testing.T) {
	body := `{"id":"c1","object":"chat.completion","model":"gpt-9-2031-01-01",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],` +
		`"usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}}`
	span, tel := runProcessor(t, pricingConfig(), gatewaySpan{url: "https://x.openai.azure.com/openai/deployments/g9/chat/completions", status: 200, responseBody: body}.traces())
	assert.NotContains(t, attrMap(span), "azure.openai.cost.amount")
	metadatatest.AssertEqualProcessorAzureOpenaiUnpricedCalls(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", "unknown_model"))},
	}, metricdatatest.IgnoreTimestamp())
}

// TestJoinRepricesReplacedUsage: a stream without usage is priced on its
// estimate at the lift; when the diagnostics join replaces the estimate with
// the log's counts, the span is priced again from them.
func TestJoinRepricesReplacedUsage(t *testing.T) {
	const (
		workspace = "5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"
		token     = "test-token-for-the-fake-workspace"
		requestID = "0b8e8d7c-5a1f-4f0e-9a43-2c1d0e9f8a7b"
	)
	fake := fakeloganalytics.New(fakeloganalytics.Options{WorkspaceID: workspace, Token: token})
	defer fake.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, fake.WriteCACertFile(caFile))
	// 1 200 prompt tokens, 1 024 of them cached, 87 generated.
	fake.AddRows(fakeloganalytics.CallRows(requestID, time.Now(), time.Time{})...)

	cfg := pricingConfig()
	cfg.Diagnostics.LogAnalytics.WorkspaceID = workspace
	cfg.Diagnostics.LogAnalytics.ClientConfig.Endpoint = fake.URL()
	cfg.Diagnostics.LogAnalytics.ClientConfig.TLS.CAFile = caFile
	cfg.Diagnostics.LogAnalytics.Credential.Type = "access_token"
	cfg.Diagnostics.LogAnalytics.Credential.AccessToken = configopaque.String(token)
	cfg.Diagnostics.Join.PollInterval = 50 * time.Millisecond
	cfg.Diagnostics.Join.MaxWait = 10 * time.Second
	require.NoError(t, confmap.Validate(cfg))

	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
	sink := new(consumertest.TracesSink)
	p, err := NewFactory().CreateTraces(context.Background(), metadatatest.NewSettings(tel), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))

	stream := "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"index\":0,\"finish_reason\":null}],\"id\":\"c1\",\"model\":\"gpt-4o-mini-2024-07-18\"}\n\n" +
		"data: {\"choices\":[{\"delta\":{\"content\":\"Hello there, how are\"},\"index\":0,\"finish_reason\":null}],\"id\":\"c1\",\"model\":\"gpt-4o-mini-2024-07-18\"}\n\n" +
		"data: {\"choices\":[{\"delta\":{\"content\":\" you today?\"},\"index\":0,\"finish_reason\":\"stop\"}],\"id\":\"c1\",\"model\":\"gpt-4o-mini-2024-07-18\"}\n\n" +
		"data: [DONE]\n\n"
	streamSpan := gatewaySpan{
		url: "https://x.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions", status: 200,
		requestBody: `{"messages":[{"role":"user","content":"Say hello"}],"stream":true}`, responseBody: stream,
		responseHeaders: map[string]string{"apim-request-id": requestID},
	}
	// Without the join: the estimate (9 input, 8 output, as
	// TestLiftStreamWithoutUsageIsEstimated counts them) at the gpt-4o-mini
	// row, 9 × 0.15 + 8 × 0.60 = 1.35 + 4.8 = 6.15 / 1 M.
	estimated, _ := runProcessor(t, pricingConfig(), streamSpan.traces())
	assert.Equal(t, "estimate", attrMap(estimated)["azure.openai.usage.source"])
	assert.InDelta(t, 6.15e-6, attrMap(estimated)["azure.openai.cost.amount"], 1e-15)

	require.NoError(t, p.ConsumeTraces(context.Background(), streamSpan.traces()))
	require.Eventually(t, func() bool { return sink.SpanCount() == 1 }, 5*time.Second, 20*time.Millisecond)
	got := attrMap(sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0))
	assert.Equal(t, "diagnostics", got["azure.openai.usage.source"])
	// The log's counts at the gpt-4o-mini row (0.15 / 0.075 / 0.60):
	// (1 200 − 1 024) × 0.15 + 1 024 × 0.075 + 87 × 0.60 = 26.4 + 76.8 + 52.2 = 155.4 / 1 M
	assert.InDelta(t, 155.4e-6, got["azure.openai.cost.amount"], 1e-15)
	assert.Equal(t, "standard", got["azure.openai.cost.basis"])
	require.NoError(t, p.Shutdown(context.Background()))
}

func TestOpenAICallsAreNotPriced(t *testing.T) {
	body := `{"id":"c1","object":"chat.completion","model":"gpt-4o-2024-11-20","service_tier":"default",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2}}`
	span, tel := runProcessor(t, pricingConfig(), gatewaySpan{url: "https://api.openai.com/v1/chat/completions", status: 200, responseBody: body}.traces())
	got := attrMap(span)
	assert.Equal(t, "openai", got["gen_ai.provider.name"])
	assert.NotContains(t, got, "azure.openai.cost.amount")
	assert.NotContains(t, got, "azure.openai.service_tier", "openai.response.service_tier carries it")
	_, err := tel.GetMetric("otelcol_processor_azure_openai_unpriced_calls")
	assert.Error(t, err, "not counted as unpriced either")
}
