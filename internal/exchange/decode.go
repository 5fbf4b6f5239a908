package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import (
	"strings"
	"sync"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Format is how records are framed in a body.
type Format int

const (
	// FormatJSON is one record object or a JSON array of records.
	FormatJSON Format = iota
	// FormatNDJSON is one record object per line; blank lines are ignored.
	FormatNDJSON
)

// MaxReportedErrors bounds Result.Errors: a body of a million bad records
// must not produce a million-entry answer. Result.Rejected still counts all.
const MaxReportedErrors = 100

// Result is what became of the records of one body.
type Result struct {
	// Traces holds one span per accepted record.
	Traces ptrace.Traces
	// Accepted and Rejected count records.
	Accepted int
	Rejected int
	// RejectedByReason counts the rejected records by Reason.
	RejectedByReason [NumReasons]int
	// ReplacedHeaderValues counts the header values of accepted records whose
	// bytes that are not UTF-8 became U+FFFD.
	ReplacedHeaderValues int
	// Errors describes the first MaxReportedErrors rejected records.
	Errors []RecordError
}

// Decoder reads bodies of exchange records into spans. It is safe for
// concurrent use.
type Decoder struct {
	opts   *compiledOptions
	states sync.Pool
}

// NewDecoder returns a decoder that translates with opts.
func NewDecoder(opts Options) *Decoder {
	d := &Decoder{opts: compileOptions(opts)}
	d.states.New = func() any { return &decodeState{opts: d.opts} }
	return d
}

// decodeState is the working memory of one Decode call, pooled so that its
// buffers are reused.
type decodeState struct {
	scanner
	opts     *compiledOptions
	rec      record
	nameBuf  []byte
	nameHash uint64
	groups   []resourceGroup
	rejected bool
	problem  RecordError
}

// Decode reads body. It returns a *BodyError when the body as a whole cannot
// be read (not JSON / NDJSON, or no record in it); otherwise the valid
// records are in Result.Traces and the invalid ones are counted and
// described.
func (dec *Decoder) Decode(body []byte, format Format) (Result, error) {
	return dec.DecodeString(string(body), format)
}

// DecodeString is Decode for a body already held as a string; the spans
// share its memory.
func (dec *Decoder) DecodeString(body string, format Format) (Result, error) {
	d := dec.states.Get().(*decodeState)
	defer func() {
		d.release()
		dec.states.Put(d)
	}()
	res := Result{Traces: ptrace.NewTraces()}
	var err error
	if format == FormatNDJSON {
		err = d.decodeNDJSON(body, &res)
	} else {
		err = d.decodeJSON(body, &res)
	}
	if err == nil && res.Accepted+res.Rejected == 0 {
		err = &BodyError{msg: "body holds no record"}
	}
	if err != nil {
		return Result{Traces: ptrace.NewTraces()}, err
	}
	return res, nil
}

// release drops references into the body before the state goes back to the
// pool, so that a pooled state does not keep a body alive.
func (d *decodeState) release() {
	d.rec.reset()
	clear(d.rec.values[:cap(d.rec.values)])
	clear(d.rec.authorization[:cap(d.rec.authorization)])
	clear(d.groups)
	d.groups = d.groups[:0]
	d.src, d.key = "", ""
}

func (d *decodeState) decodeJSON(body string, res *Result) error {
	d.reset(body, 0, len(body))
	if d.atEnd() {
		return &BodyError{msg: "body holds no record"}
	}
	switch d.peek() {
	case '[':
		d.pos++
		for first, index := true, 0; ; index++ {
			more, ok := d.element(&first)
			if !ok {
				return notJSON(d.err)
			}
			if !more {
				break
			}
			if !d.decodeOne(index, res, false) {
				return notJSON(d.err)
			}
		}
	default:
		if !d.decodeOne(0, res, false) {
			return notJSON(d.err)
		}
	}
	if !d.atEnd() {
		d.fail("unexpected data after the JSON value")
		return notJSON(d.err)
	}
	return nil
}

func notJSON(err *syntaxError) error {
	return &BodyError{msg: "body is not valid JSON: " + err.Error()}
}

func (d *decodeState) decodeNDJSON(body string, res *Result) error {
	index := 0
	for lineStart := 0; lineStart < len(body); {
		lineEnd := strings.IndexByte(body[lineStart:], '\n')
		if lineEnd < 0 {
			lineEnd = len(body)
		} else {
			lineEnd += lineStart
		}
		d.reset(body, lineStart, lineEnd)
		lineStart = lineEnd + 1
		if d.atEnd() {
			continue // blank line
		}
		if !d.decodeOne(index, res, true) {
			// A line that is not JSON costs only its own record.
			d.addError(res, RecordError{Index: index, Reason: ReasonInvalidJSON, Problem: "not valid JSON: " + d.err.Error()})
		}
		index++
	}
	return nil
}

// decodeOne reads the value at d.pos as record index. It returns false on a
// syntax error, or, with wholeLine, on data after the value; a record with a
// wrong field is counted and described.
func (d *decodeState) decodeOne(index int, res *Result, wholeLine bool) bool {
	d.rec.reset()
	d.rejected = false
	isObject := d.peek() == '{'
	if isObject {
		if !d.readRecord() {
			return false
		}
	} else if _, ok := d.skipValue(0); !ok {
		return false
	}
	if wholeLine && !d.atEnd() {
		return d.fail("unexpected data after the record")
	}
	if !isObject {
		d.addError(res, RecordError{Index: index, Reason: ReasonInvalidJSON, Problem: "must be a JSON object"})
		return true
	}
	var c checked
	if !d.rejected {
		c = d.validate()
	}
	if d.rejected {
		d.problem.Index = index
		d.addError(res, d.problem)
		return true
	}
	d.translate(res.Traces, &c)
	res.Accepted++
	res.ReplacedHeaderValues += d.rec.replacedValues
	return true
}

func (d *decodeState) addError(res *Result, e RecordError) {
	res.Rejected++
	res.RejectedByReason[e.Reason]++
	if len(res.Errors) < MaxReportedErrors {
		res.Errors = append(res.Errors, e)
	}
}
