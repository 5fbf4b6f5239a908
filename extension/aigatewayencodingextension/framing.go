package aigatewayencodingextension // import "github.com/otelcol-aoai/otelcol-aoai/extension/aigatewayencodingextension"

import (
	"strings"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
)

// decodeMessage reads a message in the configured framing. The HTTP door
// learns the framing from Content-Type; a Kafka message carries none, so
// auto tells them apart by shape:
//
//   - one JSON value (a record, pretty-printed or not, or an array of
//     records) is read as JSON, which is what an APIM log-to-eventhub policy
//     sends;
//   - otherwise, when the message has several lines, it is read as NDJSON, and
//     that reading wins if at least one line was a JSON object: a bad line
//     then costs only its own record, as NDJSON promises;
//   - otherwise the message is not JSON at all and the JSON error stands.
//
// An NDJSON message pays for reading its first record twice; a message of one
// record (the common case) is read once.
func decodeMessage(dec *exchange.Decoder, message []byte, framing string) (exchange.Result, error) {
	// One copy: the spans share the memory of the string they were read
	// from, and the caller may reuse its buffer after we return.
	text := string(message)
	switch framing {
	case FramingJSON:
		return dec.DecodeString(text, exchange.FormatJSON)
	case FramingNDJSON:
		return dec.DecodeString(text, exchange.FormatNDJSON)
	}
	res, err := dec.DecodeString(text, exchange.FormatJSON)
	if err == nil || !hasSeveralLines(text) {
		return res, err
	}
	lines, linesErr := dec.DecodeString(text, exchange.FormatNDJSON)
	if linesErr == nil && lines.Accepted+lines.Rejected > lines.RejectedByReason[exchange.ReasonInvalidJSON] {
		return lines, nil
	}
	return res, err
}

// hasSeveralLines reports whether text has something other than white space
// on a line after its first non-blank one.
func hasSeveralLines(text string) bool {
	_, rest, found := strings.Cut(strings.TrimLeft(text, jsonSpace), "\n")
	return found && strings.TrimLeft(rest, jsonSpace) != ""
}

// jsonSpace is JSON's white space (RFC 8259 §2), what the decoder skips.
const jsonSpace = " \t\r\n"
