package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/internal/replay"
)

// hostileStream is one kind of bad input, sent by the replay engine beside
// the valid traffic.
type hostileStream struct {
	name    string
	records [][]byte
	rate    float64
	// concurrency is the requests in flight (default 2).
	concurrency int
	headers     map[string]string
	// expect are the answers this input may get; anything else fails.
	expect []int

	// answers and summary are what the run of this stream got.
	answers *answerLog
	summary replay.Summary
}

// Hostile: bad JSON, 19 MB bodies, bodies over the limit, gzip bombs and
// 10 000 headers at rate, beside valid traffic. The collector stays up, its
// memory stays under the limit, the valid records keep flowing and are all
// exported.
func Hostile(ctx context.Context, o FaultOptions) *FaultResult {
	res := &FaultResult{Name: "hostile", Property: "bad JSON, 19 MB bodies, gzip bombs and 10 000 headers at rate: the collector stays up, memory stays under the limit, valid traffic alongside keeps flowing and is exported"}
	return res.done(hostile(ctx, o, res))
}

const (
	hostileMemoryLimit = 512 // MiB
	hostileValidRate   = 100.0
)

func hostile(ctx context.Context, o FaultOptions, res *FaultResult) error {
	d := o.HostileDuration
	r, err := newRig(o.Common, res.Name, ConfigParams{Pipeline: Ours, MemoryLimitMiB: hostileMemoryLimit, SpikeLimitMiB: hostileMemoryLimit / 4}, 8)
	if err != nil {
		return err
	}
	defer r.close()
	if err := r.sink.Start(); err != nil {
		return err
	}
	if err := r.start(ctx); err != nil {
		return err
	}
	streams, err := hostileStreams(r.mix)
	if err != nil {
		return err
	}
	r.logf("%s of valid records at %.0f/s beside %d hostile streams; memory limit %d MiB, GOMEMLIMIT %d MiB",
		d, hostileValidRate, len(streams), hostileMemoryLimit, hostileMemoryLimit*8/10)

	watch := watchCollector(r)
	defer watch.stop()
	wait := sendHostile(ctx, r, streams, d)
	count := int(hostileValidRate * d.Seconds())
	valid, err := r.replay(ctx, replay.Options{Count: count, Rate: hostileValidRate, Concurrency: 8, MaxRetries: 100, MaxBackoff: 2 * time.Second})
	wait()
	if err != nil {
		return err
	}
	up := r.col.Healthy()
	final, statsErr := r.col.Stats()
	r.waitArrived(ctx, 30*time.Second)
	watch.stop()
	stopErr := r.stop(ctx)
	sent := r.mix.sentBy(count)
	del := compareDelivery(r.ledger.Acked(), r.sink.Arrivals(), func(id string) bool {
		return strings.HasPrefix(id, hostileIDPrefix) || sent(id)
	})

	failures := streamFailures(res, streams)
	validStatuses, _, _, _ := r.answers.snapshot()
	res.figure("valid records", "%s; answers %s", valid, fmtCounts(validStatuses))
	res.figure("valid: acknowledged / exported / missing", "%d / %d / %d", del.Acked, del.Arrived, del.Missing)
	res.figure("collector up and healthy at the end", "%s", yesNo(up && !watch.down))
	res.figure("peak RSS (sampled / VmHWM) / memory_limiter limit", "%.0f / %.0f / %d MiB", MiB(watch.peakRSS), MiB(final.PeakRSS), hostileMemoryLimit)

	if !up || watch.down {
		failures = append(failures, errors.New("the collector went down"))
	}
	// Without the process's own high-water mark the memory property is
	// unchecked, which must not read as a pass.
	if statsErr != nil {
		failures = append(failures, fmt.Errorf("reading the collector's peak RSS: %w", statsErr))
	}
	if peak := max(watch.peakRSS, final.PeakRSS); MiB(peak) >= hostileMemoryLimit {
		failures = append(failures, fmt.Errorf("peak RSS %.0f MiB reached the %d MiB limit", MiB(peak), hostileMemoryLimit))
	}
	failures = append(failures, validFailures(valid, count, del)...)
	return errors.Join(append(failures, stopErr)...)
}

// collectorWatch samples the process every 200 ms: is it up, how big is it.
// Its fields are written by the sampler alone until stop.
type collectorWatch struct {
	peakRSS int64
	down    bool
	stop    func()
}

func watchCollector(r *rig) *collectorWatch {
	w := &collectorWatch{}
	w.stop = every(200*time.Millisecond, func() bool {
		if !r.col.Running() {
			w.down = true
			return false
		}
		if st, err := r.col.Stats(); err == nil {
			w.peakRSS = max(w.peakRSS, st.RSS)
		}
		return true
	})
	return w
}

// sendHostile replays every hostile stream for d in the background, each
// with its own client and answer log; wait returns when all are done.
func sendHostile(ctx context.Context, r *rig, streams []hostileStream, d time.Duration) (wait func()) {
	var wg sync.WaitGroup
	for i := range streams {
		s := &streams[i]
		conc := max(s.concurrency, 2)
		client := httpClient(conc, 60*time.Second)
		s.answers = newAnswerLog(client.Transport)
		client.Transport = s.answers
		wg.Go(func() {
			s.summary, _ = replay.Run(ctx, replay.Options{
				URL: r.url(), Records: s.records, Count: int(s.rate*d.Seconds()) + 1, Duration: d + 30*time.Second,
				Rate: s.rate, Concurrency: conc, MaxRetries: 0, Headers: s.headers, Client: client,
			})
		})
	}
	return wg.Wait
}

// streamFailures reports each hostile stream's answers and fails an answer
// the stream does not expect, or a connection error.
func streamFailures(res *FaultResult, streams []hostileStream) []error {
	var failures []error
	for _, s := range streams {
		statuses, _, _, connErrors := s.answers.snapshot()
		res.figure(s.name, "%d sent at %.0f/s: %s; connection errors %d", s.summary.Requests, s.rate, fmtCounts(statuses), connErrors)
		for code := range statuses {
			if !slices.Contains(s.expect, code) {
				failures = append(failures, fmt.Errorf("%s: answered %d (%d times), expected %v", s.name, code, statuses[code], s.expect))
			}
		}
		if connErrors > 0 {
			failures = append(failures, fmt.Errorf("%s: %d connection errors", s.name, connErrors))
		}
	}
	return failures
}

// validFailures: every valid record accepted at its rate and exported once.
func validFailures(valid replay.Summary, count int, del delivery) []error {
	var failures []error
	if valid.Failed > 0 || valid.Rejected > 0 || valid.Accepted != int64(count) {
		failures = append(failures, fmt.Errorf("valid records: %d of %d accepted, %d failed, %d rejected: %s", valid.Accepted, count, valid.Failed, valid.Rejected, valid.LastError))
	}
	if rate := valid.RecordsPerSecond(); rate < 0.9*hostileValidRate {
		failures = append(failures, fmt.Errorf("valid records flowed at %.0f/s of %.0f/s", rate, hostileValidRate))
	}
	if del.Missing > 0 || del.Unknown > 0 || del.Duplicated > 0 {
		failures = append(failures, fmt.Errorf("valid records: %d never exported, %d twice, %d unknown", del.Missing, del.Duplicated, del.Unknown))
	}
	return failures
}

// hostileIDPrefix starts the record ids of hostile records.
const hostileIDPrefix = "hostile-"

// hostileRecord makes records from the mix's first one, each with an id of
// its own (apart from the valid traffic's) and the body or headers asked for.
type hostileRecord map[string]any

func newHostileRecord(mix *Mix) (hostileRecord, error) {
	var rec map[string]any
	if err := json.Unmarshal(mix.Record(0, time.Now()), &rec); err != nil {
		return nil, err
	}
	return rec, nil
}

func (rec hostileRecord) withResponseBody(id, body string) ([]byte, error) {
	rec["id"] = hostileIDPrefix + id
	rec["response"].(map[string]any)["body"] = body
	return json.Marshal(rec)
}

// hostileStreams builds the bad inputs.
func hostileStreams(mix *Mix) ([]hostileStream, error) {
	rec, err := newHostileRecord(mix)
	if err != nil {
		return nil, err
	}
	jsonBody, streamBody, over, err := bigRecords(rec)
	if err != nil {
		return nil, err
	}
	small, manyHeaders, httpHeaders, err := headerRecords(rec)
	if err != nil {
		return nil, err
	}
	bomb, err := gzipBomb(256 << 20)
	if err != nil {
		return nil, err
	}
	const refused = http.StatusTooManyRequests
	return []hostileStream{
		{name: "bad JSON, truncated, wrong types, 100 000-deep nesting, invalid UTF-8", records: badJSONRecords(), rate: 50, expect: []int{400, refused}},
		{name: "19 MB bodies (JSON content and an SSE stream without usage)", records: [][]byte{jsonBody, streamBody}, rate: 4, concurrency: 4, expect: []int{200, refused, 503}},
		{name: "21 MB body, over max_request_body_size", records: [][]byte{over}, rate: 1, expect: []int{413}},
		{name: "gzip bomb: 256 KiB that inflate to 256 MiB", records: [][]byte{bomb}, rate: 2, headers: map[string]string{"Content-Encoding": "gzip"}, expect: []int{413}},
		{name: "10 000 response headers in a record", records: [][]byte{manyHeaders}, rate: 5, expect: []int{400, refused}},
		{name: "10 000 HTTP request headers on a valid record", records: [][]byte{small}, rate: 2, headers: httpHeaders, expect: []int{200, 431, refused, 503}},
	}, nil
}

// bigRecords are a chat completion whose content is 19 MB of text, a 19 MB
// stream without a usage chunk (the processor then estimates tokens), both
// under the 20 MiB limit, and a 21 MB record over it.
func bigRecords(rec hostileRecord) (jsonBody, streamBody, over []byte, err error) {
	const big = 19 << 20
	words := strings.Repeat("Contoso ships to forty countries within five days. ", (22<<20)/51)
	jsonBody, err = rec.withResponseBody("19mb-json", `{"id":"chatcmpl-big","object":"chat.completion","model":"gpt-4o-2024-11-20","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"`+
		words[:big-4096]+`"}}],"usage":{"prompt_tokens":10,"completion_tokens":4000000,"total_tokens":4000010}}`)
	if err != nil {
		return nil, nil, nil, err
	}
	var stream strings.Builder
	chunk := `data: {"choices":[{"delta":{"content":"Contoso ships to forty countries. "},"finish_reason":null,"index":0}],"created":1763630043,"id":"chatcmpl-big","model":"gpt-4o-2024-11-20","object":"chat.completion.chunk"}` + "\n\n"
	for stream.Len() < big*4/5 { // JSON escaping adds about a fifth
		stream.WriteString(chunk)
	}
	stream.WriteString("data: [DONE]\n\n")
	if streamBody, err = rec.withResponseBody("19mb-stream", stream.String()); err != nil {
		return nil, nil, nil, err
	}
	if over, err = rec.withResponseBody("21mb", words[:21<<20]); err != nil {
		return nil, nil, nil, err
	}
	if len(jsonBody) >= 20<<20 || len(streamBody) >= 20<<20 {
		return nil, nil, nil, fmt.Errorf("19 MB records are %d and %d bytes, over the 20 MiB limit", len(jsonBody), len(streamBody))
	}
	return jsonBody, streamBody, over, nil
}

// headerRecords are a small valid record (sent with 10 000 HTTP request
// headers), a record with 10 000 response headers (the record format allows
// 256), and those 10 000 HTTP headers.
func headerRecords(rec hostileRecord) (small, manyHeaders []byte, httpHeaders map[string]string, err error) {
	if small, err = rec.withResponseBody("http-headers", "{}"); err != nil {
		return nil, nil, nil, err
	}
	headers := map[string]any{}
	httpHeaders = map[string]string{}
	for i := range 10000 {
		headers[fmt.Sprintf("x-hostile-%05d", i)] = "v"
		httpHeaders[fmt.Sprintf("X-Hostile-%05d", i)] = "v"
	}
	rec["response"].(map[string]any)["headers"] = headers
	if manyHeaders, err = rec.withResponseBody("record-headers", "{}"); err != nil {
		return nil, nil, nil, err
	}
	return small, manyHeaders, httpHeaders, nil
}

// badJSONRecords: truncated, not JSON, wrong types, 100 000-deep nesting,
// broken escapes, invalid UTF-8, a huge array.
func badJSONRecords() [][]byte {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	return [][]byte{
		[]byte(`{`), []byte(`not json at all`), []byte(`{"version":1,"start_time":"2026-11-20T09:14:03Z","request":`),
		[]byte(`{"version":1,"id":"x","start_time":"yesterday","duration_ms":"5","request":{"method":"POST","url":"/relative"},"response":{"status":99}}`),
		[]byte(deep), []byte(`{"a":"` + strings.Repeat("\\u00", 50000) + `"}`), []byte("{\"a\":\"\xff\xfe\"}"),
		[]byte(`[` + strings.Repeat(`{},`, 100000) + `{}]`),
	}
}

// gzipBomb is a gzip stream that inflates to n zero bytes.
func gzipBomb(n int) ([]byte, error) {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	zeros := make([]byte, 1<<20)
	for range n >> 20 {
		if _, err := w.Write(zeros); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
