package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/internal/replay"
)

// KillWithStorage: under soak-like load (rows 20–60 s late, the usage row
// staggered, some never), the collector is killed with SIGKILL while the
// join, on file_storage, holds tens of thousands of spans; it is restarted on
// the same storage and the load goes on. Nothing but the join holds an
// acknowledged span (no batch processor, no exporter queue: a record is
// answered once its span is stored or at the sink), so every acknowledged
// record must come out exactly once, by span id, joined where its rows exist.
func KillWithStorage(ctx context.Context, o FaultOptions) *FaultResult {
	res := &FaultResult{Name: "kill-storage", Property: "SIGKILL with the join on file_storage, restart on the same folder: every acknowledged record exported exactly once (by span id), joined where its rows exist"}
	return res.done(killWithStorage(ctx, o, res))
}

func killWithStorage(ctx context.Context, o FaultOptions, res *FaultResult) error {
	const poll, maxWait = 5 * time.Second, 2 * time.Minute
	// inFlight is the most requests the replay has open, and so the most
	// records the kill can catch stored but not yet answered: resent, they
	// come out twice with the same span id, as from any receiver.
	const inFlight = 8
	rows := RowTiming{MinDelay: 20 * time.Second, MaxDelay: time.Minute, UsageSpread: 10 * time.Second, UsageNever: 0.2}
	rate, before, after := o.StorageRate, o.StorageKillAfter, o.StorageLoadAfter
	count := int(rate * (before + after).Seconds())
	r, err := newRig(o.Common, res.Name, ConfigParams{Pipeline: Ours, Direct: true}, 8)
	if err != nil {
		return err
	}
	defer r.close()
	fake, err := r.startJoin(poll, maxWait, 10*time.Second)
	if err != nil {
		return err
	}
	j := r.params.Join
	j.StorageDir, j.Lookup, j.MaxPending, j.MaxPendingBytes, j.MaxStoredBytes = filepath.Join(r.dir, "join-storage"), o.Lookup, 400000, 4<<30, 4<<30
	if err := r.start(ctx); err != nil {
		return err
	}
	plan := newRowPlan(fake, r.mix, rows, maxWait)
	r.logf("%d records at %.0f/s, SIGKILL after %s; rows %s to %s late, usage ±%s, %.0f%% never; poll %s, max_wait %s, lookup %q",
		count, rate, before, rows.MinDelay, rows.MaxDelay, rows.UsageSpread, 100*rows.UsageNever, poll, maxWait, o.Lookup)
	done := r.replayInBackground(ctx, replay.Options{Record: plan.record, Count: count, Rate: rate, Concurrency: inFlight, MaxRetries: 1000, MaxBackoff: time.Second})
	time.Sleep(before)
	pending := pendingSpans(r)
	disk := diskUsage(j.StorageDir)
	r.col.Kill()
	killedAt := time.Now()
	ackedAtKill := len(r.ledger.Acked())
	r.logf("SIGKILL with the join holding %.0f spans (%.1f MiB on disk); %d records acknowledged, %d exported", pending, MiB(disk), ackedAtKill, r.sink.Spans())
	time.Sleep(2 * time.Second)
	restartAt := time.Now()
	if err := r.start(ctx); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	healthyIn := time.Since(restartAt)
	restored := pendingSpans(r)
	r.logf("restarted on the same storage in %s: %.0f spans pending", healthyIn.Round(time.Millisecond), restored)
	sum := <-done
	drained := waitDrained(ctx, r, maxWait+rows.MaxDelay+rows.UsageSpread+3*poll)
	stopAt := time.Now()
	stopErr := r.stop(ctx)

	arrivals, acked := r.sink.Arrivals(), r.ledger.Acked()
	d := compareDelivery(acked, arrivals, r.mix.sentBy(count))
	twiceBefore, twiceResent := duplicatesAround(acked, arrivals, killedAt)
	shouldJoin, notJoined := plan.unjoined(arrivals, stopAt.Add(-poll-5*time.Second))
	res.figure("spans pending at the kill / on disk", "%.0f / %.1f MiB", pending, MiB(disk))
	res.figure("acknowledged before the kill / in all", "%d / %d", ackedAtKill, d.Acked)
	res.figure("restart: healthy after / pending_spans right after (restored)", "%s / %.0f", healthyIn.Round(time.Millisecond), restored)
	res.figure("acknowledged / exported / missing / other span ids", "%d / %d / %d / %d", d.Acked, d.Arrived, d.Missing, d.IDsDiffer)
	res.figure("exported twice: acknowledged before the kill / resent after it (in flight at the kill, at most "+fmt.Sprint(inFlight)+")", "%d / %d", twiceBefore, twiceResent)
	res.figure("diagnostics status of the spans out", "%s", fmtCounts(statusCounts(arrivals)))
	res.figure("spans whose rows were all visible a poll before the stop / not joined", "%d / %d", shouldJoin, notJoined)
	res.figure("replay", "%s", sum)

	var failures []error
	if d.Missing > 0 || d.IDsDiffer > 0 || d.Unknown > 0 {
		failures = append(failures, fmt.Errorf("of %d acknowledged, %d never exported %v, %d with other span ids, %d unknown",
			d.Acked, d.Missing, d.MissingIDs, d.IDsDiffer, d.Unknown))
	}
	if twiceBefore > 0 || twiceResent > inFlight {
		failures = append(failures, fmt.Errorf("exported twice: %d acknowledged before the kill, %d resent after it (at most %d were in flight)", twiceBefore, twiceResent, inFlight))
	}
	if notJoined > 0 {
		failures = append(failures, fmt.Errorf("%d of %d spans whose rows were visible were not joined", notJoined, shouldJoin))
	}
	if pending == 0 {
		failures = append(failures, errors.New("the join held no span at the kill: the scenario tested nothing"))
	}
	if !drained {
		failures = append(failures, errors.New("the join still held spans when the scenario ended"))
	}
	if sum.Failed > 0 {
		failures = append(failures, fmt.Errorf("replay gave up on %d records: %s", sum.Failed, sum.LastError))
	}
	return errors.Join(append(failures, stopErr)...)
}

// duplicatesAround counts the records exported more than once: those
// acknowledged before the kill (released twice: the property broken) and
// those acknowledged after it (a request in flight at the kill, stored but
// not answered, then resent).
func duplicatesAround(acked map[string]time.Time, arrivals map[string]Arrival, killedAt time.Time) (before, resent int) {
	for id, at := range acked {
		if arrivals[id].Count < 2 {
			continue
		}
		if at.Before(killedAt) {
			before++
		} else {
			resent++
		}
	}
	return before, resent
}
