package azureopenaiprocessor // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor"

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/metadata"
)

type azureOpenAIProcessor struct {
	cfg        *Config
	telemetry  *metadata.TelemetryBuilder
	conditions *selector
	lifters    sync.Pool
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
)

func newProcessor(cfg *Config, set processor.Settings) (*azureOpenAIProcessor, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	p := &azureOpenAIProcessor{cfg: cfg, telemetry: tb}
	if len(cfg.Conditions) > 0 {
		p.conditions, err = parseConditions(cfg.Conditions, cfg.ErrorMode, set.TelemetrySettings)
		if err != nil {
			return nil, err
		}
	}
	p.lifters.New = func() any { return newLifter(cfg) }
	return p, nil
}

func (p *azureOpenAIProcessor) shutdown(context.Context) error {
	p.telemetry.Shutdown()
	return nil
}

// batchCounts aggregates one batch's telemetry so each instrument is touched
// once per batch, not once per span.
type batchCounts struct {
	lifted, skipped                                   int64
	requestFailures, responseFailures, streamFailures int64
	headerFailures, conditionFailures, estimates      int64
}

// processTraces lifts every selected span in place and returns the traces for
// the next consumer. Bad input never fails the batch: it is counted and the
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
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
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
					continue
				}
				out := l.lift(span)
				c.add(out)
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
	if o.estimated {
		c.estimates++
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
	if c.estimates > 0 {
		t.ProcessorAzureOpenaiTokenEstimates.Add(ctx, c.estimates)
	}
}

func addIf(ctx context.Context, counter metric.Int64Counter, n int64, opt metric.AddOption) {
	if n > 0 {
		counter.Add(ctx, n, opt)
	}
}
