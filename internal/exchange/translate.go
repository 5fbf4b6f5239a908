package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import (
	"strconv"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"

	"github.com/otelcol-aoai/otelcol-aoai/internal/conventions"
)

const (
	// DefaultServiceName is service.name when the record names no gateway.
	DefaultServiceName = "ai-gateway"

	attrMethodOriginal = "http.request.method_original"
	maxStatusMessage   = 1024
)

// knownMethods are the methods semantic conventions name; others are
// recorded as _OTHER with the original beside it.
var knownMethods = map[string]struct{}{
	"CONNECT": {}, "DELETE": {}, "GET": {}, "HEAD": {}, "OPTIONS": {},
	"PATCH": {}, "POST": {}, "PUT": {}, "QUERY": {}, "TRACE": {},
}

// statusTexts holds "100".."599" so that error.type costs no allocation.
var statusTexts = func() (t [600]string) {
	for i := 100; i < 600; i++ {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

// resourceGroup collects the spans of records from one gateway instance.
type resourceGroup struct {
	name, region, instance string
	spans                  ptrace.SpanSlice
}

// spansFor returns the span slice of the record's gateway, adding a
// resource for a gateway not seen yet in this body.
func (d *decodeState) spansFor(td ptrace.Traces) ptrace.SpanSlice {
	r := &d.rec
	name := r.gatewayName
	if name == "" {
		name = DefaultServiceName
	}
	for i := range d.groups {
		g := &d.groups[i]
		if g.name == name && g.region == r.gatewayRegion && g.instance == r.gatewayInst {
			return g.spans
		}
	}
	rs := td.ResourceSpans().AppendEmpty()
	attrs := rs.Resource().Attributes()
	attrs.PutStr(string(semconv.ServiceNameKey), name)
	if r.gatewayRegion != "" {
		attrs.PutStr(string(semconv.CloudRegionKey), r.gatewayRegion)
	}
	if r.gatewayInst != "" {
		attrs.PutStr(string(semconv.ServiceInstanceIDKey), r.gatewayInst)
	}
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName(d.opts.scopeName)
	ss.Scope().SetVersion(d.opts.scopeVersion)
	d.groups = append(d.groups, resourceGroup{name: name, region: r.gatewayRegion, instance: r.gatewayInst, spans: ss.Spans()})
	return ss.Spans()
}

// translate appends the span of the current (valid) record.
func (d *decodeState) translate(td ptrace.Traces, c *checked) {
	r := &d.rec
	fillCallerFromBearer(&r.caller, r.authorization)

	span := d.spansFor(td).AppendEmpty()
	d.setIdentity(span, c)
	attrs := span.Attributes()
	attrs.EnsureCapacity(24 + len(r.request.headers) + len(r.response.headers))
	d.putHTTP(span, attrs, c)
	d.putStatus(span, attrs)
	d.putCaller(attrs)
	d.putHeaders(attrs, &r.request)
	d.putHeaders(attrs, &r.response)
	d.putBodies(attrs)
}

// setIdentity gives the span its ids, kind and times. The ids derive from the
// record id (else apim-request-id) so that a record sent twice becomes the
// same span; a valid traceparent makes the span a child of the caller's.
func (d *decodeState) setIdentity(span ptrace.Span, c *checked) {
	r := &d.rec
	idKey := r.id
	if idKey == "" {
		idKey = r.apimRequestID
	}
	var traceID pcommon.TraceID
	var spanID pcommon.SpanID
	if idKey != "" {
		traceID, spanID = derivedIDs(idKey)
	} else {
		traceID, spanID = randomIDs()
	}
	if c.hasParent {
		traceID = c.parent.traceID
		span.SetParentSpanID(c.parent.spanID)
		span.SetFlags(uint32(c.parent.flags))
		if r.hdrTracestate != "" {
			span.TraceState().FromRaw(r.hdrTracestate)
		}
	}
	span.SetTraceID(traceID)
	span.SetSpanID(spanID)
	span.SetKind(ptrace.SpanKindClient)
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(r.start))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(c.end))
}

// putHTTP names the span and writes the HTTP client attributes: method, URL,
// server, status code and body sizes.
func (d *decodeState) putHTTP(span ptrace.Span, attrs pcommon.Map, c *checked) {
	r := &d.rec
	method := r.method
	if _, known := knownMethods[method]; known {
		span.SetName(spanName(method, c.url.path))
		attrs.PutStr(string(semconv.HTTPRequestMethodKey), method)
	} else {
		span.SetName(spanName("HTTP", c.url.path))
		attrs.PutStr(string(semconv.HTTPRequestMethodKey), "_OTHER")
		attrs.PutStr(attrMethodOriginal, method)
	}
	attrs.PutStr(string(semconv.URLFullKey), redactURL(&c.url))
	path := c.url.path
	if path == "" {
		path = "/"
	}
	attrs.PutStr(string(semconv.URLPathKey), path)
	attrs.PutStr(string(semconv.ServerAddressKey), c.url.host)
	if c.url.port != 0 {
		attrs.PutInt(string(semconv.ServerPortKey), c.url.port)
	}
	if r.hasStatus {
		attrs.PutInt(string(semconv.HTTPResponseStatusCodeKey), r.status)
	}
	if size, ok := bodySize(&r.request); ok {
		attrs.PutInt(string(semconv.HTTPRequestBodySizeKey), size)
	}
	if size, ok := bodySize(&r.response); ok {
		attrs.PutInt(string(semconv.HTTPResponseBodySizeKey), size)
	}
}

// putCaller writes who called the gateway, the record id and the time to
// first byte.
func (d *decodeState) putCaller(attrs pcommon.Map) {
	r := &d.rec
	putNonEmpty(attrs, string(semconv.ClientAddressKey), r.caller.ip)
	putNonEmpty(attrs, string(semconv.UserIDKey), r.caller.userID)
	putNonEmpty(attrs, conventions.GatewayCallerSubscriptionID, r.caller.subscriptionID)
	putNonEmpty(attrs, conventions.GatewayCallerSubscriptionName, r.caller.subscriptionName)
	putNonEmpty(attrs, conventions.GatewayCallerProduct, r.caller.product)
	putNonEmpty(attrs, conventions.GatewayCallerAppID, r.caller.appID)
	putNonEmpty(attrs, conventions.GatewayCallerObjectID, r.caller.objectID)
	putNonEmpty(attrs, conventions.GatewayCallerTenantID, r.caller.tenantID)
	putNonEmpty(attrs, conventions.GatewayRecordID, r.id)
	if r.hasTTFB {
		attrs.PutDouble(conventions.GatewayTimeToFirstByteMS, r.ttfbMS)
	}
}

// putBodies keeps both bodies for the processor (unless told to drop them)
// and marks the ones the gateway cut short.
func (d *decodeState) putBodies(attrs pcommon.Map) {
	r := &d.rec
	if !d.opts.dropBodies {
		putBody(attrs, conventions.GatewayRequestBody, &r.request)
		putBody(attrs, conventions.GatewayResponseBody, &r.response)
	}
	if r.request.truncated {
		attrs.PutBool(conventions.GatewayRequestBodyTruncated, true)
	}
	if r.response.truncated {
		attrs.PutBool(conventions.GatewayResponseBodyTruncated, true)
	}
}

// putStatus marks the span as failed when the gateway got no answer or the
// answer is an HTTP error, with error.type as semantic conventions say.
func (d *decodeState) putStatus(span ptrace.Span, attrs pcommon.Map) {
	r := &d.rec
	switch {
	case r.hasStatus && r.status >= 400:
		span.Status().SetCode(ptrace.StatusCodeError)
		attrs.PutStr(string(semconv.ErrorTypeKey), statusTexts[r.status])
		if r.errorText != "" {
			span.Status().SetMessage(capUTF8(r.errorText, maxStatusMessage))
		}
	case r.errorText != "":
		span.Status().SetCode(ptrace.StatusCodeError)
		span.Status().SetMessage(capUTF8(r.errorText, maxStatusMessage))
		attrs.PutStr(string(semconv.ErrorTypeKey), errorClass(r.errorText))
	}
}

func putNonEmpty(attrs pcommon.Map, key, value string) {
	if value != "" {
		attrs.PutStr(key, value)
	}
}

// putHeaders writes each captured header as a string array. A name sent
// twice in different cases becomes one attribute with all the values (the
// reader marked the second one, so only that rare case looks the first up).
func (d *decodeState) putHeaders(attrs pcommon.Map, m *message) {
	for _, h := range m.headers {
		values := d.rec.values[h.first : h.first+h.count]
		slice := pcommon.Slice{}
		if h.dup {
			if existing, ok := attrs.Get(h.key); ok && existing.Type() == pcommon.ValueTypeSlice {
				slice = existing.Slice()
			}
		}
		if slice == (pcommon.Slice{}) {
			slice = attrs.PutEmptySlice(h.key)
		}
		slice.EnsureCapacity(slice.Len() + len(values))
		for _, v := range values {
			slice.AppendEmpty().SetStr(v)
		}
	}
}

// bodySize is the body's length in bytes. A truncated body is not the whole
// body, so its size comes from Content-Length if the gateway kept that.
func bodySize(m *message) (int64, bool) {
	if !m.truncated {
		switch {
		case m.hasBodyBase64:
			return int64(len(m.bodyBytes)), true
		case m.hasBody:
			return int64(len(m.body)), true
		}
	}
	if m.contentLength != "" && len(m.contentLength) <= 18 && isInteger(m.contentLength) && m.contentLength[0] != '-' {
		n, err := strconv.ParseInt(m.contentLength, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// putBody keeps the body for the processor: text as a string, bytes that are
// not UTF-8 (sent as body_base64) as a bytes value.
func putBody(attrs pcommon.Map, key string, m *message) {
	switch {
	case m.hasBody && m.body != "":
		attrs.PutStr(key, m.body)
	case m.hasBodyBase64 && len(m.bodyBytes) > 0:
		if utf8.Valid(m.bodyBytes) {
			attrs.PutStr(key, string(m.bodyBytes))
		} else {
			attrs.PutEmptyBytes(key).FromRaw(m.bodyBytes)
		}
	}
}

// capUTF8 cuts s to at most n bytes without splitting a character.
func capUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
