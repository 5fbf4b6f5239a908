//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
)

// prometheusBinary is where Debian's prometheus package installs the server.
const prometheusBinary = "/usr/bin/prometheus"

// prometheusServer is a real Prometheus on a loopback port that takes remote
// write, with its storage in the test's temporary folder.
type prometheusServer struct {
	base string // http://127.0.0.1:port
}

// startPrometheus runs /usr/bin/prometheus for the test, or skips the test,
// loudly, when it is not installed.
func startPrometheus(t *testing.T) *prometheusServer {
	t.Helper()
	if _, err := os.Stat(prometheusBinary); err != nil {
		msg := fmt.Sprintf("SKIPPED: %s is missing, so the Grafana dashboard was NOT checked against a real Prometheus; "+
			"install it with `apt-get install -y --no-install-recommends prometheus` (Debian package prometheus)", prometheusBinary)
		fmt.Fprintln(os.Stderr, msg) // in the CI log even without -v
		t.Skip(msg)
	}
	dir := t.TempDir()
	configFile := filepath.Join(dir, "prometheus.yml")
	// No scrape job: every sample comes by remote write.
	require.NoError(t, os.WriteFile(configFile, []byte("global:\n  evaluation_interval: 1m\n"), 0o600))
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, prometheusBinary,
		"--config.file="+configFile,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
		"--web.enable-remote-write-receiver",
		"--log.level=warn",
	)
	logFile, err := os.Create(filepath.Join(dir, "prometheus.log"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, cmd.Start(), "start %s", prometheusBinary)
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		logFile.Close()
		if t.Failed() {
			log, _ := os.ReadFile(logFile.Name())
			t.Logf("prometheus output:\n%s", log)
		}
	})
	p := &prometheusServer{base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	require.Eventually(t, func() bool {
		resp, err := http.Get(p.base + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 200*time.Millisecond, "prometheus ready on %s", p.base)
	return p
}

// RemoteWriteURL is the receiver --web.enable-remote-write-receiver opens.
func (p *prometheusServer) RemoteWriteURL() string { return p.base + "/api/v1/write" }

// promSample is one element of an instant vector.
type promSample struct {
	Labels map[string]string
	Value  float64
}

// Query evaluates an instant query at a time.
func (p *prometheusServer) Query(t *testing.T, expr string, at time.Time) []promSample {
	t.Helper()
	q := url.Values{"query": {expr}, "time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)}}
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	p.get(t, "/api/v1/query?"+q.Encode(), &body)
	require.Equal(t, "success", body.Status, "query %s: %s", expr, body.Error)
	require.Equal(t, "vector", body.Data.ResultType, "query %s", expr)
	out := make([]promSample, 0, len(body.Data.Result))
	for _, r := range body.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err, "query %s: value %v", expr, r.Value)
		out = append(out, promSample{Labels: r.Metric, Value: v})
	}
	return out
}

// LabelValues is what Grafana's label_values(metric, label) lists.
func (p *prometheusServer) LabelValues(t *testing.T, metric, label string, start, end time.Time) []string {
	t.Helper()
	q := url.Values{"match[]": {metric}, "start": {strconv.FormatInt(start.Unix(), 10)}, "end": {strconv.FormatInt(end.Unix()+1, 10)}}
	var body struct {
		Status string   `json:"status"`
		Data   []string `json:"data"`
	}
	p.get(t, "/api/v1/label/"+url.PathEscape(label)+"/values?"+q.Encode(), &body)
	require.Equal(t, "success", body.Status, "label values of %s on %s", label, metric)
	return body.Data
}

func (p *prometheusServer) get(t *testing.T, path string, into any) {
	t.Helper()
	resp, err := http.Get(p.base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(into), "GET %s (status %s)", path, resp.Status)
}

// Write sends samples by remote write (v1), as the collector's exporter does.
func (p *prometheusServer) Write(t *testing.T, samples []remoteWriteSample) {
	t.Helper()
	series := map[string][]remoteWriteSample{}
	var order []string
	for _, s := range samples {
		key := seriesKey(s.Labels)
		if series[key] == nil {
			order = append(order, key)
		}
		series[key] = append(series[key], s)
	}
	var req []byte
	for _, key := range order {
		var ts []byte
		labels := series[key][0].Labels
		for _, name := range sortedKeys(labels) {
			var l []byte
			l = protowire.AppendTag(l, 1, protowire.BytesType)
			l = protowire.AppendString(l, name)
			l = protowire.AppendTag(l, 2, protowire.BytesType)
			l = protowire.AppendString(l, labels[name])
			ts = protowire.AppendTag(ts, 1, protowire.BytesType)
			ts = protowire.AppendBytes(ts, l)
		}
		for _, s := range series[key] {
			var b []byte
			b = protowire.AppendTag(b, 1, protowire.Fixed64Type)
			b = protowire.AppendFixed64(b, math.Float64bits(s.Value))
			b = protowire.AppendTag(b, 2, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(s.Timestamp))
			ts = protowire.AppendTag(ts, 2, protowire.BytesType)
			ts = protowire.AppendBytes(ts, b)
		}
		req = protowire.AppendTag(req, 1, protowire.BytesType)
		req = protowire.AppendBytes(req, ts)
	}
	httpReq, err := http.NewRequest(http.MethodPost, p.RemoteWriteURL(), bytes.NewReader(snappy.Encode(nil, req)))
	require.NoError(t, err)
	httpReq.Header.Set("Content-Encoding", "snappy")
	httpReq.Header.Set("Content-Type", "application/x-protobuf")
	httpReq.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	resp, err := http.DefaultClient.Do(httpReq)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.Less(t, resp.StatusCode, 300, "remote write: %s %s", resp.Status, body)
}
