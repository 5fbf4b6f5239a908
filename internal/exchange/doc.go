// Package exchange reads exchange records (the gateway's account of one HTTP
// exchange with a model endpoint; the ai_gateway receiver's README describes
// the format) and turns each valid record into one CLIENT span.
//
// It is the one implementation behind every door that takes records: the
// ai_gateway receiver's HTTP endpoint and the ai_gateway_encoding extension
// (Kafka / Event Hubs messages). Transport concerns (status codes, body
// limits, content types, framing detection) stay with the door; this package
// owns decoding, validation, credential handling and translation, so that a
// record means the same span whichever way it arrived.
//
// The decoder is a hand-written single-pass JSON reader: records are read
// straight into a reusable struct and strings without escapes are substrings
// of the body, so a record costs a handful of allocations beyond what pdata
// itself needs.
package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
