package aigatewayreceiver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver/internal/metadatatest"
)

// TestPipelineRefusal: when the pipeline refuses, nothing is accepted and
// the answer says whether to resend (429/503 with Retry-After) or not.
func TestPipelineRefusal(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		retryAfter string
		message    string
	}{
		{"retryable", errors.New("sending queue is full"), http.StatusServiceUnavailable, "1", "resend the whole request after Retry-After: sending queue is full"},
		{"memory limiter", fmt.Errorf("wrapped: %w", errors.New("data refused due to high memory usage")), http.StatusTooManyRequests, "1", "resend the whole request"},
		{"resource exhausted", status.Error(codes.ResourceExhausted, "quota"), http.StatusTooManyRequests, "1", "resend the whole request"},
		{"unavailable", status.Error(codes.Unavailable, "down"), http.StatusServiceUnavailable, "1", "resend the whole request"},
		{"permanent", consumererror.NewPermanent(errors.New("schema refused")), http.StatusInternalServerError, "", "the pipeline refused the records permanently; do not resend: Permanent error: schema refused"},
		{"invalid argument", status.Error(codes.InvalidArgument, "bad"), http.StatusBadRequest, "", "do not resend"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel := componenttest.NewTelemetry()
			t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
			endpoint := startReceiver(t, defaultConfig(), metadatatest.NewSettings(tel), consumertest.NewErr(tt.err))

			a := post(t, endpoint, "application/json", "["+goodRecord+","+goodRecord+"]")
			assert.Equal(t, tt.status, a.status)
			assert.Equal(t, tt.retryAfter, a.retryAfter)
			assert.Contains(t, a.decoded(t)["error"], tt.message)

			_, err := tel.GetMetric("otelcol_receiver_ai_gateway_records_accepted")
			assert.Error(t, err, "nothing counted as accepted")
			refused, err := tel.GetMetric("otelcol_receiver_refused_spans")
			require.NoError(t, err)
			assert.Equal(t, int64(2), refused.Data.(metricdata.Sum[int64]).DataPoints[0].Value)
		})
	}
}

func TestOwnTelemetry(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	sink := new(consumertest.TracesSink)
	endpoint := startReceiver(t, defaultConfig(), metadatatest.NewSettings(tel), sink)

	body := "[" + goodRecord + "," + goodRecord + `,{"version":3},{"start_time":"2026-11-20T09:14:03Z"},7]`
	a := post(t, endpoint, "application/json", body)
	require.Equal(t, http.StatusOK, a.status)
	post(t, endpoint, "application/x-ndjson", goodRecord+"\n{\n")

	metadatatest.AssertEqualReceiverAiGatewayRecordsAccepted(t, tel, []metricdata.DataPoint[int64]{{Value: 3}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	metadatatest.AssertEqualReceiverAiGatewayRecordsRejected(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("reason", "unsupported_version")), Value: 1},
		{Attributes: attribute.NewSet(attribute.String("reason", "missing_field")), Value: 1},
		{Attributes: attribute.NewSet(attribute.String("reason", "invalid_json")), Value: 2},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	metadatatest.AssertEqualReceiverAiGatewayRequestBodySize(t, tel, []metricdata.DataPoint[int64]{
		{Value: int64(len(body) + len(goodRecord) + len("\n{\n"))},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	assert.Equal(t, 3, sink.SpanCount())
}
