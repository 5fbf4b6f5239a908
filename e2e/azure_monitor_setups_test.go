//go:build e2e

package e2e

import (
	"fmt"
	"maps"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeappinsights"
)

// azureMonitorSetup is one way to run the azure_monitor exporter: Start runs
// its collector(s) against the fake ingestion endpoint and returns the
// ai_gateway receiver's URL the records go to.
type azureMonitorSetup struct {
	Name  string
	Start func(t *testing.T, ingestion *fakeappinsights.Server) string
}

// The candidates the outage test measures. All but "shipped" are
// examples/azure-monitor/config.yaml with its exporter (and queue) replaced.
var (
	// The example's file as it is in the repository.
	shippedSetup = azureMonitorSetup{Name: "shipped example", Start: func(t *testing.T, ingestion *fakeappinsights.Server) string {
		return startAzureMonitorExample(t, ingestion, exampleConfig(t, "azure-monitor"))
	}}
	// azure_monitor with nothing but the connection string.
	defaultsSetup = azureMonitorSetup{Name: "azure_monitor defaults", Start: func(t *testing.T, ingestion *fakeappinsights.Server) string {
		cfg := exampleConfig(t, "azure-monitor")
		setExporters(cfg, map[string]any{"azure_monitor": defaultAzureMonitor()})
		return startAzureMonitorExample(t, ingestion, cfg)
	}}
	// The exporter's sending_queue on file_storage, no batch processor: what
	// examples/eventhubs had.
	fileQueueSetup = azureMonitorSetup{Name: "sending_queue on file_storage", Start: func(t *testing.T, ingestion *fakeappinsights.Server) string {
		cfg := exampleConfig(t, "azure-monitor")
		exporter := defaultAzureMonitor()
		exporter["sending_queue"] = persistentQueue()
		setExporters(cfg, map[string]any{"azure_monitor": exporter})
		addQueueStorage(cfg)
		traces := section(t, cfg, "service", "pipelines", "traces").(map[string]any)
		traces["processors"] = []any{"memory_limiter", "azure_openai", "transform/appinsights"}
		return startAzureMonitorExample(t, ingestion, cfg)
	}}
	// A durable hop: the example's collector sends OTLP/HTTP with a
	// persistent queue and unlimited retries to a second collector that runs
	// azure_monitor.
	hopSetup = azureMonitorSetup{Name: "otlphttp + file queue → 2nd collector", Start: func(t *testing.T, ingestion *fakeappinsights.Server) string {
		hopPort, hopHealth := freePort(t), freePort(t)
		startCollectorWithEnv(t, hopConfig(hopPort, hopHealth), hopHealth, "APPLICATIONINSIGHTS_CONNECTION_STRING="+ingestion.ConnectionString())
		cfg := exampleConfig(t, "azure-monitor")
		setExporters(cfg, map[string]any{"otlphttp/hop": map[string]any{
			"endpoint":         fmt.Sprintf("http://127.0.0.1:%d", hopPort),
			"sending_queue":    persistentQueue(),
			"retry_on_failure": map[string]any{"enabled": true, "max_elapsed_time": 0},
		}})
		addQueueStorage(cfg)
		return startAzureMonitorExample(t, ingestion, cfg)
	}}
)

func defaultAzureMonitor() map[string]any {
	return map[string]any{"connection_string": "${env:APPLICATIONINSIGHTS_CONNECTION_STRING}"}
}

func persistentQueue() map[string]any {
	return map[string]any{"enabled": true, "storage": "file_storage/queue", "sizer": "items", "queue_size": 100000}
}

// setExporters replaces the configuration's exporters and points both
// pipelines at them.
func setExporters(cfg map[string]any, exporters map[string]any) {
	cfg["exporters"] = exporters
	names := make([]any, 0, len(exporters))
	for name := range maps.Keys(exporters) {
		names = append(names, name)
	}
	pipelines := cfg["service"].(map[string]any)["pipelines"].(map[string]any)
	pipelines["traces"].(map[string]any)["exporters"] = append(append([]any{}, names...), "signal_to_metrics")
	pipelines["metrics"].(map[string]any)["exporters"] = names
}

// addQueueStorage adds file_storage/queue in the collector's folder.
func addQueueStorage(cfg map[string]any) {
	cfg["extensions"].(map[string]any)["file_storage/queue"] = map[string]any{"directory": "./queue", "create_directory": true}
	service := cfg["service"].(map[string]any)
	service["extensions"] = append(service["extensions"].([]any), "file_storage/queue")
}

// hopConfig is the second collector of the hop: OTLP/HTTP in, azure_monitor
// with its defaults out.
func hopConfig(port, healthPort int) string {
	return fmt.Sprintf(`extensions:
  health_check:
    endpoint: localhost:%d
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
exporters:
  azure_monitor:
    connection_string: ${env:APPLICATIONINSIGHTS_CONNECTION_STRING}
service:
  extensions: [health_check]
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [azure_monitor]
    metrics:
      receivers: [otlp]
      exporters: [azure_monitor]
`, healthPort, port)
}

// quietTelemetry turns the collector's own metrics off: their default port
// (8888) would clash between the collectors the test runs at once.
func quietTelemetry(cfg map[string]any) {
	cfg["service"].(map[string]any)["telemetry"] = map[string]any{"metrics": map[string]any{"level": "none"}}
}

// startAzureMonitorExample runs cfg (a form of the Azure Monitor example)
// with its addresses from the environment variables the example reads, and
// returns the receiver's exchange URL.
func startAzureMonitorExample(t *testing.T, ingestion *fakeappinsights.Server, cfg map[string]any) string {
	t.Helper()
	quietTelemetry(cfg)
	raw, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	receiverPort, healthPort := freePort(t), freePort(t)
	startCollectorWithEnv(t, string(raw), healthPort,
		"APPLICATIONINSIGHTS_CONNECTION_STRING="+ingestion.ConnectionString(),
		fmt.Sprintf("AI_GATEWAY_ENDPOINT=localhost:%d", receiverPort),
		fmt.Sprintf("HEALTH_CHECK_ENDPOINT=localhost:%d", healthPort),
		"LOG_ANALYTICS_WORKSPACE_ID=")
	return fmt.Sprintf("http://localhost:%d/v1/exchanges", receiverPort)
}
