package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import (
	"fmt"
	"strings"
)

// RecordConfig is the part of a door's configuration that says how a record
// becomes a span. The ai_gateway receiver and the ai_gateway_encoding
// extension both squash it into theirs, so that a record becomes the same
// span through either door and both read the settings alike.
type RecordConfig struct {
	// RedactHeaders names headers, besides the built-in credential headers
	// (authorization, api-key, cookie, ...), whose values never reach a span.
	// Case-insensitive. Default empty.
	RedactHeaders []string `mapstructure:"redact_headers"`

	// CaptureHeaders, when set, is the allow-list of headers that become
	// http.request.header.* / http.response.header.* attributes; others are
	// left out. Case-insensitive. Default empty: every non-credential header.
	CaptureHeaders []string `mapstructure:"capture_headers"`

	// DropBodies leaves request and response bodies out of the span entirely
	// (their sizes are still recorded; the processor then cannot read token
	// usage from them). Default false.
	DropBodies bool `mapstructure:"drop_bodies"`
}

// Check returns what is wrong with the settings. The door's Validate reports
// it: a Validate method here would be called by confmap on its own and its
// errors prefixed with the Go field name ("recordconfig: ..."), which names
// nothing a user wrote.
func (c *RecordConfig) Check() []error {
	var errs []error
	for i, name := range c.RedactHeaders {
		if strings.TrimSpace(name) == "" {
			errs = append(errs, fmt.Errorf("redact_headers[%d] must not be empty", i))
		}
	}
	for i, name := range c.CaptureHeaders {
		switch lower := strings.ToLower(strings.TrimSpace(name)); {
		case lower == "":
			errs = append(errs, fmt.Errorf("capture_headers[%d] must not be empty", i))
		case isCredentialHeader([]byte(lower)):
			// Capturing it would do nothing: say so rather than let the
			// user believe the header is recorded.
			errs = append(errs, fmt.Errorf("capture_headers[%d] %q is a credential header: its value never reaches a span", i, name))
		}
	}
	return errs
}
