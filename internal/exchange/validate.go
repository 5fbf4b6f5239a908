package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import (
	"math"
	"time"
	"unicode/utf8"
)

// checked is what validation derives from a record for translation.
type checked struct {
	url       parsedURL
	end       time.Time
	parent    traceContext
	hasParent bool
}

// validate checks what the format requires beyond types (required fields,
// cross-field rules) and notes the first problem with d.reject.
func (d *decodeState) validate() checked {
	r := &d.rec
	var c checked
	if !r.hasStart {
		d.reject("start_time", ReasonMissingField, "required")
	}
	switch {
	case r.hasEnd:
		c.end = r.end
	case r.hasDuration:
		if r.durationMS > float64(math.MaxInt64/int64(time.Millisecond)) {
			d.reject("duration_ms", ReasonInvalidField, "too large")
		}
		c.end = r.start.Add(time.Duration(r.durationMS * float64(time.Millisecond)))
	default:
		d.reject("end_time", ReasonMissingField, "required (or duration_ms)")
	}
	if r.hasStart && r.hasEnd && r.end.Before(r.start) {
		d.reject("end_time", ReasonInvalidField, "before start_time")
	}
	if r.traceparent != "" {
		var ok bool
		if c.parent, ok = parseTraceparent(r.traceparent); !ok {
			d.reject("traceparent", ReasonInvalidField, "not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)")
		}
		c.hasParent = ok
	} else if r.hdrTraceparent != "" {
		// The caller's header is the caller's business: a bad one only
		// means no parent, not a lost record.
		c.parent, c.hasParent = parseTraceparent(r.hdrTraceparent)
	}
	if !r.request.present {
		d.reject("request", ReasonMissingField, "required")
	}
	switch {
	case r.method == "":
		d.reject("request.method", ReasonMissingField, "required")
	case !isToken(r.method):
		d.reject("request.method", ReasonInvalidField, "must be an HTTP method token such as POST")
	}
	if r.url == "" {
		d.reject("request.url", ReasonMissingField, "required")
	} else {
		var problem string
		if c.url, problem = parseAbsoluteURL(r.url); problem != "" {
			d.reject("request.url", ReasonInvalidField, problem)
		}
	}
	if !r.hasStatus && r.errorText == "" {
		d.reject("response.status", ReasonMissingField, "required unless error is set")
	}
	return c
}

func isToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || !tokenChars[c] {
			return false
		}
	}
	return true
}
