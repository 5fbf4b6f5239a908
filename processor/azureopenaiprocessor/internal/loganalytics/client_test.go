package loganalytics

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/stretchr/testify/assert"
)

func TestClassifyQueryError(t *testing.T) {
	throttled := &azcore.ResponseError{StatusCode: http.StatusTooManyRequests, ErrorCode: "ThrottledError",
		RawResponse: &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"30"}}}}
	qe := classifyQueryError(fmt.Errorf("wrapped: %w", throttled))
	assert.True(t, qe.Throttled)
	assert.Equal(t, 30*time.Second, qe.RetryAfter)
	assert.Equal(t, "HTTP 429 ThrottledError", qe.Error())

	assert.Equal(t, "timeout", classifyQueryError(context.DeadlineExceeded).Code)
	assert.Equal(t, "cancelled", classifyQueryError(context.Canceled).Code)
	assert.Equal(t, "transport: connection refused", classifyQueryError(errors.New("connection refused")).Error())
}
