// Package aigatewayencodingextension is the ai_gateway_encoding extension: a
// traces unmarshaler for receivers that carry bytes without knowing what they
// mean (the Kafka receiver reading an Event Hubs namespace, above all). A
// message holding one exchange record, a JSON array of records or NDJSON
// becomes one CLIENT span per valid record, through the same decoding,
// validation, credential handling and translation as the ai_gateway
// receiver's HTTP endpoint (internal/exchange): one implementation, two doors.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package aigatewayencodingextension // import "github.com/otelcol-aoai/otelcol-aoai/extension/aigatewayencodingextension"
