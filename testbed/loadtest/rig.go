package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/internal/replay"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/collector"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

// Common are the settings every scenario shares.
type Common struct {
	Binary   string
	OutDir   string
	Examples string
	Log      io.Writer
}

// rig is one scenario's collector, sink and ports.
type rig struct {
	c       Common
	name    string
	dir     string
	params  ConfigParams
	env     []string
	sink    *Sink
	col     *collector.Process
	mix     *Mix
	ledger  *Ledger
	answers *answerLog
	client  *http.Client
	// fake is the Log Analytics workspace of a scenario with the join on.
	fake *fakeloganalytics.Server
}

// newRig reserves ports, makes the sink (not started) and the mix.
func newRig(c Common, name string, params ConfigParams, concurrency int) (*rig, error) {
	ports, err := collector.FreePorts(5)
	if err != nil {
		return nil, err
	}
	params.ReceiverPort, params.HealthPort, params.PprofPort, params.MetricsPort, params.SinkPort =
		ports[0], ports[1], ports[2], ports[3], ports[4]
	if params.MemoryLimitMiB == 0 {
		params.MemoryLimitMiB, params.SpikeLimitMiB = 512, 128
	}
	dir, err := filepath.Abs(filepath.Join(c.OutDir, name))
	if err != nil {
		return nil, err
	}
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if params.Persistent {
		params.StorageDir = filepath.Join(dir, "queue")
	}
	mix, err := NewMix(c.Examples)
	if err != nil {
		return nil, err
	}
	client := httpClient(concurrency, 30*time.Second)
	answers := newAnswerLog(client.Transport)
	client.Transport = answers
	return &rig{
		c: c, name: name, dir: dir, params: params, mix: mix, ledger: NewLedger(), answers: answers, client: client,
		sink: NewSink(fmt.Sprintf("127.0.0.1:%d", params.SinkPort), true, false),
		// The Go runtime's soft limit at 80 % of the memory limiter's, as the
		// collector's documentation advises.
		env: []string{fmt.Sprintf("GOMEMLIMIT=%dMiB", params.MemoryLimitMiB*8/10)},
	}, nil
}

func (r *rig) start(ctx context.Context) error {
	cfg, err := Config(r.params)
	if err != nil {
		return err
	}
	r.col, err = collector.Start(ctx, collector.Spec{
		Binary: r.c.Binary, Dir: r.dir, Config: cfg, Env: r.env, HealthPort: r.params.HealthPort,
	})
	return err
}

func (r *rig) url() string {
	return fmt.Sprintf("http://127.0.0.1:%d/v1/exchanges", r.params.ReceiverPort)
}

// replay sends o to the rig's receiver through its counting client, with
// acknowledgements going to its ledger; without Record or Records it sends
// the mix, each record started when it is sent.
func (r *rig) replay(ctx context.Context, o replay.Options) (replay.Summary, error) {
	o.URL, o.Client, o.OnOutcome = r.url(), r.client, r.ledger.OnOutcome
	if o.Record == nil && o.Records == nil {
		o.Record = func(n int) []byte { return r.mix.Record(n, time.Now()) }
	}
	return replay.Run(ctx, o)
}

// replayInBackground is replay while the scenario breaks things; the summary
// comes when the run ends.
func (r *rig) replayInBackground(ctx context.Context, o replay.Options) <-chan replay.Summary {
	done := make(chan replay.Summary, 1)
	go func() {
		s, _ := r.replay(ctx, o)
		done <- s
	}()
	return done
}

// stop stops the collector with SIGINT and waits for the sink to go quiet.
// The error is one of the scenario's failures; nil when the collector stopped
// cleanly, which errors.Join drops.
func (r *rig) stop(ctx context.Context) error {
	err := r.col.Stop(time.Minute)
	r.sink.WaitQuiet(ctx, time.Second, 10*time.Second)
	if err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	return nil
}

// close stops what is still running.
func (r *rig) close() {
	if r.col != nil && r.col.Running() {
		r.col.Kill()
	}
	r.sink.Stop()
	if r.fake != nil {
		r.fake.Close()
	}
}

func (r *rig) logf(format string, args ...any) {
	logf(r.c.Log, "%s: "+format, append([]any{r.name}, args...)...)
}

// delivery compares the acknowledged records with what reached the sink.
type delivery struct {
	Acked      int `json:"acked"`
	Arrived    int `json:"arrived"`
	Missing    int `json:"missing"`
	Duplicated int `json:"duplicated"` // acked records that arrived more than once
	// IDsDiffer counts records whose copies had different span ids: a
	// duplicate no backend can recognise.
	IDsDiffer int `json:"ids_differ"`
	// Unknown counts spans of records that were never sent.
	Unknown    int      `json:"unknown"`
	MissingIDs []string `json:"missing_ids,omitempty"`
}

func compareDelivery(acked map[string]time.Time, arrivals map[string]Arrival, sentIDs func(string) bool) delivery {
	d := delivery{Acked: len(acked)}
	for id := range acked {
		a, ok := arrivals[id]
		if !ok {
			d.Missing++
			if len(d.MissingIDs) < 10 {
				d.MissingIDs = append(d.MissingIDs, id)
			}
			continue
		}
		d.Arrived++
		if a.Count > 1 {
			d.Duplicated++
		}
	}
	for id, a := range arrivals {
		if a.IDsDiffer {
			d.IDsDiffer++
		}
		if _, ok := acked[id]; !ok && !sentIDs(id) {
			d.Unknown++
		}
	}
	sort.Strings(d.MissingIDs)
	return d
}

// waitArrived waits until every acknowledged record reached the sink.
func (r *rig) waitArrived(ctx context.Context, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if countMissing(r.ledger.Acked(), r.sink.Arrivals()) == 0 {
			return true
		}
		time.Sleep(250 * time.Millisecond)
	}
	return false
}

// countMissing counts the acknowledged records that did not reach the sink.
func countMissing(acked map[string]time.Time, arrivals map[string]Arrival) int {
	missing := 0
	for id := range acked {
		if _, ok := arrivals[id]; !ok {
			missing++
		}
	}
	return missing
}

// every calls tick every d until tick returns false or stop is called; stop
// returns once tick no longer runs, so that what tick wrote can be read, and
// may be called again (deferred for the early returns).
func every(d time.Duration, tick func() bool) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
			}
			if !tick() {
				return
			}
		}
	})
	return sync.OnceFunc(func() {
		close(quit)
		wg.Wait()
	})
}

// sentBy reports whether id is the id of a record of this mix below n.
func (m *Mix) sentBy(n int) func(string) bool {
	return func(id string) bool {
		var salt uint32
		var i int
		if _, err := fmt.Sscanf(id, "%08x-0000-4000-8000-%012x", &salt, &i); err != nil {
			return false
		}
		return salt == m.salt && i < n
	}
}

// Workspace is the fake Log Analytics workspace of the join scenarios.
const (
	fakeWorkspace = "5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"
	fakeToken     = "loadtest-token-for-the-fake-workspace"
)

// startJoin starts the fake workspace (closed by close), writes its CA file,
// turns the join on with the given settings and starts the sink: what every
// scenario with the join does before it starts the collector.
func (r *rig) startJoin(poll, maxWait, timeout time.Duration) (*fakeloganalytics.Server, error) {
	r.fake = fakeloganalytics.New(fakeloganalytics.Options{WorkspaceID: fakeWorkspace, Token: fakeToken})
	ca := filepath.Join(r.dir, "workspace-ca.pem")
	if err := r.fake.WriteCACertFile(ca); err != nil {
		return nil, err
	}
	r.params.Join = &JoinParams{
		Workspace: fakeWorkspace, Endpoint: r.fake.URL(), CAFile: ca, Token: fakeToken,
		PollInterval: poll, MaxWait: maxWait, Timeout: timeout,
	}
	return r.fake, r.sink.Start()
}

// statusCounts counts arrivals by azure.openai.diagnostics.status.
func statusCounts(arrivals map[string]Arrival) map[string]int {
	out := map[string]int{}
	for _, a := range arrivals {
		s := a.Status
		if s == "" {
			s = "(none)"
		}
		out[s]++
	}
	return out
}

func fmtCounts[K comparable, V int | int64](m map[K]V) string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%v: %d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
