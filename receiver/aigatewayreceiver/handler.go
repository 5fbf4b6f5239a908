package aigatewayreceiver // import "github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver"

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
)

// handleExchanges is the one path of a request: method → content type →
// body → decode → consume → answer, with the ObsReport operation closed on
// every exit.
func (r *gatewayReceiver) handleExchanges(w http.ResponseWriter, req *http.Request) {
	ctx := r.obsreport.StartTracesOp(req.Context())
	if req.Method != http.MethodPost {
		r.obsreport.EndTracesOp(ctx, "unknown", 0, errMethodNotAllowed)
		w.Header().Set("Allow", http.MethodPost)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	format, formatName, problem := formatOf(req.Header.Get("Content-Type"))
	if problem != "" {
		r.obsreport.EndTracesOp(ctx, "unknown", 0, errUnsupportedMediaType)
		writeError(w, http.StatusUnsupportedMediaType, problem)
		return
	}

	body, err := r.bodies.read(req.Body, req.ContentLength, r.maxBodySize())
	if err != nil {
		r.obsreport.EndTracesOp(ctx, formatName, 0, err)
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) || errors.Is(err, errBodyTooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "body larger than max_request_body_size ("+itoa(r.maxBodySize())+" bytes, after decompression)")
			return
		}
		writeError(w, http.StatusBadRequest, "cannot read the body: "+err.Error())
		return
	}
	r.telemetry.recordBodySize(ctx, body.Len())
	res, err := r.decoder.Decode(body.Bytes(), format)
	r.bodies.put(body)
	if err != nil {
		r.obsreport.EndTracesOp(ctx, formatName, 0, err)
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	r.telemetry.recordRejected(ctx, &res.RejectedByReason)
	if res.Accepted == 0 {
		// Every record was invalid: nothing to forward, and resending
		// would fail the same way.
		r.obsreport.EndTracesOp(ctx, formatName, 0, errNoValidRecord)
		writeRecordsAnswer(w, http.StatusBadRequest, "no valid record: "+res.Errors[0].Error(), &res)
		return
	}

	err = r.next.ConsumeTraces(ctx, res.Traces)
	r.obsreport.EndTracesOp(ctx, formatName, res.Accepted, err)
	if err != nil {
		status, retryAfter := pipelineStatus(err)
		if r.settings.Logger.Core().Enabled(zap.DebugLevel) {
			r.settings.Logger.Debug("Pipeline refused exchange records", zap.Int("records", res.Accepted), zap.Int("status", status), zap.Error(err))
		}
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeError(w, status, pipelineMessage(status, err))
		return
	}
	r.telemetry.recordAccepted(ctx, res.Accepted, res.ReplacedHeaderValues)
	writeRecordsAnswer(w, http.StatusOK, "", &res)
}

func (r *gatewayReceiver) maxBodySize() int64 {
	if n := r.cfg.ServerConfig.MaxRequestBodySize; n > 0 {
		return n
	}
	return defaultMaxRequestBodySize
}

// formatOf maps a Content-Type to a record framing. Parameters other than a
// UTF-8 charset are ignored, and so is a malformed parameter: the media type
// before it still tells the framing.
func formatOf(contentType string) (exchange.Format, string, string) {
	const accepted = "application/json, application/x-ndjson or application/jsonl"
	if strings.TrimSpace(contentType) == "" {
		return 0, "", "Content-Type is missing; send " + accepted
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return 0, "", "Content-Type must be " + accepted
	}
	if charset := params["charset"]; charset != "" && !strings.EqualFold(charset, "utf-8") && !strings.EqualFold(charset, "utf8") {
		return 0, "", "charset must be utf-8"
	}
	switch mediaType {
	case "application/json":
		return exchange.FormatJSON, "json", ""
	case "application/x-ndjson", "application/jsonl":
		return exchange.FormatNDJSON, "ndjson", ""
	}
	return 0, "", "Content-Type must be " + accepted
}
