package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import "strings"

// errorClasses map words in the gateway's error text to a low-cardinality
// error.type, checked in order.
var errorClasses = []struct {
	words []string
	class string
}{
	{[]string{"timeout", "timed out", "deadline"}, "timeout"},
	{[]string{"reset"}, "connection_reset"},
	{[]string{"refused"}, "connection_refused"},
	{[]string{"no such host", "dns", "name resolution"}, "dns_error"},
	{[]string{"tls", "certificate", "x509", "handshake"}, "tls_error"},
	{[]string{"cancel", "aborted"}, "canceled"},
	{[]string{"closed", "eof", "broken pipe"}, "connection_closed"},
}

// errorClass returns the error.type of an exchange without an answer; an
// unknown error is _OTHER, as semantic conventions say.
func errorClass(text string) string {
	lower := strings.ToLower(text)
	for _, c := range errorClasses {
		for _, w := range c.words {
			if strings.Contains(lower, w) {
				return c.class
			}
		}
	}
	return "_OTHER"
}
