// Package fakeappinsights is a fake of Application Insights' ingestion
// endpoint (the /v2.1/track path the azure_monitor exporter posts to): it
// decodes the exporter's gzip'd newline-delimited envelopes, records when each
// span's envelope arrived and how often, and can be switched down the ways an
// ingestion outage reaches a collector: 503 (with or without Retry-After), a
// gateway's 502, or no listener at all. It is a test rig for the Azure Monitor
// fault test and never ships in the collector.
package fakeappinsights // import "github.com/otelcol-aoai/otelcol-aoai/testbed/fakeappinsights"
