// Package azureentraauthextension is the azure_entra_auth extension: an HTTP
// client authenticator that signs a component's requests with an Entra ID
// bearer token, so that the azure_monitor exporter can send to an
// Application Insights resource whose local (instrumentation key)
// authentication is disabled.
//
// Files, one job each: config.go (scope and credential settings),
// factory.go, extension.go (the extension and its RoundTripper),
// token.go (the token kept until it is near expiry).
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package azureentraauthextension // import "github.com/otelcol-aoai/otelcol-aoai/extension/azureentraauthextension"
