package source // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"

import "time"

// Window is the time range a lookup searches, by the time the service stamped
// on its records.
type Window struct {
	From, To time.Time
}

// WindowMargin widens the window on both sides: a record's time is the
// service's clock, which may differ from ours, and is stamped when the call
// started or ended depending on the record.
const WindowMargin = 5 * time.Minute

// NewWindow spans from the oldest call's start (minus the margin) to now
// (plus the margin). A call that starts after now (skewed clock) never makes
// the window inverted.
func NewWindow(oldestStart, now time.Time) Window {
	from := oldestStart.Add(-WindowMargin)
	if latest := now.Add(-WindowMargin); from.After(latest) {
		from = latest
	}
	return Window{From: from.UTC(), To: now.Add(WindowMargin).UTC()}
}
