package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"hash/maphash"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

// The cursor reads every row, so it meets rows whose span is not pending:
// rows that came before their span (a Kafka consumer lagging behind Log
// Analytics), late rows of a call whose span has already left (the usage row
// a poll after the RequestResponse row that joined it), and rows of calls that
// never passed the gateway. earlyRows keeps the first kind, bounded, for
// early_rows_grace, remembers the keys of spans that left for as long so that
// the second kind is not mistaken for the third, and hands out the third for
// the unmatched-calls metric.

// earlyRows is the table of calls whose rows came before any span. The Joiner
// locks around it.
type earlyRows struct {
	maxCalls int
	grace    time.Duration

	calls map[string]*earlyCall
	// order is calls in the order they came, for expiry; an entry removed
	// from calls is skipped.
	order []*earlyCall

	// left remembers the keys of spans that left (a hash of each, to keep it
	// small), oldest first in leftOrder, for grace; at most maxCalls.
	left      map[uint64]int64
	leftOrder []leftKey
	seed      maphash.Seed

	labels *unmatchedLabels
}

type earlyCall struct {
	key     string
	rec     *source.Record
	keptAt  int64 // unix nanoseconds
	removed bool
}

type leftKey struct {
	hash uint64
	at   int64
}

func newEarlyRows(maxCalls int, grace time.Duration) *earlyRows {
	return &earlyRows{
		maxCalls: maxCalls,
		grace:    grace,
		calls:    map[string]*earlyCall{},
		left:     map[uint64]int64{},
		seed:     maphash.MakeSeed(),
		labels:   newUnmatchedLabels(),
	}
}

// keep adds rec to the call of key, and reports false when the table is full
// and the call is not in it.
func (e *earlyRows) keep(key string, rec *source.Record, now time.Time) bool {
	if call, ok := e.calls[key]; ok {
		call.rec.Merge(rec)
		return true
	}
	if len(e.calls) >= e.maxCalls {
		return false
	}
	call := &earlyCall{key: key, rec: rec, keptAt: now.UnixNano()}
	e.calls[key] = call
	e.order = append(e.order, call)
	return true
}

// remove takes the call of key out: its span has come.
func (e *earlyRows) remove(key string) {
	if call, ok := e.calls[key]; ok {
		call.removed = true
		delete(e.calls, key)
	}
}

// expire takes out and returns the calls kept for grace without meeting a
// span, and forgets the keys of spans that left as long ago.
func (e *earlyRows) expire(now time.Time) []*source.Record {
	limit := now.Add(-e.grace).UnixNano()
	var out []*source.Record
	n := 0
	for ; n < len(e.order) && e.order[n].keptAt <= limit; n++ {
		if call := e.order[n]; !call.removed {
			delete(e.calls, call.key)
			out = append(out, call.rec)
		}
	}
	clear(e.order[:n])
	e.order = e.order[n:]
	n = 0
	for ; n < len(e.leftOrder) && e.leftOrder[n].at <= limit; n++ {
		e.forgetLeft(e.leftOrder[n])
	}
	e.leftOrder = e.leftOrder[n:]
	return out
}

// leave remembers that the spans of key left, so that its later rows are not
// kept or counted as a call that bypassed the gateway.
func (e *earlyRows) leave(key string, now time.Time) {
	if len(e.leftOrder) >= e.maxCalls {
		e.forgetLeft(e.leftOrder[0])
		e.leftOrder = e.leftOrder[1:]
	}
	h := maphash.String(e.seed, key)
	e.left[h] = now.UnixNano()
	e.leftOrder = append(e.leftOrder, leftKey{hash: h, at: now.UnixNano()})
}

func (e *earlyRows) forgetLeft(k leftKey) {
	if e.left[k.hash] == k.at {
		delete(e.left, k.hash)
	}
}

// hasLeft reports whether a span of key left within grace.
func (e *earlyRows) hasLeft(key string, now time.Time) bool {
	at, ok := e.left[maphash.String(e.seed, key)]
	return ok && at > now.Add(-e.grace).UnixNano()
}

// maxUnmatchedLabelSets bounds the unmatched-calls metric's series: the
// first deployment and caller pairs get their own, later ones share
// otherLabel. Caller object ids are per user or application, so a big tenant
// would otherwise make a series per person.
const maxUnmatchedLabelSets = 100

const (
	otherLabel   = "_other"
	unknownLabel = "unknown"
	// maxLabelLength cuts values that are no deployment name (at most 64
	// characters) or object id (36).
	maxLabelLength = 64
)

// unmatchedLabels hands out the attribute set of an unmatched call.
type unmatchedLabels struct {
	sets  map[[2]string]metric.MeasurementOption
	other metric.MeasurementOption
}

func newUnmatchedLabels() *unmatchedLabels {
	return &unmatchedLabels{
		sets:  map[[2]string]metric.MeasurementOption{},
		other: unmatchedAttributes(otherLabel, otherLabel),
	}
}

func (u *unmatchedLabels) of(rec *source.Record) metric.MeasurementOption {
	pair := [2]string{labelValue(rec.Deployment), labelValue(rec.CallerObjectID)}
	if set, ok := u.sets[pair]; ok {
		return set
	}
	if len(u.sets) >= maxUnmatchedLabelSets {
		return u.other
	}
	set := unmatchedAttributes(pair[0], pair[1])
	u.sets[pair] = set
	return set
}

func unmatchedAttributes(deployment, caller string) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(
		attribute.String("deployment", deployment), attribute.String("caller_object_id", caller)))
}

func labelValue(s string) string {
	switch {
	case s == "":
		return unknownLabel
	case len(s) > maxLabelLength:
		return otherLabel
	}
	return s
}
