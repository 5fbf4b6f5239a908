package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import "strings"

// Options are the translation settings a door passes on from its
// configuration.
type Options struct {
	// RecordConfig is the door's record settings. The decoder never captures
	// a credential header, even when CaptureHeaders lists it.
	RecordConfig
	// ScopeName and ScopeVersion name the instrumentation scope of the spans.
	ScopeName    string
	ScopeVersion string
}

// compiledOptions are Options in the shape the decoder looks them up in.
type compiledOptions struct {
	redact       map[string]struct{}
	capture      map[string]struct{} // nil: capture every header
	dropBodies   bool
	scopeName    string
	scopeVersion string
}

func compileOptions(o Options) *compiledOptions {
	c := &compiledOptions{
		redact:       lowerSet(o.RedactHeaders),
		dropBodies:   o.DropBodies,
		scopeName:    o.ScopeName,
		scopeVersion: o.ScopeVersion,
	}
	if len(o.CaptureHeaders) > 0 {
		c.capture = lowerSet(o.CaptureHeaders)
	}
	return c
}

func lowerSet(names []string) map[string]struct{} {
	set := make(map[string]struct{}, len(names))
	for _, n := range names {
		set[strings.ToLower(strings.TrimSpace(n))] = struct{}{}
	}
	return set
}

// redacted reports whether the configuration denies this lower-case header.
func (c *compiledOptions) redacted(lower []byte) bool {
	_, ok := c.redact[string(lower)]
	return ok
}

// captured reports whether this lower-case header may become an attribute.
func (c *compiledOptions) captured(lower []byte) bool {
	if c.capture == nil {
		return true
	}
	_, ok := c.capture[string(lower)]
	return ok
}
