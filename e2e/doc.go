// Package e2e tests the built otelcol-aoai binary end to end: `make e2e` builds
// it with ocb and passes its path in OTELCOL_AOAI_BINARY. The tests carry the
// e2e build tag so that `go test ./...` does not need the binary.
package e2e
