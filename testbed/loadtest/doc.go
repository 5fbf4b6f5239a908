// Package loadtest measures the built collector the way an operator runs it:
// the real binary, started with a configuration file, fed on loopback by the
// replay engine (internal/replay), exporting with otlp_http to a counting
// sink. It holds the stepped load test beside the transform-processor
// baseline, the soak against the fake Log Analytics workspace and the fault
// scenarios; testbed/cmd/aoai-loadtest runs them and `make loadtest`, `make soak` and
// `make faults` call it.
//
// Every scenario checks its own property and returns an error when it fails,
// so the command exits non-zero. Figures come from /proc of the collector
// process (CPU time, VmRSS, VmHWM), the replay engine's summary and the sink's
// counts; nothing is assumed. It is a test rig and never ships in the
// collector.
package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"
