//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-aoai/otelcol-aoai/testbed/collector"
)

// binary is the collector under test, built by `make build`.
func binary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("OTELCOL_AOAI_BINARY")
	require.NotEmpty(t, bin, "OTELCOL_AOAI_BINARY must name the built collector (make e2e sets it)")
	_, err := os.Stat(bin)
	require.NoError(t, err, "built collector")
	return bin
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	port, err := collector.FreePort()
	require.NoError(t, err)
	return port
}

// runningCollector is one otelcol-aoai process of a test.
type runningCollector struct {
	*collector.Process
	// Dir is the collector's working folder: its configuration, its log and
	// the files its exporters write.
	Dir string
}

// startCollector writes config into a fresh folder, starts the binary there and
// waits until the health check at healthPort answers 200. The process is
// killed when the test ends, and its output logged if the test failed.
func startCollector(t *testing.T, config string, healthPort int) *runningCollector {
	t.Helper()
	return startCollectorWithEnv(t, config, healthPort)
}

// startCollectorWithEnv is startCollector with environment variables added
// to the test's.
func startCollectorWithEnv(t *testing.T, config string, healthPort int, env ...string) *runningCollector {
	t.Helper()
	dir := t.TempDir()
	p, err := collector.Start(context.Background(), collector.Spec{
		Binary: binary(t), Dir: dir, Config: config, HealthPort: healthPort, Env: env,
	})
	if err != nil {
		// The log is in the test's temporary folder, gone after the test.
		log, _ := os.ReadFile(filepath.Join(dir, "collector.log"))
		t.Fatalf("%v\n%s", err, log)
	}
	t.Cleanup(func() {
		if p.Running() {
			p.Kill()
		}
		if t.Failed() {
			t.Logf("collector output:\n%s", p.Output())
		}
	})
	return &runningCollector{Process: p, Dir: dir}
}

// Stop sends SIGINT (what Ctrl-C sends) and waits for a clean exit.
func (c *runningCollector) Stop(t *testing.T) {
	t.Helper()
	require.NoError(t, c.Process.Stop(30*time.Second), "collector exit status\n%s", c.Output())
}

// runBinary runs the binary with args and returns its combined output.
func runBinary(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary(t), args...).CombinedOutput()
	require.NoError(t, err, "%s: %s", strings.Join(args, " "), out)
	return string(out)
}
