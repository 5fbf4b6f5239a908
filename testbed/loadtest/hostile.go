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
}

// Hostile: bad JSON, 19 MB bodies, bodies over the limit, gzip bombs and
// 10 000 headers at rate, beside valid traffic. The collector stays up, its
// memory stays under the limit, the valid records keep flowing and are all
// exported.
func Hostile(ctx context.Context, o FaultOptions) *FaultResult {
	res := &FaultResult{Name: "hostile", Property: "bad JSON, 19 MB bodies, gzip bombs and 10 000 headers at rate: the collector stays up, memory stays under the limit, valid traffic alongside keeps flowing and is exported"}
	err := func() error {
		const memoryLimit = 512
		const validRate = 100.0
		d := o.HostileDuration
		r, err := newRig(o.Common, res.Name, ConfigParams{Pipeline: Ours, MemoryLimitMiB: memoryLimit, SpikeLimitMiB: memoryLimit / 4}, 8)
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
			d, validRate, len(streams), memoryLimit, memoryLimit*8/10)

		// Sample the process every 200 ms: is it up, how big is it.
		var peakRSS int64
		var down bool
		stopSampling := every(200*time.Millisecond, func() bool {
			if !r.col.Running() {
				down = true
				return false
			}
			if st, err := r.col.Stats(); err == nil {
				peakRSS = max(peakRSS, st.RSS)
			}
			return true
		})
		defer stopSampling()

		var wg sync.WaitGroup
		sums := make([]replay.Summary, len(streams))
		hostileLogs := make([]*answerLog, len(streams))
		for i, s := range streams {
			conc := max(s.concurrency, 2)
			client := httpClient(conc, 60*time.Second)
			hostileLogs[i] = newAnswerLog(client.Transport)
			client.Transport = hostileLogs[i]
			wg.Go(func() {
				sums[i], _ = replay.Run(ctx, replay.Options{
					URL: r.url(), Records: s.records, Count: int(s.rate*d.Seconds()) + 1, Duration: d + 30*time.Second,
					Rate: s.rate, Concurrency: conc, MaxRetries: 0, Headers: s.headers, Client: client,
				})
			})
		}
		count := int(validRate * d.Seconds())
		valid, err := r.replay(ctx, replay.Options{Count: count, Rate: validRate, Concurrency: 8, MaxRetries: 100, MaxBackoff: 2 * time.Second})
		wg.Wait()
		if err != nil {
			return err
		}
		up := r.col.Healthy()
		final, statsErr := r.col.Stats()
		r.waitArrived(ctx, 30*time.Second)
		stopSampling()
		stopErr := r.stop(ctx)
		sent := r.mix.sentBy(count)
		del := compareDelivery(r.ledger.Acked(), r.sink.Arrivals(), func(id string) bool {
			return strings.HasPrefix(id, hostileIDPrefix) || sent(id)
		})

		var failures []error
		for i, s := range streams {
			statuses, _, _, connErrors := hostileLogs[i].snapshot()
			res.figure(s.name, "%d sent at %.0f/s: %s; connection errors %d", sums[i].Requests, s.rate, fmtCounts(statuses), connErrors)
			for code := range statuses {
				if !slices.Contains(s.expect, code) {
					failures = append(failures, fmt.Errorf("%s: answered %d (%d times), expected %v", s.name, code, statuses[code], s.expect))
				}
			}
			if connErrors > 0 {
				failures = append(failures, fmt.Errorf("%s: %d connection errors", s.name, connErrors))
			}
		}
		validStatuses, _, _, _ := r.answers.snapshot()
		res.figure("valid records", "%s; answers %s", valid, fmtCounts(validStatuses))
		res.figure("valid: acknowledged / exported / missing", "%d / %d / %d", del.Acked, del.Arrived, del.Missing)
		res.figure("collector up and healthy at the end", "%s", yesNo(up && !down))
		res.figure("peak RSS (sampled / VmHWM) / memory_limiter limit", "%.0f / %.0f / %d MiB", MiB(peakRSS), MiB(final.PeakRSS), memoryLimit)

		if !up || down {
			failures = append(failures, errors.New("the collector went down"))
		}
		// Without the process's own high-water mark the memory property is
		// unchecked, which must not read as a pass.
		if statsErr != nil {
			failures = append(failures, fmt.Errorf("reading the collector's peak RSS: %w", statsErr))
		}
		if peak := max(peakRSS, final.PeakRSS); MiB(peak) >= memoryLimit {
			failures = append(failures, fmt.Errorf("peak RSS %.0f MiB reached the %d MiB limit", MiB(peak), memoryLimit))
		}
		if valid.Failed > 0 || valid.Rejected > 0 || valid.Accepted != int64(count) {
			failures = append(failures, fmt.Errorf("valid records: %d of %d accepted, %d failed, %d rejected: %s", valid.Accepted, count, valid.Failed, valid.Rejected, valid.LastError))
		}
		if rate := valid.RecordsPerSecond(); rate < 0.9*validRate {
			failures = append(failures, fmt.Errorf("valid records flowed at %.0f/s of %.0f/s", rate, validRate))
		}
		if del.Missing > 0 || del.Unknown > 0 || del.Duplicated > 0 {
			failures = append(failures, fmt.Errorf("valid records: %d never exported, %d twice, %d unknown", del.Missing, del.Duplicated, del.Unknown))
		}
		return errors.Join(append(failures, stopErr)...)
	}()
	return res.done(err)
}

// hostileIDPrefix starts the record ids of hostile records.
const hostileIDPrefix = "hostile-"

// hostileStreams builds the bad inputs.
func hostileStreams(mix *Mix) ([]hostileStream, error) {
	// Hostile records that are valid get ids of their own, apart from the
	// valid traffic's.
	var rec map[string]any
	if err := json.Unmarshal(mix.Record(0, time.Now()), &rec); err != nil {
		return nil, err
	}
	withResponseBody := func(id, body string) ([]byte, error) {
		rec["id"] = hostileIDPrefix + id
		rec["response"].(map[string]any)["body"] = body
		return json.Marshal(rec)
	}
	// 19 MB: a chat completion whose content is 19 MB of text, and a 19 MB
	// stream without a usage chunk (the processor then estimates tokens).
	const big = 19 << 20
	words := strings.Repeat("Contoso ships to forty countries within five days. ", (22<<20)/51)
	jsonBody, err := withResponseBody("19mb-json", `{"id":"chatcmpl-big","object":"chat.completion","model":"gpt-4o-2024-11-20","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"`+
		words[:big-4096]+`"}}],"usage":{"prompt_tokens":10,"completion_tokens":4000000,"total_tokens":4000010}}`)
	if err != nil {
		return nil, err
	}
	var stream strings.Builder
	chunk := `data: {"choices":[{"delta":{"content":"Contoso ships to forty countries. "},"finish_reason":null,"index":0}],"created":1763630043,"id":"chatcmpl-big","model":"gpt-4o-2024-11-20","object":"chat.completion.chunk"}` + "\n\n"
	for stream.Len() < big*4/5 { // JSON escaping adds about a fifth
		stream.WriteString(chunk)
	}
	stream.WriteString("data: [DONE]\n\n")
	streamBody, err := withResponseBody("19mb-stream", stream.String())
	if err != nil {
		return nil, err
	}
	over, err := withResponseBody("21mb", words[:21<<20])
	if err != nil {
		return nil, err
	}
	if len(jsonBody) >= 20<<20 || len(streamBody) >= 20<<20 {
		return nil, fmt.Errorf("19 MB records are %d and %d bytes, over the 20 MiB limit", len(jsonBody), len(streamBody))
	}

	// 10 000 response headers in a record (the record format allows 256).
	headers := map[string]any{}
	for i := range 10000 {
		headers[fmt.Sprintf("x-hostile-%05d", i)] = "v"
	}
	small, err := withResponseBody("http-headers", "{}")
	if err != nil {
		return nil, err
	}
	rec["response"].(map[string]any)["headers"] = headers
	manyHeaders, err := withResponseBody("record-headers", "{}")
	if err != nil {
		return nil, err
	}
	// 10 000 HTTP request headers on valid records.
	httpHeaders := map[string]string{}
	for i := range 10000 {
		httpHeaders[fmt.Sprintf("X-Hostile-%05d", i)] = "v"
	}

	bomb, err := gzipBomb(256 << 20)
	if err != nil {
		return nil, err
	}
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	badJSON := [][]byte{
		[]byte(`{`), []byte(`not json at all`), []byte(`{"version":1,"start_time":"2026-11-20T09:14:03Z","request":`),
		[]byte(`{"version":1,"id":"x","start_time":"yesterday","duration_ms":"5","request":{"method":"POST","url":"/relative"},"response":{"status":99}}`),
		[]byte(deep), []byte(`{"a":"` + strings.Repeat("\\u00", 50000) + `"}`), []byte("{\"a\":\"\xff\xfe\"}"),
		[]byte(`[` + strings.Repeat(`{},`, 100000) + `{}]`),
	}
	const refused = http.StatusTooManyRequests
	return []hostileStream{
		{name: "bad JSON, truncated, wrong types, 100 000-deep nesting, invalid UTF-8", records: badJSON, rate: 50, expect: []int{400, refused}},
		{name: "19 MB bodies (JSON content and an SSE stream without usage)", records: [][]byte{jsonBody, streamBody}, rate: 4, concurrency: 4, expect: []int{200, refused, 503}},
		{name: "21 MB body, over max_request_body_size", records: [][]byte{over}, rate: 1, expect: []int{413}},
		{name: "gzip bomb: 256 KiB that inflate to 256 MiB", records: [][]byte{bomb}, rate: 2, headers: map[string]string{"Content-Encoding": "gzip"}, expect: []int{413}},
		{name: "10 000 response headers in a record", records: [][]byte{manyHeaders}, rate: 5, expect: []int{400, refused}},
		{name: "10 000 HTTP request headers on a valid record", records: [][]byte{small}, rate: 2, headers: httpHeaders, expect: []int{200, 431, refused, 503}},
	}, nil
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
