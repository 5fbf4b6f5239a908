package exchange

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRecordConfigCheck(t *testing.T) {
	tests := []struct {
		name string
		cfg  RecordConfig
		want string
	}{
		{name: "empty", cfg: RecordConfig{}},
		{name: "valid", cfg: RecordConfig{RedactHeaders: []string{"x-internal-token"}, CaptureHeaders: []string{"x-ms-region"}, DropBodies: true}},
		{name: "blank names", cfg: RecordConfig{RedactHeaders: []string{"x-a", " "}, CaptureHeaders: []string{""}},
			want: "redact_headers[1] must not be empty\ncapture_headers[0] must not be empty"},
		{name: "credential captured", cfg: RecordConfig{CaptureHeaders: []string{"x-ms-region", " Authorization", "OCP-APIM-SUBSCRIPTION-KEY"}},
			want: `capture_headers[1] " Authorization" is a credential header: its value never reaches a span` + "\n" +
				`capture_headers[2] "OCP-APIM-SUBSCRIPTION-KEY" is a credential header: its value never reaches a span`},
		{name: "credential redacted is harmless", cfg: RecordConfig{RedactHeaders: []string{"api-key"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := errors.Join(tt.cfg.Check()...)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.want)
		})
	}
}
