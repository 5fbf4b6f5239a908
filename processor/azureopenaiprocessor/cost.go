package azureopenaiprocessor // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/genai"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/pricing"
)

// price writes the cost of a lifted Azure model call (README, "Cost and
// capacity"), unless pricing is off or the sender already priced the span;
// the sheet holds Azure's prices, so calls to OpenAI itself are not priced.
// It returns why a call with usage got no cost, for the processor's telemetry.
func (l *lifter) price(route genai.Route, provider string) pricing.Unpriced {
	if l.pricer == nil || !route.ModelCall() || l.has(attrCostAmount) ||
		(provider != providerAzureOpenAI && provider != providerAzureInference) {
		return ""
	}
	req, resp, h := &l.request, &l.resp, &l.view.headers
	u := &resp.Usage
	r := l.pricer.Price(pricing.Call{
		Model:       responseModel(route, resp, h),
		Deployment:  deploymentName(route, req, h),
		Region:      h.Region,
		ServiceTier: l.serviceTier(),
		SpilledOver: h.SpilledOver.Set && h.SpilledOver.V,
		HasUsage:    u.Input.Set || u.Output.Set,
		Input:       u.Input.V,
		Cached:      u.CacheRead.V,
		Output:      u.Output.V,
	})
	if r.HasCost || r.HasUnits {
		pricing.Write(l.attrs, r)
	}
	return r.Unpriced
}

// serviceTier is the tier that served the call: the response's
// service_tier, else the one the request asked for.
func (l *lifter) serviceTier() string {
	if l.resp.ServiceTier != "" {
		return l.resp.ServiceTier
	}
	return l.request.ServiceTier
}

// repricer prices a span again after the diagnostics join replaced its
// usage, and counts the calls it could not price.
func (p *azureOpenAIProcessor) repricer(span ptrace.Span) {
	attrs := span.Attributes()
	r := p.pricer.Price(pricing.CallFromAttributes(attrs))
	pricing.Write(attrs, r)
	if r.Unpriced != "" {
		p.telemetry.ProcessorAzureOpenaiUnpricedCalls.Add(context.Background(), 1, unpricedSets[r.Unpriced])
	}
}
