package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/internal/replay"
)

// httpClient is a client that keeps a connection per request in flight, as a
// gateway's pool does (the default transport keeps only 2 per host and would
// open a new connection for most requests under load).
func httpClient(concurrency int, timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = concurrency + 4
	tr.MaxIdleConnsPerHost = concurrency + 4
	tr.DisableCompression = true
	return &http.Client{Transport: tr, Timeout: timeout}
}

// answerLog is an http.RoundTripper that counts answers by status and notes
// whether refusals (429/503) carried Retry-After.
type answerLog struct {
	next http.RoundTripper

	mu                sync.Mutex
	statuses          map[int]int64
	refusals          int64
	refusalsWithRetry int64
	errors            int64
}

func newAnswerLog(next http.RoundTripper) *answerLog {
	return &answerLog{next: next, statuses: map[int]int64{}}
}

func (l *answerLog) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.errors++
		return resp, err
	}
	l.statuses[resp.StatusCode]++
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		l.refusals++
		if resp.Header.Get("Retry-After") != "" {
			l.refusalsWithRetry++
		}
	}
	return resp, err
}

func (l *answerLog) snapshot() (statuses map[int]int64, refusals, withRetry, errors int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	statuses = make(map[int]int64, len(l.statuses))
	for k, v := range l.statuses {
		statuses[k] = v
	}
	return statuses, l.refusals, l.refusalsWithRetry, l.errors
}

// Ledger notes which records the collector acknowledged, and when.
type Ledger struct {
	mu    sync.Mutex
	acked map[string]time.Time
}

// NewLedger makes an empty ledger.
func NewLedger() *Ledger { return &Ledger{acked: map[string]time.Time{}} }

// OnOutcome is the replay callback: a batch answered 200 with every record
// accepted is acknowledged.
func (l *Ledger) OnOutcome(o replay.Outcome) {
	if o.Status != http.StatusOK || o.Accepted != int64(len(o.Records)) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range o.Records {
		id := recordIDOf(r)
		if _, seen := l.acked[id]; !seen {
			l.acked[id] = o.At
		}
	}
}

// Acked returns the acknowledged record ids and when each was acknowledged.
func (l *Ledger) Acked() map[string]time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.acked)
}

// recordIDOf finds a generated record's id: its first "id" member. The id
// is copied out: a substring would keep the whole record (30 KB for a
// stream) alive in the ledger for the rest of the run.
func recordIDOf(record []byte) string {
	_, rest, ok := bytes.Cut(record, []byte(`"id":"`))
	if !ok {
		return ""
	}
	id, _, _ := bytes.Cut(rest, []byte(`"`))
	return string(id)
}

// scrapeMetrics reads the collector's Prometheus endpoint in one request:
// each metric's value summed over its series. A metric not there reads 0.
func scrapeMetrics(port int) map[string]float64 {
	values := map[string]float64{}
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		return values
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return values
	}
	for line := range strings.Lines(string(raw)) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		metric, val, found := strings.Cut(strings.TrimSpace(line), " ")
		if !found {
			continue
		}
		base, _, _ := strings.Cut(metric, "{")
		var v float64
		if _, err := fmt.Sscan(strings.Fields(val)[0], &v); err == nil {
			values[base] += v
		}
	}
	return values
}

// savePprof saves what the pprof extension serves at /debug/pprof/<what>
// (a CPU profile, the heap) to path; it returns path, or "" when nothing was
// saved: a profile is an aid to the report, not a figure it checks.
func savePprof(port int, what, path string, timeout time.Duration) string {
	client := http.Client{Timeout: timeout}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/%s", port, what))
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || os.WriteFile(path, raw, 0o644) != nil {
		return ""
	}
	return path
}

// driverCPU is this process's own CPU time, to show what the load cost.
func driverCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// logf writes a progress line.
func logf(w io.Writer, format string, args ...any) {
	if w == nil {
		w = os.Stderr
	}
	fmt.Fprintf(w, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
