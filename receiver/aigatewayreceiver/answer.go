package aigatewayreceiver // import "github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver"

import (
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
)

// The answers of the README, written by hand: they are small, and
// the 200 answer is on the hot path.

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// writeError answers {"error": "..."}.
func writeError(w http.ResponseWriter, status int, msg string) {
	buf := make([]byte, 0, len(msg)+16)
	buf = append(buf, `{"error":`...)
	buf = appendJSONString(buf, msg)
	buf = append(buf, "}\n"...)
	writeJSON(w, status, buf)
}

// writeRecordsAnswer answers {"accepted": N, "rejected": M, "errors": [...]},
// with "error" first when msg is set.
func writeRecordsAnswer(w http.ResponseWriter, status int, msg string, res *exchange.Result) {
	buf := make([]byte, 0, 64+len(res.Errors)*96)
	buf = append(buf, '{')
	if msg != "" {
		buf = append(buf, `"error":`...)
		buf = appendJSONString(buf, msg)
		buf = append(buf, ',')
	}
	buf = append(buf, `"accepted":`...)
	buf = strconv.AppendInt(buf, int64(res.Accepted), 10)
	buf = append(buf, `,"rejected":`...)
	buf = strconv.AppendInt(buf, int64(res.Rejected), 10)
	if len(res.Errors) > 0 {
		buf = append(buf, `,"errors":[`...)
		for i, e := range res.Errors {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, `{"index":`...)
			buf = strconv.AppendInt(buf, int64(e.Index), 10)
			buf = append(buf, `,"message":`...)
			buf = appendJSONString(buf, e.Error())
			buf = append(buf, '}')
		}
		buf = append(buf, ']')
	}
	buf = append(buf, "}\n"...)
	writeJSON(w, status, buf)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		buf = utf8.AppendRune(buf, r)
		i += size
	}
	return append(buf, '"')
}
