//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-aoai/otelcol-aoai/internal/conventions"
	"github.com/otelcol-aoai/otelcol-aoai/internal/replay"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeappinsights"
	"github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"
)

// The outage of the test: a steady stream of records, the ingestion endpoint
// down for a minute in the middle of it.
const (
	outageRate     = 10.0 // records per second
	outageLead     = 5 * time.Second
	outageDuration = 60 * time.Second
	outageTail     = 5 * time.Second
	// The Application Insights channel retries a failed request 10, 40 and
	// 100 s after its first try: a request that first failed when the
	// outage began has its last chance 100 s later; one that first failed
	// 20 s in, 120 s after the outage began.
	outageWait = 130 * time.Second
)

// outageCase is one setup under one kind of outage, and what the README
// says of it: the test keeps the README's table true.
type outageCase struct {
	setup  azureMonitorSetup
	outage fakeappinsights.Outage
	check  func(t *testing.T, r outageResult)
}

// outageResult is what reached the fake of the records the receiver accepted.
type outageResult struct {
	Sent, Lost, Duplicated int
	// Recovered is when the last span arrived, after the endpoint came back.
	Recovered time.Duration
}

func loses(t *testing.T, r outageResult) {
	assert.Positive(t, r.Lost, "the setup was expected to lose spans (the README says so)")
}

func losesNothing(t *testing.T, r outageResult) {
	assert.Zero(t, r.Lost, "spans lost")
	assert.Zero(t, r.Duplicated, "spans stored twice")
}

// TestAzureMonitorOutage streams records through the Azure Monitor example
// and its alternatives while a fake Application Insights ingestion endpoint
// is down for 60 s, and counts the spans that never arrive. The example as
// shipped must lose none when the endpoint answers 503 (with or without
// Retry-After) or refuses connections: with the exporter's defaults it loses
// most under 503 with Retry-After, and a queue on disk or a durable hop in
// front of it changes nothing, because the exporter acknowledges spans once
// they are in its in-memory channel. A 502 loses the spans of the outage in
// every setup (the channel does not retry it). The test asserts each of
// these, so that the README's table stays true.
func TestAzureMonitorOutage(t *testing.T) {
	cases := []outageCase{
		{shippedSetup, fakeappinsights.Unavailable, losesNothing},
		{shippedSetup, fakeappinsights.UnavailableRetryAfter, losesNothing},
		{shippedSetup, fakeappinsights.Refused, losesNothing},
		{shippedSetup, fakeappinsights.BadGateway, loses},
		{defaultsSetup, fakeappinsights.Unavailable, losesNothing},
		{defaultsSetup, fakeappinsights.UnavailableRetryAfter, loses},
		{defaultsSetup, fakeappinsights.Refused, losesNothing},
		{defaultsSetup, fakeappinsights.BadGateway, loses},
		{fileQueueSetup, fakeappinsights.UnavailableRetryAfter, loses},
		{fileQueueSetup, fakeappinsights.BadGateway, loses},
		{hopSetup, fakeappinsights.UnavailableRetryAfter, loses},
		{hopSetup, fakeappinsights.BadGateway, loses},
	}
	// Every case at once, whatever go test's -parallel (GOMAXPROCS by
	// default) says: they wait, not compute, and the test takes the time of one.
	table := make([]string, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		wg.Go(func() {
			t.Run(strings.ReplaceAll(c.setup.Name, " ", "_")+"/"+c.outage.String(), func(t *testing.T) {
				r := runOutage(t, c.setup, c.outage)
				table[i] = fmt.Sprintf("| %s | %s | %d | %d | %d | %s |", c.setup.Name, c.outage, r.Sent, r.Lost, r.Duplicated, r.Recovered.Round(time.Second))
				c.check(t, r)
			})
		})
	}
	wg.Wait()
	t.Logf("ingestion endpoint down %s, %.0f records/s:\n| setup | outage | sent | lost | duplicated | last arrival after recovery |\n|---|---|---|---|---|---|\n%s",
		outageDuration, outageRate, strings.Join(table, "\n"))
}

// runOutage starts setup against a fresh fake, streams records for
// lead+outage+tail with the fake down for the outage, and waits until every
// accepted record's span arrived or the channel's last retry is past.
func runOutage(t *testing.T, setup azureMonitorSetup, outage fakeappinsights.Outage) outageResult {
	ingestion, err := fakeappinsights.Start(fakeappinsights.Options{LabelProperty: conventions.GatewayRecordID})
	require.NoError(t, err)
	t.Cleanup(ingestion.Close)
	url := setup.Start(t, ingestion)
	mix, err := loadtest.NewMix(filepath.Join("..", "examples", "records"))
	require.NoError(t, err)

	count := int(outageRate * (outageLead + outageDuration + outageTail).Seconds())
	sent := make(chan replay.Summary, 1)
	go func() {
		s, err := replay.Run(context.Background(), replay.Options{
			URL: url, Record: func(n int) []byte { return mix.Record(n, time.Now()) },
			Count: count, Rate: outageRate, MaxRetries: 20,
		})
		if err != nil {
			s.LastError = err.Error()
		}
		sent <- s
	}()
	time.Sleep(outageLead)
	require.NoError(t, ingestion.Down(outage, outageDuration))
	down := time.Now()
	time.Sleep(outageDuration)
	require.NoError(t, ingestion.Up())
	up := time.Now()
	summary := <-sent
	require.EqualValues(t, count, summary.Accepted, "records the receiver accepted: %v (last error %q)", summary, summary.LastError)

	want := make(map[string]bool, count)
	for n := range count {
		want[mix.RecordID(n)] = true
	}
	arrived := func() (map[string]fakeappinsights.Arrival, int) {
		byRecord := map[string]fakeappinsights.Arrival{}
		duplicated := 0
		for _, a := range ingestion.Spans() {
			if !want[a.Label] {
				continue
			}
			if _, twice := byRecord[a.Label]; twice || a.Count > 1 {
				duplicated++
			}
			byRecord[a.Label] = a
		}
		return byRecord, duplicated
	}
	for time.Since(down) < outageWait {
		if got, _ := arrived(); len(got) == count {
			break
		}
		time.Sleep(time.Second)
	}
	got, duplicated := arrived()
	r := outageResult{Sent: count, Lost: count - len(got), Duplicated: duplicated}
	for _, a := range got {
		r.Recovered = max(r.Recovered, a.First.Sub(up))
	}
	counts, reason := ingestion.Counts()
	t.Logf("%s, %s outage: %d of %d spans lost, %d duplicated, last arrival %s after recovery; endpoint %+v %s",
		setup.Name, outage, r.Lost, count, duplicated, r.Recovered.Round(time.Second), counts, reason)
	return r
}
