package replay // import "github.com/otelcol-aoai/otelcol-aoai/internal/replay"

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/internal/retryafter"
)

// answer is what the receiver said about one request.
type answer struct {
	status   int
	accepted int64
	rejected int64
	// retryAfter is set on 429/503; zero when the header was absent.
	retryAfter time.Duration
	message    string
}

// retryable reports whether the receiver asked for the whole request again.
func (a answer) retryable() bool {
	return a.status == http.StatusTooManyRequests || a.status == http.StatusServiceUnavailable
}

// encodeBatch joins records into one request body: a single record as is,
// several as NDJSON, or for OTLP one request with every record's resource spans.
func encodeBatch(records [][]byte, target Target, gz bool) (body []byte, contentType string, err error) {
	contentType = "application/json"
	var buf bytes.Buffer
	switch {
	case len(records) == 1:
		buf.Write(records[0])
	case target == TargetOTLPJSON:
		if err := joinOTLPJSON(&buf, records); err != nil {
			return nil, "", err
		}
	default:
		contentType = "application/x-ndjson"
		for _, r := range records {
			buf.Write(r)
			buf.WriteByte('\n')
		}
	}
	if !gz {
		return buf.Bytes(), contentType, nil
	}
	var zipped bytes.Buffer
	w := gzip.NewWriter(&zipped)
	if _, err = w.Write(buf.Bytes()); err != nil {
		return nil, "", err
	}
	if err = w.Close(); err != nil {
		return nil, "", err
	}
	return zipped.Bytes(), contentType, nil
}

// OTLP JSON traces requests as ptrace.JSONMarshaler writes them.
const (
	otlpJSONPrefix = `{"resourceSpans":[`
	otlpJSONSuffix = `]}`
)

// joinOTLPJSON writes one OTLP JSON traces request holding the resource spans
// of every request in records, without decoding them.
func joinOTLPJSON(buf *bytes.Buffer, records [][]byte) error {
	buf.WriteString(otlpJSONPrefix)
	for i, r := range records {
		inner, ok := bytes.CutPrefix(r, []byte(otlpJSONPrefix))
		if ok {
			inner, ok = bytes.CutSuffix(inner, []byte(otlpJSONSuffix))
		}
		if !ok {
			return fmt.Errorf("record %d is not an OTLP JSON traces request of resource spans only", i)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(inner)
	}
	buf.WriteString(otlpJSONSuffix)
	return nil
}

// post sends one request of n records to opts.URL and reads the receiver's answer.
func post(ctx context.Context, opts Options, body []byte, contentType string, n int64) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, opts.URL, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", contentType)
	if opts.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	for k, v := range opts.Headers {
		req.Header.Set(k, v)
	}
	resp, err := opts.Client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	// Answers are small; anything past 1 MiB is not an answer of ours.
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return answer{}, fmt.Errorf("read answer: %w", err)
	}

	a := answer{status: resp.StatusCode, retryAfter: retryafter.Delay(resp.Header, time.Now())}
	if opts.Target == TargetOTLPJSON {
		return otlpAnswer(a, raw, n), nil
	}
	var parsed struct {
		Accepted *int64 `json:"accepted"`
		Rejected *int64 `json:"rejected"`
		Error    string `json:"error"`
		Errors   []struct {
			Index   int    `json:"index"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(raw, &parsed); err == nil {
		if parsed.Accepted != nil {
			a.accepted = *parsed.Accepted
		}
		if parsed.Rejected != nil {
			a.rejected = *parsed.Rejected
		}
		a.message = parsed.Error
		if a.message == "" && len(parsed.Errors) > 0 {
			a.message = fmt.Sprintf("record %d: %s", parsed.Errors[0].Index, parsed.Errors[0].Message)
		}
	} else if resp.StatusCode == http.StatusOK {
		return a, errors.New("200 answer without an accepted/rejected body")
	} else {
		a.message = string(bytes.TrimSpace(raw))
	}
	return a, nil
}

// otlpAnswer reads an OTLP/HTTP answer: a 200 accepts every span but those
// partial_success rejects; an error answer carries a google.rpc.Status.
func otlpAnswer(a answer, raw []byte, n int64) answer {
	var parsed struct {
		PartialSuccess struct {
			RejectedSpans json.Number `json:"rejectedSpans"`
			ErrorMessage  string      `json:"errorMessage"`
		} `json:"partialSuccess"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(raw, &parsed) // a protobuf or empty answer still says its status
	if a.status != http.StatusOK {
		a.message = parsed.Message
		if a.message == "" {
			a.message = string(bytes.TrimSpace(raw))
		}
		return a
	}
	// OTLP JSON writes an int64 as a string; json.Number takes both forms.
	rejected, _ := parsed.PartialSuccess.RejectedSpans.Int64()
	a.rejected = min(max(rejected, 0), n)
	a.accepted = n - a.rejected
	a.message = parsed.PartialSuccess.ErrorMessage
	return a
}
