//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestComponentsListed(t *testing.T) {
	out := runBinary(t, "components")
	for _, name := range []string{
		"ai_gateway", "azure_openai", "ai_gateway_encoding", "azure_entra_auth", // ours
		"kafka",
		"otlp", "batch", "memory_limiter", "transform", "filter", "redaction", "attributes", "delta_to_cumulative",
		"debug", "otlp_http", "file", "azure_monitor", "prometheus_remote_write",
		"signal_to_metrics", "span_metrics", "health_check", "file_storage", "pprof",
	} {
		assert.Contains(t, out, "name: "+name+"\n", "components output lists %s", name)
	}
}

// TestLocalExampleRunsAndStops runs examples/local/config.yaml (on free ports):
// the receiver answers, the health check is healthy, SIGINT stops it cleanly.
func TestLocalExampleRunsAndStops(t *testing.T) {
	example, err := os.ReadFile(filepath.Join("..", "examples", "local", "config.yaml"))
	require.NoError(t, err)
	receiverPort, healthPort := freePort(t), freePort(t)
	config := strings.NewReplacer(
		"localhost:4320", fmt.Sprintf("localhost:%d", receiverPort),
		"localhost:13133", fmt.Sprintf("localhost:%d", healthPort),
	).Replace(string(example))
	require.NotEqual(t, string(example), config, "example config must name the default ports")

	c := startCollector(t, config, healthPort)

	resp, err := http.Get(fmt.Sprintf("http://localhost:%d/v1/exchanges", receiverPort))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "GET on the exchange path")
	assert.Equal(t, "POST", resp.Header.Get("Allow"))

	c.Stop(t)
	assert.Contains(t, c.Output(), "Starting ai_gateway receiver")
}
