package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import (
	"net/url"
	"strings"
)

var queryUnescape = url.QueryUnescape

// parsedURL is an absolute URL cut into the parts the span needs. The parts
// are substrings of full.
type parsedURL struct {
	full        string
	scheme      string
	authority   string // host[:port], without user info and without a port that is the scheme's default
	host        string // without IPv6 brackets
	port        int64  // explicit, else the scheme's default, else 0
	path        string
	query       string
	fragment    string
	hasUserinfo bool
	hasQuery    bool
	hasFragment bool
	// defaultPortWritten: the URL spells out its scheme's default port
	// (https://host:443/); url.full is then written without it.
	defaultPortWritten bool
}

// parseAbsoluteURL cuts an absolute URL (scheme://authority/path?query#fragment)
// without allocating. It returns a problem text when the URL is not one; the
// text never quotes the URL, which may carry a credential.
func parseAbsoluteURL(s string) (parsedURL, string) {
	u := parsedURL{full: s}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return u, "must be an absolute URL without spaces or control characters"
		}
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !isScheme(scheme) {
		return u, "must be an absolute URL such as https://host/path"
	}
	u.scheme = scheme
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	rest = rest[end:]
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		u.hasUserinfo = true
		authority = authority[at+1:]
	}
	u.authority = authority
	host, port, ok := splitHostPort(authority)
	if !ok {
		return u, "must be an absolute URL with a valid host"
	}
	if host == "" {
		return u, "must be an absolute URL with a host"
	}
	u.host = host
	if u.port, ok = portNumber(scheme, port); !ok {
		return u, "must be an absolute URL with a port 1-65535"
	}
	if port != "" && u.port == defaultPort(scheme) {
		// "https://h:443/p" and "https://h/p" are the same URL (RFC 3986,
		// 6.2.3: normalizers omit a port that is the scheme's default); the
		// short form keeps ":443" out of url.full and out of what backends
		// derive from it (Application Insights' dependency target is the
		// URL's host[:port]). server.port still says 443.
		u.authority = authority[:len(authority)-len(port)-1]
		u.defaultPortWritten = true
	}
	if hash := strings.IndexByte(rest, '#'); hash >= 0 {
		u.fragment, u.hasFragment = rest[hash+1:], true
		rest = rest[:hash]
	}
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		u.query, u.hasQuery = rest[q+1:], true
		rest = rest[:q]
	}
	u.path = rest
	return u, ""
}

// splitHostPort cuts an authority (without user info) into host and port; an
// IPv6 host keeps its brackets off.
func splitHostPort(authority string) (host, port string, ok bool) {
	if !strings.HasPrefix(authority, "[") {
		if colon := strings.LastIndexByte(authority, ':'); colon >= 0 {
			return authority[:colon], authority[colon+1:], true
		}
		return authority, "", true
	}
	closing := strings.IndexByte(authority, ']')
	if closing < 0 {
		return "", "", false
	}
	after := authority[closing+1:]
	if after == "" {
		return authority[1:closing], "", true
	}
	if after[0] != ':' {
		return "", "", false
	}
	return authority[1:closing], after[1:], true
}

// portNumber reads an explicit port (1-65535), else gives the scheme's
// default.
func portNumber(scheme, port string) (int64, bool) {
	if port == "" {
		return defaultPort(scheme), true
	}
	if len(port) > 5 || !isInteger(port) || port[0] == '-' {
		return 0, false
	}
	var p int64
	for i := 0; i < len(port); i++ {
		p = p*10 + int64(port[i]-'0')
	}
	return p, p >= 1 && p <= 65535
}

func isScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

func defaultPort(scheme string) int64 {
	switch strings.ToLower(scheme) {
	case "http", "ws":
		return 80
	case "https", "wss":
		return 443
	}
	return 0
}
