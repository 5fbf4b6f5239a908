package aigatewayreceiver // import "github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver"

import (
	"errors"
	"net/http"
	"strings"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

var (
	errMethodNotAllowed     = errors.New("method not allowed")
	errUnsupportedMediaType = errors.New("unsupported media type")
	errNoValidRecord        = errors.New("no valid record")
)

// retryAfterSeconds is the Retry-After of 429 and 503 answers: the memory
// limiter checks memory every second by default, and a downstream queue
// drains on the same scale.
const retryAfterSeconds = "1"

// memoryLimiterRefusal is the text of the memory limiter's refusal
// (internal/memorylimiter.ErrDataRefused, not importable); the limiter
// returns it as a plain retryable error.
const memoryLimiterRefusal = "data refused due to high memory usage"

// pipelineStatus maps the error of ConsumeTraces to an answer, the way core's
// otlp receiver does (internal/errors), plus 429 for the memory limiter:
//   - a gRPC status error keeps its meaning (ResourceExhausted → 429,
//     Unavailable and the other retryable codes → 503, InvalidArgument →
//     400, ...);
//   - the memory limiter's refusal → 429 (slow down, then resend);
//   - any other retryable error → 503;
//   - a permanent error → 500: the records were valid, a later component
//     refused them for good, and resending will not help.
//
// 429 and 503 carry Retry-After.
func pipelineStatus(err error) (int, string) {
	if s, ok := status.FromError(err); ok {
		code := httpStatusOfGRPC(s.Code())
		if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
			return code, retryAfterSeconds
		}
		return code, ""
	}
	if consumererror.IsPermanent(err) {
		return http.StatusInternalServerError, ""
	}
	if isMemoryLimiterRefusal(err) {
		return http.StatusTooManyRequests, retryAfterSeconds
	}
	return http.StatusServiceUnavailable, retryAfterSeconds
}

func isMemoryLimiterRefusal(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), memoryLimiterRefusal) {
			return true
		}
	}
	return false
}

// httpStatusOfGRPC is core otlpreceiver's GetHTTPStatusCodeFromStatus.
func httpStatusOfGRPC(code codes.Code) int {
	switch code {
	case codes.Canceled, codes.DeadlineExceeded, codes.Aborted, codes.OutOfRange, codes.Unavailable, codes.DataLoss:
		return http.StatusServiceUnavailable
	case codes.ResourceExhausted:
		return http.StatusTooManyRequests
	case codes.InvalidArgument:
		return http.StatusBadRequest
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.Unimplemented:
		return http.StatusNotFound
	default:
		return http.StatusInternalServerError
	}
}

// pipelineMessage says what the sender should do.
func pipelineMessage(code int, err error) string {
	switch code {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return "the pipeline refused the records; nothing was accepted, resend the whole request after Retry-After: " + err.Error()
	}
	return "the pipeline refused the records permanently; do not resend: " + err.Error()
}

// confighttpErrorHandler answers confighttp's own refusals (a body that
// cannot be decompressed, an unknown Content-Encoding) in the receiver's
// JSON shape. An unknown content coding is 415, as RFC 9110 §15.5.16 says.
func confighttpErrorHandler() func(w http.ResponseWriter, r *http.Request, msg string, status int) {
	return func(w http.ResponseWriter, r *http.Request, msg string, status int) {
		switch {
		case status == http.StatusBadRequest && strings.HasPrefix(msg, "unsupported Content-Encoding"):
			status = http.StatusUnsupportedMediaType
		case status == http.StatusBadRequest:
			msg = "cannot decode the body (Content-Encoding " + r.Header.Get("Content-Encoding") + "): " + msg
		}
		writeError(w, status, msg)
	}
}
