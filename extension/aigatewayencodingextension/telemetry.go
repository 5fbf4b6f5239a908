package aigatewayencodingextension // import "github.com/otelcol-aoai/otelcol-aoai/extension/aigatewayencodingextension"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelcol-aoai/otelcol-aoai/extension/aigatewayencodingextension/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
)

// outcome is what became of a message: the outcome attribute of
// metadata.yaml.
type outcome int

const (
	outcomeDecoded outcome = iota
	outcomePartial
	outcomeRejected
	numOutcomes
)

var outcomeNames = [numOutcomes]string{
	outcomeDecoded:  "decoded",
	outcomePartial:  "partial",
	outcomeRejected: "rejected",
}

// encodingTelemetry records the extension's own metrics (metadata.yaml):
// counts per message, never a log line per record.
type encodingTelemetry struct {
	builder *metadata.TelemetryBuilder
	// The attribute sets are built once: recording costs no allocation.
	outcomeAttrs [numOutcomes]metric.AddOption
}

func newEncodingTelemetry(set component.TelemetrySettings) (*encodingTelemetry, error) {
	builder, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	t := &encodingTelemetry{builder: builder}
	for i, name := range outcomeNames {
		t.outcomeAttrs[i] = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", name)))
	}
	return t, nil
}

func (t *encodingTelemetry) recordMessage(ctx context.Context, o outcome) {
	t.builder.ExtensionAiGatewayEncodingMessages.Add(ctx, 1, t.outcomeAttrs[o])
}

// recordDecoded counts the records that became spans and the header values
// among them whose bytes that are not UTF-8 were replaced.
func (t *encodingTelemetry) recordDecoded(ctx context.Context, n, replacedHeaderValues int) {
	t.builder.ExtensionAiGatewayEncodingRecordsDecoded.Add(ctx, int64(n))
	if replacedHeaderValues > 0 {
		t.builder.ExtensionAiGatewayEncodingHeaderValuesReplaced.Add(ctx, int64(replacedHeaderValues))
	}
}

func (t *encodingTelemetry) recordRejected(ctx context.Context, byReason *[exchange.NumReasons]int) {
	exchange.CountRejected(ctx, t.builder.ExtensionAiGatewayEncodingRecordsRejected, byReason)
}

func (t *encodingTelemetry) shutdown() {
	t.builder.Shutdown()
}
