package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import "strconv"

// Reason classifies why a record was rejected. The set is small and fixed so
// that it can label a metric.
type Reason int

const (
	// ReasonInvalidJSON: the record is not a JSON object (or, in NDJSON, its
	// line is not JSON at all).
	ReasonInvalidJSON Reason = iota
	// ReasonMissingField: a required field is absent.
	ReasonMissingField
	// ReasonInvalidField: a field has the wrong type or an impossible value.
	ReasonInvalidField
	// ReasonUnsupportedVersion: the record's version is not 1.
	ReasonUnsupportedVersion
	// ReasonTooLarge: the record passes a bound this package keeps (header
	// count, values per header).
	ReasonTooLarge

	// NumReasons is the number of reasons, for arrays indexed by Reason.
	NumReasons = int(ReasonTooLarge) + 1
)

var reasonNames = [NumReasons]string{
	ReasonInvalidJSON:        "invalid_json",
	ReasonMissingField:       "missing_field",
	ReasonInvalidField:       "invalid_field",
	ReasonUnsupportedVersion: "unsupported_version",
	ReasonTooLarge:           "too_large",
}

// String returns the reason as a metric attribute value.
func (r Reason) String() string {
	if r < 0 || int(r) >= NumReasons {
		return "unknown"
	}
	return reasonNames[r]
}

// RecordError says why one record was rejected. Its message names the record
// index and the field, never a field's value: values may be credentials.
type RecordError struct {
	// Index is the record's position in the body, from 0 (for NDJSON, among
	// the non-blank lines).
	Index int
	// Field is the JSON path of the field at fault, e.g. "response.status";
	// empty when the record as a whole is at fault.
	Field string
	// Reason classifies the error.
	Reason Reason
	// Problem says what is wrong, e.g. "must be an integer 100-599".
	Problem string
}

// Error returns e.g. "record 3: response.status: must be an integer 100-599".
func (e RecordError) Error() string {
	msg := "record " + strconv.Itoa(e.Index) + ": "
	if e.Field != "" {
		msg += e.Field + ": "
	}
	return msg + e.Problem
}

// BodyError means the body as a whole cannot be read: it is not JSON / NDJSON
// or it holds no record. Nothing in it was accepted.
type BodyError struct {
	msg string
}

func (e *BodyError) Error() string { return e.msg }
