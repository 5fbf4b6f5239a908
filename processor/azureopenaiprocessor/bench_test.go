package azureopenaiprocessor

import (
	"context"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/transformprocessor"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/genai"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/tokens"
)

// transformStatements are the OTTL statements a user would write to lift the
// same facts with the contrib transform processor: ParseJSON of the bodies,
// the usage / model / id / request-parameter attributes, the header copies
// with Int() conversions, the rename and the body removal.
var transformStatements = []any{
	`set(span.cache["resp"], ParseJSON(span.attributes["ai_gateway.response.body"])) where span.attributes["ai_gateway.response.body"] != nil`,
	`set(span.cache["req"], ParseJSON(span.attributes["ai_gateway.request.body"])) where span.attributes["ai_gateway.request.body"] != nil`,
	`set(span.attributes["gen_ai.provider.name"], "azure.ai.openai")`,
	`set(span.attributes["gen_ai.operation.name"], "chat")`,
	`set(span.attributes["gen_ai.request.model"], span.attributes["http.response.header.x-ms-deployment-name"][0])`,
	`set(span.attributes["gen_ai.response.id"], span.cache["resp"]["id"])`,
	`set(span.attributes["gen_ai.response.model"], span.cache["resp"]["model"])`,
	`set(span.attributes["gen_ai.response.finish_reasons"], [span.cache["resp"]["choices"][0]["finish_reason"]])`,
	`set(span.attributes["gen_ai.usage.input_tokens"], span.cache["resp"]["usage"]["prompt_tokens"])`,
	`set(span.attributes["gen_ai.usage.output_tokens"], span.cache["resp"]["usage"]["completion_tokens"])`,
	`set(span.attributes["gen_ai.usage.cache_read.input_tokens"], span.cache["resp"]["usage"]["prompt_tokens_details"]["cached_tokens"])`,
	`set(span.attributes["gen_ai.usage.reasoning.output_tokens"], span.cache["resp"]["usage"]["completion_tokens_details"]["reasoning_tokens"])`,
	`set(span.attributes["gen_ai.request.max_tokens"], span.cache["req"]["max_completion_tokens"])`,
	`set(span.attributes["gen_ai.request.temperature"], span.cache["req"]["temperature"])`,
	`set(span.attributes["gen_ai.request.top_p"], span.cache["req"]["top_p"])`,
	`set(span.attributes["gen_ai.request.seed"], span.cache["req"]["seed"])`,
	`set(span.attributes["azure.service.request.id"], span.attributes["http.response.header.apim-request-id"][0])`,
	`set(span.attributes["azure.openai.region"], span.attributes["http.response.header.x-ms-region"][0])`,
	`set(span.attributes["azure.openai.deployment"], span.attributes["http.response.header.x-ms-deployment-name"][0])`,
	`set(span.attributes["azure.openai.request_id"], span.attributes["http.response.header.x-request-id"][0])`,
	`set(span.attributes["azure.openai.model_session"], span.attributes["http.response.header.azureml-model-session"][0])`,
	`set(span.attributes["azure.openai.ratelimit.remaining_requests"], Int(span.attributes["http.response.header.x-ratelimit-remaining-requests"][0]))`,
	`set(span.attributes["azure.openai.ratelimit.remaining_tokens"], Int(span.attributes["http.response.header.x-ratelimit-remaining-tokens"][0]))`,
	`set(span.attributes["azure.openai.ratelimit.limit_requests"], Int(span.attributes["http.response.header.x-ratelimit-limit-requests"][0]))`,
	`set(span.attributes["azure.openai.ratelimit.limit_tokens"], Int(span.attributes["http.response.header.x-ratelimit-limit-tokens"][0]))`,
	`set(span.attributes["azure.openai.ratelimit.reset_requests"], Int(span.attributes["http.response.header.x-ratelimit-reset-requests"][0]))`,
	`set(span.attributes["azure.openai.ratelimit.reset_tokens"], Int(span.attributes["http.response.header.x-ratelimit-reset-tokens"][0]))`,
	`set(span.attributes["gen_ai.request.frequency_penalty"], span.cache["req"]["frequency_penalty"])`,
	`set(span.attributes["gen_ai.request.presence_penalty"], Double(span.cache["req"]["presence_penalty"]))`,
	`set(span.attributes["gen_ai.request.stop_sequences"], span.cache["req"]["stop"])`,
	`set(span.attributes["gen_ai.output.type"], "json") where span.cache["req"]["response_format"]["type"] == "json_object"`,
	`set(span.attributes["azure.openai.usage.source"], "response") where span.cache["resp"]["usage"] != nil`,
	`set(span.attributes["azure.resource_provider.namespace"], "Microsoft.CognitiveServices")`,
	`set(span.attributes["azure.openai.rai_invoked"], true) where span.attributes["http.response.header.x-ms-rai-invoked"][0] == "true"`,
	`set(span.attributes["azure.openai.rai_invoked"], false) where span.attributes["http.response.header.x-ms-rai-invoked"][0] == "false"`,
	`set(span.attributes["azure.openai.spilled_over"], true) where span.attributes["http.response.header.x-ms-is-spilled-over"][0] == "true"`,
	`set(span.attributes["azure.openai.spilled_over"], false) where span.attributes["http.response.header.x-ms-is-spilled-over"][0] == "false"`,
	`set(span.attributes["azure.openai.upstream_time"], Double(span.attributes["http.response.header.cmp-upstream-response-duration"][0]) / 1000)`,
	`set(span.name, Concat(["chat", span.attributes["gen_ai.request.model"]], " "))`,
	`delete_key(span.attributes, "ai_gateway.request.body")`,
	`delete_key(span.attributes, "ai_gateway.response.body")`,
}

// benchSpan is a realistic gateway span of a non-streaming Azure chat call:
// the receiver's HTTP attributes, 20 response headers, both bodies.
func benchSpan() ptrace.Traces {
	hdrs := map[string]string{
		"content-type": "application/json", "date": "Tue, 31 Mar 2026 13:12:38 GMT",
		"strict-transport-security": "max-age=31536000; includeSubDomains; preload",
		"x-content-type-options":    "nosniff", "skip-error-remapping": "true", "x-accel-buffering": "no",
		"x-ratelimit-abusepenalty-active": "False", "x-ratelimit-renewalperiod-requests": "60",
	}
	for k, v := range chatHeaders {
		switch k {
		case "retry-after-ms", "retry-after", "openai-processing-ms":
			continue
		}
		hdrs[k] = v
	}
	hdrs["x-ratelimit-remaining-tokens"] = "119986"
	td := gatewaySpan{url: chatURL, status: 200, requestBody: chatRequest, responseBody: chatBody, responseHeaders: hdrs,
		extra: map[string]any{
			"http.request.body.size": int64(len(chatRequest)), "http.response.body.size": int64(len(chatBody)),
			"server.port": int64(443), "client.address": "203.0.113.7", "ai_gateway.caller.subscription_id": "sub-team-search",
			"http.request.header.content-type": []any{"application/json"}, "http.request.header.x-ms-client-request-id": []any{"c0ffee"},
		}}.traces()
	td.ResourceSpans().At(0).Resource().Attributes().PutStr("service.name", "apim-contoso")
	return td
}

func newTransform(tb testing.TB, next consumer.Traces) processor.Traces {
	f := transformprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	require.NoError(tb, confmap.NewFromStringMap(map[string]any{
		"error_mode":       "ignore",
		"trace_statements": []any{map[string]any{"statements": transformStatements}},
	}).Unmarshal(cfg))
	p, err := f.CreateTraces(context.Background(), processortest.NewNopSettings(f.Type()), cfg, next)
	require.NoError(tb, err)
	require.NoError(tb, p.Start(context.Background(), componenttest.NewNopHost()))
	return p
}

// TestTransformBaselineLiftsTheSameFacts keeps the benchmark honest: the
// transform configuration really produces the attributes it is compared for.
func TestTransformBaselineLiftsTheSameFacts(t *testing.T) {
	sink := new(consumertest.TracesSink)
	p := newTransform(t, sink)
	require.NoError(t, p.ConsumeTraces(context.Background(), benchSpan()))
	require.NoError(t, p.Shutdown(context.Background()))
	viaTransform := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	viaOurs, _ := runProcessor(t, defaultConfig(), benchSpan())
	require.Equal(t, viaOurs.Name(), viaTransform.Name())
	ours := viaOurs.Attributes().AsRaw()
	for k, v := range viaTransform.Attributes().AsRaw() {
		require.Contains(t, ours, k)
		require.EqualValues(t, v, ours[k], k)
	}
	require.NotContains(t, viaTransform.Attributes().AsRaw(), "ai_gateway.response.body")
}

// BenchmarkLiftChatSpan: this processor (with pricing off and on) beside the
// transform processor doing the same lifting, on a realistic non-streaming
// chat span. Each iteration
// copies the input span (both sides pay it; "copy-only" measures it).
func BenchmarkLiftChatSpan(b *testing.B) {
	src := benchSpan()
	b.Run("copy-only", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			td := ptrace.NewTraces()
			src.CopyTo(td)
		}
	})
	pricingOn := defaultConfig()
	pricingOn.Pricing.Enabled = true
	for name, cfg := range map[string]*Config{"azure_openai": defaultConfig(), "azure_openai+pricing": pricingOn} {
		b.Run(name, func(b *testing.B) {
			p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
			require.NoError(b, err)
			b.ReportAllocs()
			for b.Loop() {
				td := ptrace.NewTraces()
				src.CopyTo(td)
				_ = p.ConsumeTraces(context.Background(), td)
			}
		})
	}
	b.Run("transform", func(b *testing.B) {
		p := newTransform(b, consumertest.NewNop())
		b.ReportAllocs()
		for b.Loop() {
			td := ptrace.NewTraces()
			src.CopyTo(td)
			_ = p.ConsumeTraces(context.Background(), td)
		}
	})
}

// BenchmarkStreamReconstruction: SSE parsing and chunk reassembly of a
// 1 000-chunk Azure stream, without estimation (MB/s of body).
func BenchmarkStreamReconstruction(b *testing.B) {
	body := []byte(streamOfChunks(1000, true))
	b.Run("reader", func(b *testing.B) {
		var r genai.ResponseReader
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var resp genai.Response
			r.ReadStream(body, false, &resp)
			resp.Finish()
		}
	})
	b.Run("processor", func(b *testing.B) {
		cfg := defaultConfig()
		cfg.EstimateTokens = false
		p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
		require.NoError(b, err)
		src := gatewaySpan{url: "https://x.openai.azure.com/openai/deployments/gpt-4o/chat/completions", status: 200, responseBody: string(body),
			requestBody: `{"messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}`}.traces()
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			td := ptrace.NewTraces()
			src.CopyTo(td)
			_ = p.ConsumeTraces(context.Background(), td)
		}
	})
}

// estimateText is about 1 000 o200k tokens of ordinary English.
var estimateText = strings.Repeat("The weather in Paris is currently rainy with a temperature of 57°F, and the forecast calls for clearing skies by the evening, so pack a light jacket. ", 31)

// BenchmarkEstimate: the cost of estimating 1 000 output tokens (the
// vocabulary is loaded before timing starts).
func BenchmarkEstimate(b *testing.B) {
	counter := tokens.ForModel("gpt-4o")
	choices := []genai.Choice{{Text: []byte(estimateText)}}
	n := counter.Completion(choices)
	require.InDelta(b, 1000, n, 30)
	b.ReportAllocs()
	for b.Loop() {
		counter.Completion(choices)
	}
	b.ReportMetric(float64(n), "tokens/op")
}
