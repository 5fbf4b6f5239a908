package aigatewayreceiver // import "github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
	"github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver/internal/metadata"
)

// receiverTelemetry records the receiver's own metrics (metadata.yaml):
// counts per request, never a log line per record.
type receiverTelemetry struct {
	builder *metadata.TelemetryBuilder
	// reasonAttrs are built once: recording a rejection costs no allocation.
	reasonAttrs [exchange.NumReasons]metric.AddOption
}

func newReceiverTelemetry(set component.TelemetrySettings) (*receiverTelemetry, error) {
	builder, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	t := &receiverTelemetry{builder: builder}
	for i := range exchange.NumReasons {
		reason := exchange.Reason(i).String()
		t.reasonAttrs[i] = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", reason)))
	}
	return t, nil
}

func (t *receiverTelemetry) recordBodySize(ctx context.Context, n int) {
	t.builder.ReceiverAiGatewayRequestBodySize.Add(ctx, int64(n))
}

func (t *receiverTelemetry) recordAccepted(ctx context.Context, n int) {
	if n > 0 {
		t.builder.ReceiverAiGatewayRecordsAccepted.Add(ctx, int64(n))
	}
}

func (t *receiverTelemetry) recordRejected(ctx context.Context, byReason *[exchange.NumReasons]int) {
	for reason, n := range byReason {
		if n > 0 {
			t.builder.ReceiverAiGatewayRecordsRejected.Add(ctx, int64(n), t.reasonAttrs[reason])
		}
	}
}

func (t *receiverTelemetry) shutdown() {
	t.builder.Shutdown()
}
