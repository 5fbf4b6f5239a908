package loadtest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

func TestConfigWithJoinStorageAndLookup(t *testing.T) {
	text, err := Config(ConfigParams{Pipeline: Ours, Direct: true, MemoryLimitMiB: 512, SpikeLimitMiB: 128, Join: &JoinParams{
		Workspace: "5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f", Endpoint: "https://127.0.0.1:1", CAFile: "/tmp/ca.pem", Token: "t",
		PollInterval: time.Second, MaxWait: time.Minute, Timeout: 5 * time.Second,
		MaxPending: 400000, MaxPendingBytes: 4 << 30, StorageDir: "/tmp/run/join-storage", MaxStoredBytes: 1 << 30, Lookup: "cursor",
	}})
	require.NoError(t, err)
	var cfg struct {
		Extensions map[string]map[string]any
		Processors map[string]map[string]any
		Exporters  map[string]map[string]any
		Service    struct {
			Extensions []string
			Pipelines  map[string]struct{ Processors []string }
		}
	}
	require.NoError(t, yaml.Unmarshal([]byte(text), &cfg), text)
	assert.Equal(t, "/tmp/run/join-storage", cfg.Extensions["file_storage/join"]["directory"])
	assert.Contains(t, cfg.Service.Extensions, "file_storage/join", "an extension not in service::extensions is not started")
	diag := cfg.Processors["azure_openai"]["diagnostics"].(map[string]any)
	assert.Equal(t, "file_storage/join", diag["storage"])
	assert.Equal(t, "cursor", diag["lookup"])
	assert.Equal(t, 400000, diag["max_pending"])
	assert.Equal(t, 4<<30, diag["max_pending_bytes"])
	assert.Equal(t, 1<<30, diag["max_stored_bytes"])
	assert.Equal(t, []string{"memory_limiter", "azure_openai"}, cfg.Service.Pipelines["traces"].Processors,
		"direct: no batch processor, whose acknowledgement comes before the export")
	assert.Equal(t, map[string]any{"enabled": false}, cfg.Exporters["otlp_http"]["sending_queue"])

	plain, err := Config(ConfigParams{Pipeline: Ours, MemoryLimitMiB: 512, SpikeLimitMiB: 128, Join: &JoinParams{
		Workspace: "5f0c9a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f", Endpoint: "https://127.0.0.1:1", CAFile: "/tmp/ca.pem", Token: "t",
		PollInterval: time.Second, MaxWait: time.Minute, Timeout: 5 * time.Second,
	}})
	require.NoError(t, err)
	for _, key := range []string{"file_storage", "storage:", "lookup:", "max_pending", "max_stored_bytes", "sending_queue"} {
		assert.NotContains(t, plain, key, "settings left at zero are not written: a build without them still starts")
	}
	assert.Contains(t, plain, "batch")
}

func TestRowPlanTimesEachRow(t *testing.T) {
	fake := fakeloganalytics.New(fakeloganalytics.Options{WorkspaceID: fakeWorkspace, Token: fakeToken})
	defer fake.Close()
	mix, err := NewMix("../../examples/records")
	require.NoError(t, err)
	const maxWait = 15 * time.Minute

	never := newRowPlan(fake, mix, RowTiming{MinDelay: time.Minute, MaxDelay: 2 * time.Minute, UsageNever: 1}, maxWait)
	before := time.Now()
	for n := range 20 {
		never.record(n)
	}
	assert.Equal(t, 20, never.withoutUsage())
	for id, at := range never.completeAt() {
		assert.False(t, at.Before(before.Add(maxWait)), "%s: without a usage row a span is complete only once it waited max_wait", id)
	}

	staggered := newRowPlan(fake, mix, RowTiming{MinDelay: time.Minute, MaxDelay: 2 * time.Minute, UsageSpread: 30 * time.Second}, maxWait)
	for n := 100; n < 300; n++ {
		staggered.record(n)
	}
	assert.Zero(t, staggered.withoutUsage())
	for id, at := range staggered.completeAt() {
		d := at.Sub(before)
		assert.True(t, d >= time.Minute && d <= 2*time.Minute+30*time.Second+time.Second, "%s: complete %s after the call", id, d)
	}
}

func TestQueriesPerPollGroupsByGaps(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	var qs []fakeloganalytics.Query
	at := func(d time.Duration) { qs = append(qs, fakeloganalytics.Query{At: t0.Add(d)}) }
	at(-time.Minute) // before the window
	for i := range 3 {
		at(time.Duration(i) * 100 * time.Millisecond) // poll 1: 3 queries
	}
	at(30 * time.Second) // poll 2: 1
	for i := range 5 {
		at(60*time.Second + time.Duration(i)*2*time.Second) // poll 3: 5, each within half an interval of the last
	}
	at(10 * time.Minute) // after the window
	st := queriesPerPoll(qs, t0, t0.Add(5*time.Minute), 30*time.Second)
	assert.Equal(t, pollStats{Polls: 3, Queries: 9, Mean: 3, Max: 5}, st)
	assert.Equal(t, pollStats{}, queriesPerPoll(nil, t0, t0.Add(time.Minute), 30*time.Second))
}

func TestPerPendingSpanIsTheSlopeAboveTheBaseline(t *testing.T) {
	anon := func(s Sample) float64 { return s.AnonMiB }
	base := Sample{AnonMiB: 100, PendingSpans: 10000}
	steady := Sample{AnonMiB: 100 + 300000*250.0/(1<<20), PendingSpans: 310000}
	assert.InDelta(t, 250, perPendingSpan(base, steady, anon), 0.01)
	assert.Zero(t, perPendingSpan(base, Sample{AnonMiB: 500, PendingSpans: 5000}, anon), "no span became pending: no figure")
}

func TestSoakFailuresNameEachBrokenProperty(t *testing.T) {
	o := SoakOptions{MaxAnonPerSpan: 300, MaxPeakAnonMiB: 512, Storage: true, MaxPending: 400000}
	ok := &SoakReport{Options: o, ExitClean: true, Drained: true, SpansIn: 10, SpansOut: 10, AnonPerSpan: 220, PeakAnonMiB: 300}
	require.NoError(t, soakFailures(ok, nil))

	bad := *ok
	bad.AnonPerSpan, bad.PeakAnonMiB, bad.Overflow, bad.SpansOut, bad.Drained = 12500, 3000, 7, 11, false
	bad.Delivery.Duplicated = 1
	err := soakFailures(&bad, nil)
	require.Error(t, err)
	for _, want := range []string{"RssAnon per pending span 12500 B", "peak RssAnon 3000 MiB", "7 spans left the join as overflow", "spans out 11", "1 duplicated", "still held spans"} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestDiskUsageCountsAllocatedBlocks(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "a.db"), make([]byte, 64<<10), 0o600))
	sparse, err := os.Create(filepath.Join(dir, "sparse.db"))
	require.NoError(t, err)
	require.NoError(t, sparse.Truncate(1<<30))
	require.NoError(t, sparse.Close())
	got := diskUsage(dir)
	assert.GreaterOrEqual(t, got, int64(64<<10))
	assert.Less(t, got, int64(1<<20), "a sparse file's claimed length is not disk")
	assert.Zero(t, diskUsage(filepath.Join(dir, "missing")))
}

func TestDuplicatesAroundTheKill(t *testing.T) {
	kill := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	acked := map[string]time.Time{"a": kill.Add(-time.Second), "b": kill.Add(-time.Minute), "c": kill.Add(time.Second), "d": kill.Add(time.Minute)}
	arrivals := map[string]Arrival{"a": {Count: 2}, "b": {Count: 1}, "c": {Count: 2}, "d": {Count: 1}}
	before, resent := duplicatesAround(acked, arrivals, kill)
	assert.Equal(t, 1, before, "a: acknowledged before the kill, released twice")
	assert.Equal(t, 1, resent, "c: in flight at the kill, resent")
}

func TestAnonPerSpanIsTheMedianOfTheSteadyState(t *testing.T) {
	base := Sample{AnonMiB: 100, PendingSpans: 0}
	at := func(t, perSpan float64) Sample {
		return Sample{At: t, PendingSpans: 100000, AnonMiB: 100 + 100000*perSpan/(1<<20)}
	}
	samples := []Sample{at(10, 50000), at(85, 200), at(90, 9000), at(95, 250), at(100, 240), at(130, 99999)}
	steady := lastFifth(samples, 0, 100)
	require.Len(t, steady, 4, "the last fifth of a 100-s load, not before it nor after")
	anon := func(s Sample) float64 { return s.AnonMiB }
	assert.InDelta(t, 245, medianPerPendingSpan(base, steady, anon), 0.01, "one sample taken before a GC does not decide")
	assert.Zero(t, medianPerPendingSpan(base, nil, anon))
}

func TestUnjoinedCountsExportedSpansWhoseRowsWereThere(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	p := &rowPlan{complete: map[string]time.Time{
		"joined": t0, "late-row": t0.Add(time.Hour), "not-joined": t0, "missing": t0,
	}}
	arrivals := map[string]Arrival{"joined": {Status: "joined"}, "late-row": {Status: "not_found"}, "not-joined": {Status: "not_found"}}
	should, not := p.unjoined(arrivals, t0.Add(time.Minute))
	assert.Equal(t, 2, should, "joined and not-joined: late-row's rows came after the cutoff, missing was never exported")
	assert.Equal(t, 1, not)
}

func TestWarmupDefaultsToFivePolls(t *testing.T) {
	assert.Equal(t, 150*time.Second, SoakOptions{PollInterval: 30 * time.Second}.warmup())
	assert.Equal(t, 45*time.Second, SoakOptions{PollInterval: 30 * time.Second, Warmup: 45 * time.Second}.warmup(), "a warm-up given wins")
}

func TestWarmBaselineIsTheMedianOverTheLastTwoPolls(t *testing.T) {
	// A 50-s warm-up polling every 10 s, sampled every 5 s and once more at
	// its end (50.2 s): the baseline is the samples of (30.2, 50.2].
	samples := []Sample{
		{At: 5, AnonMiB: 16, PendingSpans: 3000}, // before the first poll: none of a poll's working set yet
		{At: 10, AnonMiB: 40, PendingSpans: 5000},
		{At: 15, AnonMiB: 42, PendingSpans: 2000},
		{At: 20, AnonMiB: 45, PendingSpans: 4500},
		{At: 25, AnonMiB: 50, PendingSpans: 1500},
		{At: 30, AnonMiB: 58, PendingSpans: 4000},
		{At: 35, AnonMiB: 60, PendingSpans: 1200, CPUSeconds: 9},
		{At: 40, AnonMiB: 75, PendingSpans: 4800, CPUSeconds: 10}, // a poll's garbage not yet collected
		{At: 45, AnonMiB: 57, PendingSpans: 1500, CPUSeconds: 11},
		{At: 50, AnonMiB: 62, PendingSpans: 3900, CPUSeconds: 12},
		{At: 50.2, AnonMiB: 52, PendingSpans: 1100, CPUSeconds: 12.5, Accepted: 25100}, // just after a GC
	}
	rep := &SoakReport{Options: SoakOptions{Warmup: 50 * time.Second, PollInterval: 10 * time.Second}}
	takeBaseline(rep, 50.2, samples)
	assert.Equal(t, 5, rep.BaselineSamples)
	assert.InDelta(t, 20, rep.BaselineWindow, 1e-9, "two polls")
	assert.Equal(t, 60.0, rep.Baseline.AnonMiB, "median of 60, 75, 57, 62, 52")
	assert.Equal(t, 1500.0, rep.Baseline.PendingSpans, "median of 1200, 4800, 1500, 3900, 1100")
	assert.Equal(t, 12.5, rep.Baseline.CPUSeconds, "a running total: the last sample's")
	assert.Equal(t, int64(25100), rep.Baseline.Accepted)
	assert.Equal(t, 50.2, rep.Baseline.At)
	assert.Contains(t, rep.baselineHow(), "median of 5 samples over the last 20 s of a 50s warm-up")

	// 250 B a span above the median; above the warm-up's last sample alone
	// (52 MiB, 1 100 pending) the same steady state would be
	// (8 MiB + 25 000 000 B) / 100 400 = 332.6 B, over a 300-B limit.
	anon := func(s Sample) float64 { return s.AnonMiB }
	steady := Sample{AnonMiB: 60 + 100000*250.0/(1<<20), PendingSpans: 101500}
	assert.InDelta(t, 250, perPendingSpan(rep.Baseline, steady, anon), 0.01)
	assert.InDelta(t, 332.6, perPendingSpan(samples[len(samples)-1], steady, anon), 0.05)

	assert.Equal(t, Sample{}, warmBaseline(samplesBetween(samples, 60, 90)), "no sample in the window")
}

func TestBaselineWindowIsTwoPollsOrTheWholeWarmup(t *testing.T) {
	from, to := baselineWindow(150.4, 150*time.Second, 30*time.Second)
	assert.InDelta(t, 90.4, from, 1e-9)
	assert.Equal(t, 150.4, to)
	from, _ = baselineWindow(20.1, 20*time.Second, 30*time.Second)
	assert.InDelta(t, 0.1, from, 1e-9, "a warm-up shorter than two polls: all of it")
}

func TestLastFifthIsOfTheLoadNotTheWarmup(t *testing.T) {
	// Warm-up 0–150 s, load 150–250 s: the last fifth is (230, 250], not
	// (200, 250] as the fifth of 0–250 would be.
	samples := []Sample{
		{At: 140, AnonMiB: 60},
		{At: 160, AnonMiB: 100},
		{At: 200, AnonMiB: 120},
		{At: 215, AnonMiB: 130},
		{At: 240, AnonMiB: 125},
		{At: 245, AnonMiB: 140},
		{At: 250, AnonMiB: 125},
		{At: 260, AnonMiB: 500}, // the drain
	}
	fifth := lastFifth(samples, 150, 250)
	require.Len(t, fifth, 3)
	assert.Equal(t, 240.0, fifth[0].At)
	assert.InDelta(t, 10, lateGrowth(samples, 150, 250), 1e-9, "140 over the last fifth, 130 before it")

	rep := &SoakReport{Samples: samples, Baseline: Sample{AnonMiB: 60}, Steady: samples[6]}
	figuresOfSoak(rep, 150, 250)
	assert.InDelta(t, 10, rep.LateGrowth, 1e-9)
	assert.Equal(t, 500.0, rep.PeakAnonMiB, "peaks take every sample")
}
