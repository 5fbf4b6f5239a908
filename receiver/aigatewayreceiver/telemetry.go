package aigatewayreceiver // import "github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver"

import (
	"context"

	"go.opentelemetry.io/collector/component"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
	"github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver/internal/metadata"
)

// receiverTelemetry records the receiver's own metrics (metadata.yaml):
// counts per request, never a log line per record.
type receiverTelemetry struct {
	builder *metadata.TelemetryBuilder
}

func newReceiverTelemetry(set component.TelemetrySettings) (*receiverTelemetry, error) {
	builder, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	return &receiverTelemetry{builder: builder}, nil
}

func (t *receiverTelemetry) recordBodySize(ctx context.Context, n int) {
	t.builder.ReceiverAiGatewayRequestBodySize.Add(ctx, int64(n))
}

// recordAccepted counts the records the pipeline took and the header values
// among them whose bytes that are not UTF-8 were replaced.
func (t *receiverTelemetry) recordAccepted(ctx context.Context, n, replacedHeaderValues int) {
	if n > 0 {
		t.builder.ReceiverAiGatewayRecordsAccepted.Add(ctx, int64(n))
	}
	if replacedHeaderValues > 0 {
		t.builder.ReceiverAiGatewayHeaderValuesReplaced.Add(ctx, int64(replacedHeaderValues))
	}
}

func (t *receiverTelemetry) recordRejected(ctx context.Context, byReason *[exchange.NumReasons]int) {
	exchange.CountRejected(ctx, t.builder.ReceiverAiGatewayRecordsRejected, byReason)
}

func (t *receiverTelemetry) shutdown() {
	t.builder.Shutdown()
}
