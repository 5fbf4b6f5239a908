// Package retryafter reads how long an HTTP answer asks its client to wait
// before trying again. The diagnostics join reads it from the Log Analytics
// API's 429s, the replay tool from the receiver's 429s and 503s.
package retryafter // import "github.com/otelcol-aoai/otelcol-aoai/internal/retryafter"

import (
	"net/http"
	"strconv"
	"time"
)

// Delay returns the wait an answer asks for: retry-after-ms or
// x-ms-retry-after-ms (Azure's finer forms, which win when present), else
// Retry-After in seconds (an integer by RFC 9110; a fraction is read rather
// than refused) or as an HTTP date, counted from now. Zero when the answer asks
// for nothing usable: absent, unparseable, negative or in the past.
func Delay(h http.Header, now time.Time) time.Duration {
	for _, name := range []string{"Retry-After-Ms", "X-Ms-Retry-After-Ms"} {
		if v := h.Get(name); v != "" {
			if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
				return time.Duration(ms * float64(time.Millisecond))
			}
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
