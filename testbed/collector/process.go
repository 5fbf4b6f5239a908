package collector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// healthTimeout is how long a collector may take to become healthy: the
// binary starts in a second or two, but on a loaded machine (two cores
// shared by several builds) much more.
const healthTimeout = 60 * time.Second

// Spec says how to start a collector.
type Spec struct {
	// Binary is the built distribution.
	Binary string
	// Dir is the working folder: config.yaml and collector.log go there, and
	// relative paths of the configuration (file exporter, file_storage)
	// resolve in it.
	Dir string
	// Config is the YAML configuration.
	Config string
	// Env is added to the caller's environment (GOMEMLIMIT=...).
	Env []string
	// HealthPort is the health_check extension's port, polled until it
	// answers 200.
	HealthPort int
}

// Process is one running collector.
type Process struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error // exit status, once done is closed
	// health is the health_check extension's URL.
	health string
}

// Start writes the configuration into spec.Dir, starts the binary there and
// waits until it is healthy. A collector that exits or stays unhealthy is an
// error naming its log.
func Start(ctx context.Context, spec Spec) (*Process, error) {
	p, err := launch(spec)
	if err != nil {
		return nil, err
	}
	if err := p.waitHealthy(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// launch writes the configuration and starts the process, its output
// appended to collector.log: a restarted collector's output follows the
// killed one's.
func launch(spec Spec) (*Process, error) {
	// The process runs in Dir: paths handed to it must not be relative.
	dir, err := filepath.Abs(spec.Dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	config := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(config, []byte(spec.Config), 0o600); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "collector.log")
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	p := &Process{logPath: logPath, done: make(chan struct{}), health: fmt.Sprintf("http://127.0.0.1:%d/", spec.HealthPort)}
	p.cmd = exec.Command(spec.Binary, "--config", config)
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), spec.Env...)
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", spec.Binary, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		log.Close()
		close(p.done)
	}()
	return p, nil
}

// waitHealthy polls the health check until it answers 200; it kills the
// process when ctx ends or the time is up.
func (p *Process) waitHealthy(ctx context.Context) error {
	deadline := time.Now().Add(healthTimeout)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("collector exited before it was healthy (%v); see %s", p.err, p.logPath)
		case <-ctx.Done():
			p.Kill()
			return ctx.Err()
		default:
		}
		if healthy(p.health) {
			return nil
		}
		if time.Now().After(deadline) {
			p.Kill()
			return fmt.Errorf("collector not healthy after %s; see %s", healthTimeout, p.logPath)
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
func (p *Process) Healthy() bool { return p.Running() && healthy(p.health) }

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Stats reads the process's CPU time and memory from /proc.
func (p *Process) Stats() (ProcStats, error) { return ReadProcStats(p.PID()) }

// LogPath is the file the process writes its output to.
func (p *Process) LogPath() string { return p.logPath }

// Output is what the process has printed so far (every run in its folder).
func (p *Process) Output() string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(collector log %s unreadable: %v)", p.logPath, err)
	}
	return string(data)
}

// Running reports whether the process has not exited.
func (p *Process) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Stop sends SIGINT (what Ctrl-C and a container stop send) and waits for the
// process to exit; it kills it after timeout. The error is the exit status.
func (p *Process) Stop(timeout time.Duration) error {
	if !p.Running() {
		return p.err
	}
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		p.Kill()
		return fmt.Errorf("collector did not stop within %s of SIGINT", timeout)
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Process) Kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}
