package azureopenaiprocessor // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor"

import (
	"bytes"
	"errors"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/bodies"
)

// Bodies are read as the gateway recorded them: a gateway that keeps the
// bytes that went over the wire keeps them compressed (SDKs send
// Accept-Encoding: gzip), with the message's Content-Encoding header beside
// them. The processor undoes that coding before parsing, for spans of the
// ai_gateway receiver and of any other source alike.

const (
	attrRequestContentEncoding = "http.request.header.content-encoding"
	headerContentEncoding      = "content-encoding"
)

// contentEncoding returns a Content-Encoding header attribute as one list:
// the values of a string array joined with commas, or the string.
func contentEncoding(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str()
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		if s.Len() == 1 {
			return s.At(0).AsString()
		}
		parts := make([]string, s.Len())
		for i := range parts {
			parts[i] = s.At(i).AsString()
		}
		return strings.Join(parts, ",")
	}
	return ""
}

// decodedRequest undoes the request body's content coding; false when there
// is no request body to read, or it cannot be decoded (counted).
func (l *lifter) decodedRequest(out *outcome) bool {
	v := &l.view
	return v.hasRequest && l.decodeBody(&l.requestDecoder, &v.requestBody, v.requestEncoding, &out.requestUndecodable)
}

// decodedResponse is decodedRequest for the response body.
func (l *lifter) decodedResponse(out *outcome) bool {
	v := &l.view
	return v.hasResponse && l.decodeBody(&l.responseDecoder, &v.responseBody, v.responseEncoding, &out.responseUndecodable)
}

func (l *lifter) decodeBody(dec *bodies.Decoder, body *[]byte, encoding string, failed *bool) bool {
	if bodies.IsIdentity(encoding) {
		return true
	}
	decoded, err := dec.Decode(*body, encoding, l.cfg.MaxDecompressedBodySize)
	if err != nil && !errors.Is(err, bodies.ErrTooLarge) && looksDecoded(*body) {
		// A gateway that logs the body its HTTP client already decoded but
		// keeps the original headers: the body is read as it is.
		return true
	}
	if err != nil {
		*body, *failed = nil, true
		return false
	}
	*body = decoded
	return true
}

// looksDecoded reports whether a body that failed to decode starts like
// the JSON or server-sent events it would decode to.
func looksDecoded(body []byte) bool {
	body = bytes.TrimLeft(body, " \t\r\n")
	return len(body) > 0 && (body[0] == '{' || body[0] == '[') ||
		bytes.HasPrefix(body, []byte("data:")) || bytes.HasPrefix(body, []byte("event:"))
}
