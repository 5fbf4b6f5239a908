package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"maps"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"
)

// RowTiming is when a call's diagnostic rows become visible: Log Analytics
// ingests the RequestResponse and AzureOpenAIRequestUsage categories apart,
// so each row of a call comes at its own time, and some calls never get a
// usage row.
type RowTiming struct {
	// MinDelay and MaxDelay bound when the RequestResponse rows become
	// visible after the call, drawn uniformly.
	MinDelay, MaxDelay time.Duration
	// UsageSpread moves the usage row up to this much before or after the
	// RequestResponse rows (drawn uniformly; never before the call).
	UsageSpread time.Duration
	// UsageNever is the share of calls that never get a usage row.
	UsageNever float64
}

// rowPlan adds each sent record's diagnostic-log rows to the workspace, each
// row visible at its own time drawn from the timing.
type rowPlan struct {
	fake   *fakeloganalytics.Server
	mix    *Mix
	timing RowTiming
	// maxWait is the join's: a span whose usage row never comes is complete
	// only once it waited that long.
	maxWait time.Duration

	mu sync.Mutex
	// complete: record id -> when every row the join will ever get for it is
	// visible (or, without a usage row, when it gave up waiting for one).
	complete map[string]time.Time
	// usageNever counts the calls planned without a usage row.
	usageNever int
}

func newRowPlan(fake *fakeloganalytics.Server, mix *Mix, timing RowTiming, maxWait time.Duration) *rowPlan {
	return &rowPlan{fake: fake, mix: mix, timing: timing, maxWait: maxWait, complete: map[string]time.Time{}}
}

// record is a replay.Options.Record function: record n, started now, with
// its rows planned.
func (p *rowPlan) record(n int) []byte {
	return p.recordWith(n, p.timing)
}

// recordWith is record with another timing (a warm-up's rows at once).
func (p *rowPlan) recordWith(n int, t RowTiming) []byte {
	now := time.Now()
	rrAt := now.Add(between(t.MinDelay, t.MaxDelay))
	requestID := p.mix.RequestID(n)
	rows := fakeloganalytics.RequestResponseRows(requestID, now, rrAt)
	complete := rrAt
	never := t.UsageNever > 0 && rand.Float64() < t.UsageNever
	if never {
		complete = later(rrAt, now.Add(p.maxWait))
	} else {
		usageAt := later(now, rrAt.Add(between(-t.UsageSpread, t.UsageSpread)))
		rows = append(rows, fakeloganalytics.UsageRow(requestID, now, usageAt))
		complete = later(rrAt, usageAt)
	}
	p.mu.Lock()
	p.complete[p.mix.RecordID(n)] = complete
	if never {
		p.usageNever++
	}
	p.mu.Unlock()
	p.fake.AddRows(rows...)
	return p.mix.Record(n, now)
}

// completeAt is, per record id, when the join had every row it would get.
func (p *rowPlan) completeAt() map[string]time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.complete)
}

// unjoined counts the exported spans whose rows were all there by cutoff
// (a poll and a margin before the collector stopped), which must be joined,
// and those of them that were not. A span never exported is counted
// missing elsewhere, not here.
func (p *rowPlan) unjoined(arrivals map[string]Arrival, cutoff time.Time) (should, not int) {
	for id, at := range p.completeAt() {
		a, ok := arrivals[id]
		if !ok || at.After(cutoff) {
			continue
		}
		should++
		if a.Status != "joined" {
			not++
		}
	}
	return should, not
}

// withoutUsage is how many calls were planned without a usage row.
func (p *rowPlan) withoutUsage() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.usageNever
}

// between draws a duration uniformly from [lo, hi].
func between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + rand.N(hi-lo)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
