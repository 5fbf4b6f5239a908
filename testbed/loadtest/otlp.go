package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
)

// receiverScope is the instrumentation scope the ai_gateway receiver gives its
// spans (its metadata.ScopeName).
const receiverScope = "github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver"

// OTLPTranslator turns exchange records into the OTLP/HTTP JSON request an
// OTLP sender would post for them: the span the ai_gateway receiver makes of
// the record (same attributes, same bodies), through internal/exchange, the
// receiver's own translation.
type OTLPTranslator struct {
	decoder *exchange.Decoder
	json    ptrace.JSONMarshaler
}

// NewOTLPTranslator translates with the receiver's default settings.
func NewOTLPTranslator() *OTLPTranslator {
	return &OTLPTranslator{decoder: exchange.NewDecoder(exchange.Options{ScopeName: receiverScope})}
}

// Translate returns record as an ExportTraceServiceRequest in OTLP JSON.
func (t *OTLPTranslator) Translate(record []byte) ([]byte, error) {
	res, err := t.decoder.Decode(record, exchange.FormatJSON)
	if err != nil {
		return nil, err
	}
	if res.Accepted != 1 {
		return nil, fmt.Errorf("record not valid: %v", res.Errors)
	}
	return t.json.MarshalTraces(res.Traces)
}
