package fakeloganalytics // import "github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"

import (
	"net/http"
	"time"
)

// Fault makes the fake answer one query the way Log Analytics fails.
type Fault struct {
	// Status answers with this HTTP status and a OneAPI error body
	// ({"error":{"code","message","correlationId",...}}).
	Status int
	// Code and Message override the error body's defaults for Status.
	Code    string
	Message string
	// RetryAfter sets the Retry-After header, in whole seconds.
	RetryAfter time.Duration

	// Partial answers 200 with both tables and an error of code PartialError,
	// as the API does when a query half fails. PartialRows is how many of the
	// matching rows the tables still hold.
	Partial     bool
	PartialRows int

	// Malformed answers 200 with a JSON body cut short.
	Malformed bool

	// Hang never answers: the handler waits until the client gives up (or the
	// server closes), which is how a client timeout is tested without sleeping.
	Hang bool

	// NoContent answers 204, which the API documents for a workspace without data.
	NoContent bool
}

// InternalError is a 500 with the API's error body.
func InternalError() Fault { return Fault{Status: http.StatusInternalServerError} }

// Throttled is a 429 with Retry-After, as the API answers over its rate limit.
func Throttled(retryAfter time.Duration) Fault {
	return Fault{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// PartialError is a 200 that carries keepRows of the matching rows and an error.
func PartialError(keepRows int) Fault { return Fault{Partial: true, PartialRows: keepRows} }

// MalformedJSON is a 200 whose body is not valid JSON.
func MalformedJSON() Fault { return Fault{Malformed: true} }

// Hang is an answer that never comes.
func Hang() Fault { return Fault{Hang: true} }

// defaultErrorCode is the code the API uses for each status (the Log
// Analytics API's errors page, MicrosoftDocs/azure-monitor-docs
// articles/azure-monitor/logs/api/errors.md).
func defaultErrorCode(status int) (code, message string) {
	if e, ok := errorCodes[status]; ok {
		return e.code, e.message
	}
	return "InternalServerError", "An internal error occurred while processing your request"
}

var errorCodes = map[int]struct{ code, message string }{
	http.StatusBadRequest:         {"BadArgumentError", "The request had some invalid properties"},
	http.StatusUnauthorized:       {"AuthenticationFailed", "Valid authentication was not provided"},
	http.StatusForbidden:          {"InsufficientAccessError", "The provided credentials have insufficient access to perform the requested operation"},
	http.StatusNotFound:           {"PathNotFoundError", "The requested path does not exist"},
	http.StatusTooManyRequests:    {"ThrottledError", "Your request was throttled. Please retry later."},
	http.StatusServiceUnavailable: {"ServiceUnavailableError", "The service is temporarily unavailable"},
	http.StatusGatewayTimeout:     {"GatewayTimeout", "The query took too long to run"},
}

// errorBody is the OneAPI error object the API answers failures with; the shape
// of testdata/recordings/azure-sdk-for-go/TestQueryWorkspace_BasicQueryFailure.json.
type errorBody struct {
	Error errorObject `json:"error"`
}

type errorObject struct {
	Message       string        `json:"message"`
	Code          string        `json:"code"`
	CorrelationID string        `json:"correlationId,omitempty"`
	Details       []errorDetail `json:"details,omitempty"`
	InnerError    *innerError   `json:"innererror,omitempty"`
}

type errorDetail struct {
	Code       string      `json:"code"`
	Message    string      `json:"message"`
	InnerError *innerError `json:"innererror,omitempty"`
}

type innerError struct {
	Code         string      `json:"code"`
	Message      string      `json:"message"`
	Severity     int         `json:"severity,omitempty"`
	SeverityName string      `json:"severityName,omitempty"`
	Line         int         `json:"line,omitempty"`
	Pos          int         `json:"pos,omitempty"`
	InnerError   *innerError `json:"innererror,omitempty"`
}

// partialErrorObject is the error part of a 200 partial answer, the shape of
// testdata/recordings/azure-sdk-for-go/TestQueryWorkspace_PartialError.json.
func partialErrorObject() *errorObject {
	return &errorObject{
		Code:    "PartialError",
		Message: "There were some errors when processing your query.",
		Details: []errorDetail{{
			Code:    "EngineError",
			Message: "Something went wrong processing your query on the server.",
			InnerError: &innerError{
				Code:         "-2133196788",
				Message:      "The query was cancelled on one of the cluster nodes; results may be incomplete (fake Log Analytics).",
				Severity:     2,
				SeverityName: "Error",
			},
		}},
	}
}
