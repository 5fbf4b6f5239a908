// Package sse splits a Server-Sent Events body into events, following the
// WHATWG event-stream rules that matter for model streams: "data:" lines
// (several lines of one event are joined with "\n"), "event:" names, comments,
// and any of CRLF, LF or CR as line ends. A stream cut in the middle of an
// event still yields the data it got.
package sse // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/sse"

import "bytes"

// Event is one dispatched event. Data aliases the body when the event had a
// single data line, else the Reader's scratch buffer; either way it is only
// valid until the next call to Next.
type Event struct {
	Name []byte
	Data []byte
}

// Done reports whether the event is OpenAI's end-of-stream marker.
func (e Event) Done() bool { return string(bytes.TrimSpace(e.Data)) == "[DONE]" }

// Reader iterates the events of one body. Only one event is held at a time:
// the scratch buffer grows to the largest multi-line event, never with the
// number of events.
type Reader struct {
	body []byte
	pos  int
	buf  []byte
}

// Reset points the reader at body, keeping the scratch buffer.
func (r *Reader) Reset(body []byte) {
	r.body = body
	r.pos = 0
	r.buf = r.buf[:0]
}

// LooksLikeStream reports whether body starts (after blank space) with an SSE
// field line, which tells a stream apart from a JSON body.
func LooksLikeStream(body []byte) bool {
	body = bytes.TrimLeft(body, " \t\r\n")
	return bytes.HasPrefix(body, []byte("data:")) || bytes.HasPrefix(body, []byte("event:")) ||
		bytes.HasPrefix(body, []byte(":")) || bytes.HasPrefix(body, []byte("id:")) ||
		bytes.HasPrefix(body, []byte("retry:"))
}

// Next returns the next event that carries data. It returns false at the end
// of the body.
func (r *Reader) Next() (Event, bool) {
	var (
		ev        Event
		single    []byte
		dataLines int
	)
	for r.pos < len(r.body) {
		line := r.readLine()
		if len(line) == 0 {
			if dataLines > 0 {
				return r.dispatch(ev, single, dataLines), true
			}
			ev.Name = nil
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) {
		case "data":
			switch dataLines {
			case 0:
				single = value
			case 1:
				r.buf = append(append(append(r.buf[:0], single...), '\n'), value...)
			default:
				r.buf = append(append(r.buf, '\n'), value...)
			}
			dataLines++
		case "event":
			ev.Name = value
		}
	}
	if dataLines > 0 {
		return r.dispatch(ev, single, dataLines), true
	}
	return Event{}, false
}

func (r *Reader) dispatch(ev Event, single []byte, dataLines int) Event {
	if dataLines == 1 {
		ev.Data = single
	} else {
		ev.Data = r.buf
	}
	return ev
}

// readLine returns the next line without its end (CRLF, LF or CR). Two
// vectorised byte searches beat a byte-by-byte scan for either end.
func (r *Reader) readLine() []byte {
	rest := r.body[r.pos:]
	end := bytes.IndexByte(rest, '\n')
	scope := rest
	if end >= 0 {
		scope = rest[:end]
	}
	if cr := bytes.IndexByte(scope, '\r'); cr >= 0 {
		r.pos += cr + 1
		if cr+1 < len(rest) && rest[cr+1] == '\n' {
			r.pos++
		}
		return rest[:cr]
	}
	if end < 0 {
		r.pos = len(r.body)
		return rest
	}
	r.pos += end + 1
	return rest[:end]
}
