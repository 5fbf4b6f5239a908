package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Collector is one running collector process.
type Collector struct {
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error // exit status, once done is closed
	// health is the health_check extension's URL.
	health string
}

// CollectorSpec says how to start a collector.
type CollectorSpec struct {
	// Binary is the built distribution.
	Binary string
	// Dir is the working folder: config.yaml and collector.log go there, and
	// relative paths of the configuration (file_storage) resolve in it.
	Dir string
	// Config is the YAML configuration.
	Config string
	// Env is added to the driver's environment (GOMEMLIMIT=...).
	Env []string
	// HealthPort is the health_check extension's port, polled until it answers 200.
	HealthPort int
}

// StartCollector starts the binary and waits until it is healthy.
func StartCollector(ctx context.Context, spec CollectorSpec) (*Collector, error) {
	// The process runs in Dir: paths handed to it must not be relative.
	dir, err := filepath.Abs(spec.Dir)
	if err != nil {
		return nil, err
	}
	spec.Dir = dir
	if err := os.MkdirAll(spec.Dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(spec.Dir, "config.yaml")
	if err := os.WriteFile(path, []byte(spec.Config), 0o600); err != nil {
		return nil, err
	}
	// Appended: a restarted collector's output follows the killed one's.
	log, err := os.OpenFile(filepath.Join(spec.Dir, "collector.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	c := &Collector{log: log, done: make(chan struct{}), health: fmt.Sprintf("http://127.0.0.1:%d/", spec.HealthPort)}
	c.cmd = exec.Command(spec.Binary, "--config", path)
	c.cmd.Dir = spec.Dir
	c.cmd.Env = append(os.Environ(), spec.Env...)
	c.cmd.Stdout, c.cmd.Stderr = log, log
	if err := c.cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", spec.Binary, err)
	}
	go func() {
		c.err = c.cmd.Wait()
		log.Close()
		close(c.done)
	}()

	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-c.done:
			return nil, fmt.Errorf("collector exited before it was healthy (%v); see %s", c.err, log.Name())
		case <-ctx.Done():
			c.Kill()
			return nil, ctx.Err()
		default:
		}
		if healthy(c.health) {
			return c, nil
		}
		if time.Now().After(deadline) {
			c.Kill()
			return nil, fmt.Errorf("collector not healthy after 60 s; see %s", log.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func healthy(url string) bool {
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Healthy reports whether the process runs and its health check answers 200.
func (c *Collector) Healthy() bool { return c.Running() && healthy(c.health) }

// PID is the process id.
func (c *Collector) PID() int { return c.cmd.Process.Pid }

// Stats reads the process's CPU time and memory from /proc.
func (c *Collector) Stats() (ProcStats, error) { return ReadProcStats(c.PID()) }

// Running reports whether the process has not exited.
func (c *Collector) Running() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// Stop sends SIGINT (what Ctrl-C and a container stop send) and waits for the
// process to exit; it kills it after timeout. The error is the exit status.
func (c *Collector) Stop(timeout time.Duration) error {
	if !c.Running() {
		return c.err
	}
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-c.done:
		return c.err
	case <-time.After(timeout):
		c.Kill()
		return fmt.Errorf("collector did not stop within %s of SIGINT", timeout)
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (c *Collector) Kill() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// FreePorts returns n distinct free ports.
func FreePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}
