package aigatewayencodingextension // import "github.com/otelcol-aoai/otelcol-aoai/extension/aigatewayencodingextension"

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/encoding"

	"github.com/otelcol-aoai/otelcol-aoai/extension/aigatewayencodingextension/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
)

var _ encoding.TracesUnmarshalerExtension = (*encodingExtension)(nil)

// encodingExtension turns messages of exchange records into spans. It holds
// no connection and no goroutine: the receiver that loads it (the Kafka
// receiver) owns transport, offsets and retries; this is only the decoding.
type encodingExtension struct {
	framing   string
	decoder   *exchange.Decoder
	telemetry *encodingTelemetry
	warnings  *rateLimitedWarnings
}

func newEncodingExtension(cfg *Config, set extension.Settings) (*encodingExtension, error) {
	telemetry, err := newEncodingTelemetry(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &encodingExtension{
		framing: cfg.Framing,
		decoder: exchange.NewDecoder(exchange.Options{
			RecordConfig: cfg.RecordConfig,
			ScopeName:    metadata.ScopeName,
		}),
		telemetry: telemetry,
		warnings:  newRateLimitedWarnings(set.Logger, nil),
	}, nil
}

func (*encodingExtension) Start(context.Context, component.Host) error { return nil }

func (e *encodingExtension) Shutdown(context.Context) error {
	e.telemetry.shutdown()
	return nil
}

// UnmarshalTraces turns one message into one span per valid record.
//
// A message with at least one valid record succeeds: its invalid records are
// counted, described in a rate-limited warning and left out, because
// resending them would fail the same way (as the HTTP door answers 200 with
// "rejected"). A message with no valid record (not JSON, cut short, empty,
// or every record invalid) returns an error and no span; the caller decides
// what becomes of it (the Kafka receiver counts it, logs it and marks its
// offset or not per message_marking.on_permanent_error). Error texts name
// record indexes and fields, never a value: values may be credentials.
func (e *encodingExtension) UnmarshalTraces(message []byte) (ptrace.Traces, error) {
	// The Kafka receiver gives no context; the counters need none.
	ctx := context.Background()
	res, err := decodeMessage(e.decoder, message, e.framing)
	if err != nil {
		e.telemetry.recordMessage(ctx, outcomeRejected)
		return ptrace.Traces{}, fmt.Errorf("ai_gateway_encoding: %w", err)
	}
	e.telemetry.recordRejected(ctx, &res.RejectedByReason)
	if res.Accepted == 0 {
		e.telemetry.recordMessage(ctx, outcomeRejected)
		return ptrace.Traces{}, fmt.Errorf("ai_gateway_encoding: no valid record in the message (%d rejected): %w", res.Rejected, res.Errors[0])
	}
	e.telemetry.recordDecoded(ctx, res.Accepted, res.ReplacedHeaderValues)
	if res.Rejected > 0 {
		e.telemetry.recordMessage(ctx, outcomePartial)
		e.warnings.warn("Invalid exchange records left out of a message; its valid records were kept",
			res.Accepted, res.Rejected, res.Errors[0])
	} else {
		e.telemetry.recordMessage(ctx, outcomeDecoded)
	}
	return res.Traces, nil
}
