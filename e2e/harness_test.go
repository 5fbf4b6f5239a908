//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects the collector's output while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// collector is one running otelcol-aoai process.
type collector struct {
	cmd    *exec.Cmd
	output *syncBuffer
	done   chan error
	Dir    string
}

// startCollector writes config into a fresh folder, starts the binary there and
// waits until the health check at healthPort answers 200.
func startCollector(t *testing.T, config string, healthPort int) *collector {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(config), 0o600))

	c := &collector{output: &syncBuffer{}, done: make(chan error, 1), Dir: dir}
	c.cmd = exec.Command(binary(t), "--config", path)
	c.cmd.Dir = dir
	c.cmd.Stdout = c.output
	c.cmd.Stderr = c.output
	require.NoError(t, c.cmd.Start())
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			_ = c.cmd.Process.Kill()
			<-c.done
		}
		if t.Failed() {
			t.Logf("collector output:\n%s", c.output.String())
		}
	})

	healthURL := fmt.Sprintf("http://127.0.0.1:%d/", healthPort)
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-c.done:
			t.Fatalf("collector exited before it was healthy: %v\n%s", err, c.output.String())
		default:
		}
		resp, err := http.Get(healthURL)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector not healthy after 60s\n%s", c.output.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop sends SIGINT (what Ctrl-C sends) and waits for a clean exit.
func (c *collector) Stop(t *testing.T) {
	t.Helper()
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGINT))
	select {
	case err := <-c.done:
		require.NoError(t, err, "collector exit status\n%s", c.output.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("collector did not stop within 30s of SIGINT\n%s", c.output.String())
	}
}

// Output is what the collector printed so far.
func (c *collector) Output() string { return c.output.String() }

// runBinary runs the binary with args and returns its combined output.
func runBinary(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary(t), args...).CombinedOutput()
	require.NoError(t, err, "%s: %s", strings.Join(args, " "), out)
	return string(out)
}
