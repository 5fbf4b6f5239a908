package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// reasonAttrs are the reason attribute of each Reason, built once so that
// counting a rejection costs no allocation. Every door's rejected-records
// metric carries the same reason values, so they are kept here with Reason.
var reasonAttrs = func() (attrs [NumReasons]metric.AddOption) {
	for i := range attrs {
		attrs[i] = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", Reason(i).String())))
	}
	return attrs
}()

// CountRejected adds the records of byReason to a door's rejected-records
// counter, one data point per reason that occurred.
func CountRejected(ctx context.Context, counter metric.Int64Counter, byReason *[NumReasons]int) {
	for reason, n := range byReason {
		if n > 0 {
			counter.Add(ctx, int64(n), reasonAttrs[reason])
		}
	}
}
