package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	// maxHeadersPerMessage bounds the headers of a request or a response.
	// Real exchanges carry 10 to 40; a few hundred is already abuse.
	maxHeadersPerMessage = 256
	// maxValuesPerHeader bounds the values of one header name.
	maxValuesPerHeader = 64
)

// header is one captured header: its attribute key (already lower-cased and
// prefixed) and its values, a window of record.values.
type header struct {
	key          string
	first, count int
	nameHash     uint64
	// dup marks a name already seen in another case: its values join the
	// first one's attribute.
	dup bool
}

// message is the request or the response side of a record.
type message struct {
	present       bool
	headers       []header
	body          string // text body, or the JSON text of a non-string body
	hasBody       bool
	bodyBytes     []byte // decoded body_base64
	hasBodyBase64 bool
	truncated     bool
	contentLength string // for the size of a truncated body
}

func (m *message) reset() {
	*m = message{headers: m.headers[:0]}
}

// record is one exchange record as read from JSON, before validation. It is
// reused from record to record; strings point into the body.
type record struct {
	id string
	// replacedValues counts header values whose invalid bytes became U+FFFD.
	replacedValues int
	start, end     time.Time
	hasStart       bool
	hasEnd         bool
	durationMS     float64
	hasDuration    bool
	ttfbMS         float64
	hasTTFB        bool
	traceparent    string
	gatewayName    string
	gatewayRegion  string
	gatewayInst    string
	caller         caller
	method         string
	url            string
	request        message
	response       message
	status         int64
	hasStatus      bool
	errorText      string

	values []string // header values of both messages

	// Read from headers that are not (or may not be) captured.
	authorization  []string
	hdrTraceparent string
	hdrTracestate  string
	apimRequestID  string
}

// caller is what the gateway knows of the caller.
type caller struct {
	ip, subscriptionID, subscriptionName, product string
	appID, objectID, tenantID, userID             string
}

func (r *record) reset() {
	req, resp := r.request, r.response
	req.reset()
	resp.reset()
	*r = record{
		request:       req,
		response:      resp,
		values:        r.values[:0],
		authorization: r.authorization[:0],
	}
}

// fieldNames holds the JSON paths of one message's fields, so that error
// messages need no string building.
type fieldNames struct {
	self, headers, body, bodyBase64, bodyTruncated, status, method, url string
}

var (
	requestFields = fieldNames{
		self: "request", headers: "request.headers", body: "request.body",
		bodyBase64: "request.body_base64", bodyTruncated: "request.body_truncated",
		method: "request.method", url: "request.url",
	}
	responseFields = fieldNames{
		self: "response", headers: "response.headers", body: "response.body",
		bodyBase64: "response.body_base64", bodyTruncated: "response.body_truncated",
		status: "response.status",
	}
)

// readRecord reads the object at s.pos into d.rec. It returns false on a
// syntax error (d.err). A field that is present but wrong is noted with
// d.reject and the reading goes on, so that the end of the record is found.
func (d *decodeState) readRecord() bool {
	d.pos++ // '{'
	for first := true; ; {
		found, ok := d.member(&first, true)
		if !ok {
			return false
		}
		if !found {
			return true
		}
		switch d.key {
		case "version":
			d.readVersion()
		case "id":
			d.rec.id, _ = d.readString("id")
		case "start_time":
			d.rec.start, d.rec.hasStart = d.readTime("start_time")
		case "end_time":
			d.rec.end, d.rec.hasEnd = d.readTime("end_time")
		case "duration_ms":
			d.rec.durationMS, d.rec.hasDuration = d.readNonNegative("duration_ms")
		case "time_to_first_byte_ms":
			d.rec.ttfbMS, d.rec.hasTTFB = d.readNonNegative("time_to_first_byte_ms")
		case "traceparent":
			d.rec.traceparent, _ = d.readString("traceparent")
		case "gateway":
			d.readGateway()
		case "caller":
			d.readCaller()
		case "request":
			d.readMessage(&d.rec.request, &requestFields)
		case "response":
			d.readMessage(&d.rec.response, &responseFields)
		case "error":
			d.rec.errorText = redactErrorText(d.readString("error"))
		default:
			d.skip() // unknown fields are ignored: forward compatibility
		}
		if d.err != nil {
			return false
		}
	}
}

// reject notes the first problem of the record; the record will not become
// a span.
func (d *decodeState) reject(field string, reason Reason, problem string) {
	if !d.rejected {
		d.rejected = true
		d.problem = RecordError{Field: field, Reason: reason, Problem: problem}
	}
}

func (d *decodeState) skip() {
	d.skipValue(0)
}

func (d *decodeState) readString(field string) (string, bool) {
	switch d.peek() {
	case '"':
		v, valid, ok := d.scanString(true)
		if !ok {
			return "", false
		}
		if !valid {
			d.reject(field, ReasonInvalidField, "not valid UTF-8")
			return "", false
		}
		return v, true
	case 'n':
		d.scanLiteral("null")
		return "", false
	default:
		d.reject(field, ReasonInvalidField, "must be a string")
		d.skip()
		return "", false
	}
}

func (d *decodeState) readBool(field string) bool {
	switch d.peek() {
	case 't':
		return d.scanLiteral("true")
	case 'f':
		d.scanLiteral("false")
		return false
	case 'n':
		d.scanLiteral("null")
		return false
	default:
		d.reject(field, ReasonInvalidField, "must be true or false")
		d.skip()
		return false
	}
}

// readNumberText returns the text of a JSON number; a number in a string is
// refused, as the format says.
func (d *decodeState) readNumberText(field, problem string) (string, bool) {
	switch c := d.peek(); {
	case c == '-' || (c >= '0' && c <= '9'):
		return d.scanNumber()
	case c == 'n':
		d.scanLiteral("null")
		return "", false
	default:
		d.reject(field, ReasonInvalidField, problem)
		d.skip()
		return "", false
	}
}

func (d *decodeState) readNonNegative(field string) (float64, bool) {
	const problem = "must be a number >= 0"
	text, ok := d.readNumberText(field, problem)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || v < 0 {
		d.reject(field, ReasonInvalidField, problem)
		return 0, false
	}
	return v, true
}

func (d *decodeState) readVersion() {
	text, ok := d.readNumberText("version", "must be an integer")
	if !ok {
		return
	}
	if text == "1" {
		return
	}
	if !isInteger(text) {
		d.reject("version", ReasonInvalidField, "must be an integer")
		return
	}
	if len(text) > 20 {
		text = text[:20] + "..."
	}
	d.reject("version", ReasonUnsupportedVersion, "version "+text+" is not supported; this receiver reads version 1")
}

func isInteger(text string) bool {
	for i := 0; i < len(text); i++ {
		if c := text[i]; (c < '0' || c > '9') && !(i == 0 && c == '-') {
			return false
		}
	}
	return text != "" && text != "-"
}

func (d *decodeState) readStatus(field string) (int64, bool) {
	const problem = "must be an integer 100-599"
	text, ok := d.readNumberText(field, problem)
	if !ok {
		return 0, false
	}
	if len(text) != 3 || !isInteger(text) || text[0] < '1' || text[0] > '5' {
		d.reject(field, ReasonInvalidField, problem)
		return 0, false
	}
	return int64(text[0]-'0')*100 + int64(text[1]-'0')*10 + int64(text[2]-'0'), true
}

func (d *decodeState) readTime(field string) (time.Time, bool) {
	text, ok := d.readString(field)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		d.reject(field, ReasonInvalidField, "must be an RFC 3339 time such as 2026-11-20T09:14:03.120Z")
		return time.Time{}, false
	}
	return t, true
}

// enterObject consumes '{', or notes that field must be an object and skips
// the value. A null is an absent object.
func (d *decodeState) enterObject(field string) bool {
	switch d.peek() {
	case '{':
		d.pos++
		return true
	case 'n':
		d.scanLiteral("null")
		return false
	default:
		d.reject(field, ReasonInvalidField, "must be an object")
		d.skip()
		return false
	}
}

func (d *decodeState) readGateway() {
	if !d.enterObject("gateway") {
		return
	}
	for first := true; ; {
		if found, ok := d.member(&first, true); !ok || !found {
			return
		}
		switch d.key {
		case "name":
			d.rec.gatewayName, _ = d.readString("gateway.name")
		case "region":
			d.rec.gatewayRegion, _ = d.readString("gateway.region")
		case "instance":
			d.rec.gatewayInst, _ = d.readString("gateway.instance")
		default:
			d.skip()
		}
		if d.err != nil {
			return
		}
	}
}

func (d *decodeState) readCaller() {
	if !d.enterObject("caller") {
		return
	}
	c := &d.rec.caller
	for first := true; ; {
		if found, ok := d.member(&first, true); !ok || !found {
			return
		}
		switch d.key {
		case "ip":
			c.ip, _ = d.readString("caller.ip")
		case "subscription_id":
			c.subscriptionID, _ = d.readString("caller.subscription_id")
		case "subscription_name":
			c.subscriptionName, _ = d.readString("caller.subscription_name")
		case "product":
			c.product, _ = d.readString("caller.product")
		case "app_id":
			c.appID, _ = d.readString("caller.app_id")
		case "object_id":
			c.objectID, _ = d.readString("caller.object_id")
		case "tenant_id":
			c.tenantID, _ = d.readString("caller.tenant_id")
		case "user_id":
			c.userID, _ = d.readString("caller.user_id")
		default:
			d.skip()
		}
		if d.err != nil {
			return
		}
	}
}

func (d *decodeState) readMessage(m *message, names *fieldNames) {
	if !d.enterObject(names.self) {
		return
	}
	m.present = true
	for first := true; ; {
		if found, ok := d.member(&first, true); !ok || !found {
			return
		}
		switch d.key {
		case "headers":
			d.readHeaders(m, names)
		case "body":
			d.readBody(m, names)
		case "body_base64":
			d.readBodyBase64(m, names)
		case "body_truncated":
			m.truncated = d.readBool(names.bodyTruncated)
		case "status":
			if names.status != "" {
				d.rec.status, d.rec.hasStatus = d.readStatus(names.status)
			} else {
				d.skip()
			}
		case "method":
			if names.method != "" {
				d.rec.method, _ = d.readString(names.method)
			} else {
				d.skip()
			}
		case "url":
			if names.url != "" {
				d.rec.url, _ = d.readString(names.url)
			} else {
				d.skip()
			}
		default:
			d.skip()
		}
		if d.err != nil {
			return
		}
	}
}

// readBody keeps a string body as its text and any other JSON value as its
// JSON text.
func (d *decodeState) readBody(m *message, names *fieldNames) {
	switch d.peek() {
	case 'n':
		d.scanLiteral("null")
	case '"':
		v, valid, ok := d.scanString(true)
		if !ok {
			return
		}
		if !valid {
			d.reject(names.body, ReasonInvalidField, "not valid UTF-8; send bytes that are not text as body_base64")
			return
		}
		m.body, m.hasBody = v, true
	default:
		start := d.pos
		valid, ok := d.skipValue(0)
		if !ok {
			return
		}
		if !valid {
			d.reject(names.body, ReasonInvalidField, "not valid UTF-8; send bytes that are not text as body_base64")
			return
		}
		m.body, m.hasBody = d.src[start:d.pos], true
	}
	if m.hasBody && m.hasBodyBase64 {
		d.reject(names.bodyBase64, ReasonInvalidField, "cannot be combined with body")
	}
}

func (d *decodeState) readBodyBase64(m *message, names *fieldNames) {
	text, ok := d.readString(names.bodyBase64)
	if !ok {
		return
	}
	decoded, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		decoded, err = base64.RawStdEncoding.DecodeString(text)
	}
	if err != nil {
		d.reject(names.bodyBase64, ReasonInvalidField, "not valid base64")
		return
	}
	m.bodyBytes, m.hasBodyBase64 = decoded, true
	if m.hasBody {
		d.reject(names.bodyBase64, ReasonInvalidField, "cannot be combined with body")
	}
}

// readHeaders reads name → string or array of strings. Credential headers
// are taken aside (authorization for its claims) or dropped here, before
// anything could echo them; the rest are kept if the capture list allows.
func (d *decodeState) readHeaders(m *message, names *fieldNames) {
	if !d.enterObject(names.headers) {
		return
	}
	isRequest := names == &requestFields
	for first := true; ; {
		if found, ok := d.member(&first, true); !ok || !found {
			return
		}
		lower, ok := d.lowerHeaderName(d.key)
		if !ok {
			d.reject(names.headers, ReasonInvalidField, "a header name is not an HTTP token")
			d.skip()
			continue
		}
		if len(m.headers) >= maxHeadersPerMessage {
			d.reject(names.headers, ReasonTooLarge, "more than "+strconv.Itoa(maxHeadersPerMessage)+" headers")
			d.skip()
			continue
		}
		firstValue := len(d.rec.values)
		if !d.readHeaderValues(names.headers, lower) {
			d.rec.values = d.rec.values[:firstValue]
			if d.err != nil {
				return
			}
			continue
		}
		values := d.rec.values[firstValue:]
		if len(values) == 0 {
			continue
		}
		d.noteOwnHeader(m, isRequest, lower, values[0])
		if !d.keepHeader(isRequest, lower, values) {
			d.rec.values = d.rec.values[:firstValue]
			continue
		}
		m.headers = append(m.headers, d.capturedHeader(m, isRequest, lower, firstValue, len(values)))
	}
}

// noteOwnHeader keeps the headers this package reads for itself, whether
// captured or not.
func (d *decodeState) noteOwnHeader(m *message, isRequest bool, lower []byte, value string) {
	switch {
	case isRequest && string(lower) == "traceparent":
		d.rec.hdrTraceparent = value
	case isRequest && string(lower) == "tracestate":
		d.rec.hdrTracestate = value
	case !isRequest && string(lower) == "apim-request-id":
		d.rec.apimRequestID = value
	case string(lower) == "content-length":
		m.contentLength = value
	}
}

// keepHeader tells whether a header becomes an attribute: never a credential
// (the request's authorization is taken aside for its claims) nor a
// redacted name, and only what the capture list allows.
func (d *decodeState) keepHeader(isRequest bool, lower []byte, values []string) bool {
	if isCredentialHeader(lower) || d.opts.redacted(lower) {
		if isRequest && string(lower) == "authorization" {
			d.rec.authorization = append(d.rec.authorization, values...)
		}
		return false
	}
	return d.opts.captured(lower)
}

// capturedHeader is the header's entry; a name the message already has in
// another case shares that attribute key.
func (d *decodeState) capturedHeader(m *message, isRequest bool, lower []byte, first, count int) header {
	h := header{first: first, count: count, nameHash: d.nameHash}
	for i := range m.headers {
		if m.headers[i].nameHash == h.nameHash && m.headers[i].key[len(headerPrefix(isRequest)):] == string(lower) {
			h.key, h.dup = m.headers[i].key, true
			return h
		}
	}
	h.key = headerAttributeKey(isRequest, lower)
	return h
}

// headerText returns a header value as UTF-8 text. HTTP lets a field value
// carry bytes outside ASCII (RFC 9110 §5.5, obs-text, often Latin-1 from a
// proxy), and a gateway that copies them into its record sends JSON that is
// not UTF-8. Refusing the record would lose the call for one byte: the bytes
// that are not UTF-8 become U+FFFD, and are counted.
func (d *decodeState) headerText(v string, valid bool) string {
	if valid {
		return v
	}
	d.rec.replacedValues++
	return strings.ToValidUTF8(v, "\uFFFD")
}

// readHeaderValues appends the values of one header to d.rec.values. Error
// messages name the header but never quote a value.
func (d *decodeState) readHeaderValues(field string, lower []byte) bool {
	switch d.peek() {
	case '"':
		v, valid, ok := d.scanString(true)
		if !ok {
			return false
		}
		d.rec.values = append(d.rec.values, d.headerText(v, valid))
		return true
	case '[':
		d.pos++
		n := 0
		good := true
		for first := true; ; {
			more, ok := d.element(&first)
			if !ok {
				return false
			}
			if !more {
				return good
			}
			if d.peek() != '"' {
				if good {
					d.reject(headerField(field, lower), ReasonInvalidField, "must be a string or an array of strings")
				}
				good = false
				if _, ok := d.skipValue(1); !ok {
					return false
				}
				continue
			}
			v, valid, ok := d.scanString(true)
			if !ok {
				return false
			}
			if n++; n > maxValuesPerHeader && good {
				d.reject(headerField(field, lower), ReasonTooLarge, "more than "+strconv.Itoa(maxValuesPerHeader)+" values")
				good = false
			}
			if good {
				d.rec.values = append(d.rec.values, d.headerText(v, valid))
			}
		}
	case 'n':
		d.scanLiteral("null")
		return false
	default:
		d.reject(headerField(field, lower), ReasonInvalidField, "must be a string or an array of strings")
		d.skip()
		return false
	}
}

// headerField names a header in an error message, cut short: a name is not
// a secret, but it is the sender's text.
func headerField(field string, lower []byte) string {
	const maxName = 64
	if len(lower) > maxName {
		return field + "." + string(lower[:maxName]) + "..."
	}
	return field + "." + string(lower)
}

// lowerHeaderName lower-cases an HTTP header name into d.nameBuf, checks
// that it is a token (RFC 9110 §5.6.2), and leaves its hash in d.nameHash
// so that names seen twice are found without comparing strings.
func (d *decodeState) lowerHeaderName(name string) ([]byte, bool) {
	if name == "" || len(name) > 256 {
		return nil, false
	}
	buf := d.nameBuf[:0]
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= utf8.RuneSelf || !tokenChars[c] {
			return nil, false
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
		h = (h ^ uint64(c)) * 0x100000001b3
	}
	d.nameBuf, d.nameHash = buf, h
	return buf, true
}

// tokenChars are the bytes allowed in an HTTP token.
var tokenChars = func() (t [utf8.RuneSelf]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
