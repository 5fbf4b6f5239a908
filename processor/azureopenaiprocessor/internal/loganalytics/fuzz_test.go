package loganalytics

import (
	"context"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

// FuzzDecodeRecords feeds properties_s and AdditionalFields cells, which come
// from outside, through the row decoder: it must never panic, and what it
// reads must stay sane.
func FuzzDecodeRecords(f *testing.F) {
	// Shapes of properties_s seen in the wild (the Elastic integration's
	// fixtures and a third-party toolkit's rows).
	f.Add(`{"apiName":"Azure OpenAI API version 2024-02-15-preview","requestTime":638481757794854611,"requestLength":2,"responseTime":638481757795877942,"responseLength":113,"objectId":""}`, "")
	f.Add(`"{\"apiName\":\"Azure OpenAI API version 2023-07-01-preview\",\"streamType\":\"Non-Streaming\",\"modelDeploymentName\":\"gpt-chat-pilot\",\"modelName\":\"gpt-35-turbo\",\"modelVersion\":\"0301\"}"`, "")
	f.Add(`{"promptTokens":[1200],"cachedTokens":[1024],"generatedTokens":[87]}`, "")
	f.Add(`{"callerObjectId":"0c3f9a1e-7a44-4b51-a1a0-5c2b1f0e9d88","promptTokens":1100,"completionTokens":"80"}`, "")
	f.Add("", `{"properties_s":"{\"modelName\":\"gpt-4o-mini\"}","event_s":"ShoeboxCallResult"}`)
	f.Add("", `{"Properties":{"modelName":"gpt-35-turbo","promptTokens":[1e300]}}`)
	f.Add(`{"promptTokens":[9223372036854775807,9223372036854775807]}`, "null")
	f.Fuzz(func(t *testing.T, properties, additional string) {
		const k = "d427a391-2bc7-4f38-9cbc-6560600e0981"
		answer := &queryAnswer{tables: []resultTable{{columns: answerColumns, rows: [][]any{
			row("RequestResponse", k, "ChatCompletions_Create", float64(1021), properties, additional),
			row("AzureOpenAIRequestUsage", k, "", nil, properties, additional),
		}}}}
		records := decodeRecords(answer, "CorrelationId")
		rec, ok := records[k]
		if !ok || len(records) != 1 {
			t.Fatalf("the key must always yield one record, got %d", len(records))
		}
		for _, u := range []source.TokenUsage{rec.usage, rec.rowUsage} {
			if u.Input < 0 || u.Output < 0 || u.CacheRead < 0 {
				t.Fatalf("negative token count: %+v", u)
			}
		}
		if rec.Operation != "ChatCompletions_Create" || rec.DurationMs != 1021 {
			t.Fatalf("the RequestResponse columns must survive any properties: %+v", rec)
		}
	})
}

// FuzzKQLStringRoundTrip writes any string as a KQL literal in the join's
// query, sends it through the real client to the fake workspace and checks
// that its KQL parser reads back exactly that string as the one key: no input
// can end the literal early and add query text.
func FuzzKQLStringRoundTrip(f *testing.F) {
	for _, seed := range []string{
		`x") | union (AzureActivity) | where ("1" == "1`, `\`, `\"`, `"`, `'`, `\\"); drop table`,
		"tab\tnewline\nreturn\r", `@"verbatim"`, "ünïcode ☃", "",
	} {
		f.Add(seed)
	}
	server := fakeloganalytics.New(fakeloganalytics.Options{WorkspaceID: testWorkspace, Token: testToken})
	f.Cleanup(server.Close)
	cfg := testConfig(server.URL())
	client := startedClient(f, cfg, server)
	window := source.NewWindow(t0, t0)
	f.Fuzz(func(t *testing.T, key string) {
		if !utf8.ValidString(key) {
			t.Skip("JSON carries only UTF-8; span attributes are UTF-8")
		}
		kql, err := buildQuery("CorrelationId", []string{key}, window)
		if err != nil {
			return // a control character KQL cannot escape: refused, never sent
		}
		before := len(server.Queries())
		if _, err := client.query(context.Background(), kql, window, ignoreRows); err != nil {
			t.Fatalf("the fake refused the query for %q: %v", key, err)
		}
		q := server.Queries()[before]
		if q.ParseError != "" || len(q.Keys) != 1 || q.Keys[0] != key {
			t.Fatalf("%q came back as %q (parse error %q)", key, q.Keys, q.ParseError)
		}
	})
}

// FuzzScanBoundsRoundTrip writes any ingestion range, row limit and window
// into the scan query, sends it through the real client to the fake and
// checks that its KQL parser reads back exactly those bounds.
func FuzzScanBoundsRoundTrip(f *testing.F) {
	f.Add(int64(0), int64(30_000_000_000), int64(60_000_000_000), 50_000)
	f.Add(int64(-1), int64(1), int64(0), 1)
	f.Add(int64(123_456_789), int64(987_654_321_000), int64(1), 500_000)
	server := fakeloganalytics.New(fakeloganalytics.Options{WorkspaceID: testWorkspace, Token: testToken})
	f.Cleanup(server.Close)
	client := startedClient(f, testConfig(server.URL()), server)
	f.Fuzz(func(t *testing.T, fromNanos, lengthNanos, marginNanos int64, limit int) {
		if lengthNanos < 0 || marginNanos < 0 || lengthNanos > int64(24*time.Hour) || marginNanos > int64(24*time.Hour) ||
			fromNanos < -int64(24*365*time.Hour) || fromNanos > int64(24*365*time.Hour) {
			t.Skip("ranges the join never asks for")
		}
		from := t0.Add(time.Duration(fromNanos))
		to := from.Add(time.Duration(lengthNanos))
		req := source.ScanRequest{
			IngestedFrom: from, IngestedTo: to, Limit: limit,
			Window: source.Window{From: from.Add(-time.Duration(marginNanos)), To: to.Add(time.Duration(marginNanos))},
		}
		kql, err := buildScanQuery("CorrelationId", req)
		if limit <= 0 {
			if err == nil {
				t.Fatal("a limit that is not positive must be refused")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		before := len(server.Queries())
		if _, err := client.query(context.Background(), kql, req.Window, ignoreRows); err != nil {
			t.Fatalf("the fake refused the scan: %v", err)
		}
		q := server.Queries()[before]
		tick := func(t time.Time) time.Time { return t.Truncate(kqlTick) }
		if q.ParseError != "" || !q.IngestedFrom.Equal(tick(from)) || !q.IngestedTo.Equal(tick(to)) || q.Take != limit ||
			!q.From.Equal(tick(req.Window.From)) || !q.To.Equal(tick(req.Window.To)) || len(q.Keys) != 0 {
			t.Fatalf("bounds came back as ingested %v..%v take %d window %v..%v keys %q (parse error %q)",
				q.IngestedFrom, q.IngestedTo, q.Take, q.From, q.To, q.Keys, q.ParseError)
		}
	})
}
