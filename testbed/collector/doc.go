// Package collector starts the built otelcol-aoai binary the way an operator
// runs it, for the end-to-end and load tests: with a configuration file in a
// folder of its own, until its health check answers, its output kept in that
// folder's collector.log, stopped with SIGINT (or killed), and its CPU time and
// memory read from /proc. It is a test rig and never ships in the collector.
package collector // import "github.com/otelcol-aoai/otelcol-aoai/testbed/collector"
