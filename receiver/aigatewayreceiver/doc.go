// Package aigatewayreceiver receives exchange records from an AI gateway
// (Azure API Management, or a home-grown proxy in front of Azure OpenAI) and
// turns each record into one CLIENT span. Credentials never pass it.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package aigatewayreceiver // import "github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver"
