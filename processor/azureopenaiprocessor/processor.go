package azureopenaiprocessor // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor"

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/pricing"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/tokens"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/validutf8"
)

type azureOpenAIProcessor struct {
	cfg        *Config
	telemetry  *metadata.TelemetryBuilder
	conditions *selector
	lifters    sync.Pool
	// joiner holds spans until their diagnostic-log row arrives; with the
	// join disabled it passes every span through.
	joiner *join.Joiner
	// pricer is nil when pricing is off.
	pricer *pricing.Pricer
	// admit is the consumer processorhelper hands the lifted spans to: the
	// join, which passes what need not wait to next (see admitTraces).
	admit consumer.Traces
	next  consumer.Traces
}

// Metric attribute sets, built once so recording does not allocate.
var (
	outcomeLifted    = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "lifted")))
	outcomeSkipped   = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "skipped")))
	kindRequestBody  = metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "request_body")))
	kindResponseBody = metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "response_body")))
	kindStream       = metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "stream")))
	kindHeader       = metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "header")))
	kindCondition    = metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "condition")))
	kindReqEncoding  = metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "request_encoding")))
	kindRespEncoding = metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "response_encoding")))
	unpricedSets     = map[pricing.Unpriced]metric.AddOption{
		pricing.UnknownModel: metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", string(pricing.UnknownModel)))),
		pricing.NoPrice:      metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", string(pricing.NoPrice)))),
	}
	// estimateSets is indexed by estimateKey.
	estimateSets = [4]metric.AddOption{
		estimateSet(tokens.O200kBase, false), estimateSet(tokens.O200kBase, true),
		estimateSet(tokens.Cl100kBase, false), estimateSet(tokens.Cl100kBase, true),
	}
)

func estimateSet(enc tokens.Encoding, assumed bool) metric.AddOption {
	from := "model"
	if assumed {
		from = "default"
	}
	return metric.WithAttributeSet(attribute.NewSet(attribute.String("tokenizer", string(enc)), attribute.String("tokenizer_from", from)))
}

// estimateKey indexes estimateSets: which encoding an estimate used, and
// whether the model name told it or o200k_base was assumed.
func estimateKey(enc tokens.Encoding, assumed bool) int {
	k := 0
	if enc == tokens.Cl100kBase {
		k = 2
	}
	if assumed {
		k++
	}
	return k
}

func newProcessor(cfg *Config, set processor.Settings, next consumer.Traces) (*azureOpenAIProcessor, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	p := &azureOpenAIProcessor{cfg: cfg, telemetry: tb, next: next}
	if len(cfg.Conditions) > 0 {
		p.conditions, err = parseConditions(cfg.Conditions, cfg.ErrorMode, set.TelemetrySettings)
		if err != nil {
			return nil, err
		}
	}
	joinOptions := []join.Option{join.WithComponentID(set.ID)}
	if cfg.Pricing.Enabled {
		if p.pricer, err = pricing.NewPricer(cfg.Pricing); err != nil {
			return nil, err
		}
		joinOptions = append(joinOptions, join.WithUsageChanged(p.repricer))
	}
	p.lifters.New = func() any { return newLifter(cfg, p.pricer) }
	// Held spans are released straight to the next consumer by the join's own
	// poll loop, outside any ConsumeTraces call of ours.
	var src source.Source
	if cfg.Diagnostics.LogAnalytics.Enabled() {
		if src, err = loganalytics.NewClient(cfg.Diagnostics.LogAnalytics, set.TelemetrySettings); err != nil {
			return nil, err
		}
	}
	p.joiner, err = join.NewJoiner(cfg.Diagnostics.Join, src, set.TelemetrySettings, tb, next.ConsumeTraces, joinOptions...)
	if err != nil {
		return nil, err
	}
	if p.admit, err = consumer.NewTraces(p.admitTraces, consumer.WithCapabilities(consumer.Capabilities{MutatesData: true})); err != nil {
		return nil, err
	}
	return p, nil
}

// admitTraces hands lifted spans to the join, which sends what need not wait
// on to next and holds the rest only if next accepted it: a refused batch
// comes back to the sender whole, with nothing held, so its retry sends no
// span twice.
func (p *azureOpenAIProcessor) admitTraces(ctx context.Context, td ptrace.Traces) error {
	return p.joiner.Admit(ctx, td, p.next.ConsumeTraces)
}

func (p *azureOpenAIProcessor) start(ctx context.Context, host component.Host) error {
	return p.joiner.Start(ctx, host)
}

// shutdown releases every span the join still holds (the next consumer is
// still running: pipelines stop from the receivers down), then the telemetry.
func (p *azureOpenAIProcessor) shutdown(ctx context.Context) error {
	err := p.joiner.Shutdown(ctx)
	p.telemetry.Shutdown()
	return err
}

// batchCounts aggregates one batch's telemetry so each instrument is touched
// once per batch, not once per span.
type batchCounts struct {
	lifted, skipped                                   int64
	requestFailures, responseFailures, streamFailures int64
	headerFailures, conditionFailures                 int64
	estimates                                         [len(estimateSets)]int64
	requestUndecodable, responseUndecodable           int64
	// invalidUTF8 counts strings whose invalid bytes were replaced.
	invalidUTF8                 int64
	unpricedModel, unpricedTier int64
}

// processTraces lifts every selected span in place and returns the traces for
// the join (admitTraces), which sends them on. Bad input never fails the batch: it is counted and the
// span goes on with what could be read. Only a condition error under
// error_mode: propagate refuses the batch.
func (p *azureOpenAIProcessor) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	l := p.lifters.Get().(*lifter)
	defer p.lifters.Put(l)
	var c batchCounts
	defer p.record(ctx, &c)

	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		c.invalidUTF8 += int64(validutf8.Resource(rs.Resource()))
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			c.invalidUTF8 += int64(validutf8.Scope(ss.Scope()))
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				l.scan(span.Attributes())
				selected, failures, err := p.selects(ctx, l, rs, ss, span)
				c.conditionFailures += int64(failures)
				if err != nil {
					return td, err
				}
				if !selected {
					c.skipped++
				} else {
					c.add(l.lift(span))
				}
				// After lifting, so that what was read from the bodies is
				// checked with what the sender set. The attributes were seen
				// by scan and the lifter's writes: walked again only when one
				// of those found a string that is not UTF-8.
				c.invalidUTF8 += int64(validutf8.SpanExceptAttributes(span))
				if l.attributesNeedUTF8Pass(selected) {
					c.invalidUTF8 += int64(validutf8.Map(span.Attributes()))
				}
			}
		}
	}
	return td, nil
}

// selects applies the conditions setting, or the default test.
func (p *azureOpenAIProcessor) selects(ctx context.Context, l *lifter, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span) (bool, int, error) {
	if p.conditions == nil {
		return l.view.looksLikeModelCall(), 0, nil
	}
	return p.conditions.selects(ctx, rs, ss, span)
}

func (c *batchCounts) add(o outcome) {
	c.lifted++
	c.headerFailures += int64(o.headerFailures)
	if o.requestFailed {
		c.requestFailures++
	}
	if o.responseFailed {
		c.responseFailures++
	}
	if o.streamFailed {
		c.streamFailures++
	}
	switch o.unpriced {
	case pricing.UnknownModel:
		c.unpricedModel++
	case pricing.NoPrice:
		c.unpricedTier++
	}
	if o.estimated {
		c.estimates[estimateKey(o.tokenizer, o.tokenizerAssumed)]++
	}
	if o.requestUndecodable {
		c.requestUndecodable++
	}
	if o.responseUndecodable {
		c.responseUndecodable++
	}
}

func (p *azureOpenAIProcessor) record(ctx context.Context, c *batchCounts) {
	t := p.telemetry
	addIf(ctx, t.ProcessorAzureOpenaiSpans, c.lifted, outcomeLifted)
	addIf(ctx, t.ProcessorAzureOpenaiSpans, c.skipped, outcomeSkipped)
	addIf(ctx, t.ProcessorAzureOpenaiParseFailures, c.requestFailures, kindRequestBody)
	addIf(ctx, t.ProcessorAzureOpenaiParseFailures, c.responseFailures, kindResponseBody)
	addIf(ctx, t.ProcessorAzureOpenaiParseFailures, c.streamFailures, kindStream)
	addIf(ctx, t.ProcessorAzureOpenaiParseFailures, c.headerFailures, kindHeader)
	addIf(ctx, t.ProcessorAzureOpenaiParseFailures, c.conditionFailures, kindCondition)
	addIf(ctx, t.ProcessorAzureOpenaiParseFailures, c.requestUndecodable, kindReqEncoding)
	addIf(ctx, t.ProcessorAzureOpenaiParseFailures, c.responseUndecodable, kindRespEncoding)
	addIf(ctx, t.ProcessorAzureOpenaiUnpricedCalls, c.unpricedModel, unpricedSets[pricing.UnknownModel])
	addIf(ctx, t.ProcessorAzureOpenaiUnpricedCalls, c.unpricedTier, unpricedSets[pricing.NoPrice])
	for k, n := range c.estimates {
		addIf(ctx, t.ProcessorAzureOpenaiTokenEstimates, n, estimateSets[k])
	}
	if c.invalidUTF8 > 0 {
		t.ProcessorAzureOpenaiInvalidUtf8.Add(ctx, c.invalidUTF8)
	}
}

func addIf(ctx context.Context, counter metric.Int64Counter, n int64, opt metric.AddOption) {
	if n > 0 {
		counter.Add(ctx, n, opt)
	}
}
