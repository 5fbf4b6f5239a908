package exchange // import "github.com/otelcol-aoai/otelcol-aoai/internal/exchange"

import (
	"encoding/base64"
	"strings"
	"unsafe"
)

// credentialHeaders never reach a span, a log line or an error message
// (the receiver README's "Never kept"); nor do the headers whose names match
// credentialNameParts (redact.go).
var credentialHeaders = map[string]struct{}{
	"authorization":             {},
	"proxy-authorization":       {},
	"api-key":                   {},
	"x-api-key":                 {},
	"ocp-apim-subscription-key": {},
	"cookie":                    {},
	"set-cookie":                {},
}

// isCredentialHeader is isCredentialName of a name held in the decoder's
// buffer (viewed, not copied).
func isCredentialHeader(lower []byte) bool {
	return isCredentialName(unsafe.String(unsafe.SliceData(lower), len(lower)))
}

// maxTokenLength bounds the bearer token this package decodes.
const maxTokenLength = 16 << 10

// fillCallerFromBearer reads the claims of Bearer JWTs without verifying them
// (the gateway already did) and fills the caller ids the record left empty:
// oid → object_id, appid / azp → app_id, tid → tenant_id. Only those claims
// leave this function; the token is dropped with the record.
func fillCallerFromBearer(c *caller, authorization []string) {
	for _, value := range authorization {
		if c.objectID != "" && c.appID != "" && c.tenantID != "" {
			return
		}
		scheme, token, ok := strings.Cut(strings.TrimSpace(value), " ")
		if !ok || !strings.EqualFold(scheme, "bearer") || len(token) > maxTokenLength {
			continue
		}
		_, rest, ok := strings.Cut(strings.TrimSpace(token), ".")
		if !ok {
			continue
		}
		payload, _, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		claims, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(payload, "="))
		if err != nil {
			continue
		}
		oid, appid, azp, tid := readClaims(string(claims))
		if c.objectID == "" {
			c.objectID = oid
		}
		if c.appID == "" {
			c.appID = appid
			if c.appID == "" {
				c.appID = azp
			}
		}
		if c.tenantID == "" {
			c.tenantID = tid
		}
	}
}

// readClaims returns the string claims oid, appid, azp and tid of a JWT
// payload; a payload that is not a JSON object yields nothing.
func readClaims(payload string) (oid, appid, azp, tid string) {
	var s scanner
	s.reset(payload, 0, len(payload))
	if s.peek() != '{' {
		return "", "", "", ""
	}
	s.pos++
	for first := true; ; {
		found, ok := s.member(&first, true)
		if !ok || !found {
			return oid, appid, azp, tid
		}
		var target *string
		switch s.key {
		case "oid":
			target = &oid
		case "appid":
			target = &appid
		case "azp":
			target = &azp
		case "tid":
			target = &tid
		}
		if target != nil && s.peek() == '"' {
			v, valid, ok := s.scanString(true)
			if !ok {
				return "", "", "", ""
			}
			if valid {
				*target = v
			}
			continue
		}
		if _, ok := s.skipValue(1); !ok {
			return "", "", "", ""
		}
	}
}

// redactedValue replaces credentials in url.full, as semantic conventions
// ask: "https://REDACTED:REDACTED@host/" for user info, and the values of
// query parameters that carry signatures or keys.
const redactedValue = "REDACTED"

// sensitiveQueryParams are the query parameter names whose values are
// replaced: the semantic-convention list (sig, Signature, X-Amz-*, X-Goog-*,
// AWSAccessKeyId) plus the names that carry keys and codes in Azure and
// elsewhere (api-key, key, code, subscription-key for API Management, ...).
// Compared case-insensitively.
var sensitiveQueryParams = map[string]struct{}{
	"sig":                  {},
	"signature":            {},
	"x-amz-signature":      {},
	"x-amz-credential":     {},
	"x-amz-security-token": {},
	"awsaccesskeyid":       {},
	"x-goog-signature":     {},
	"x-goog-credential":    {},
	"api-key":              {},
	"api_key":              {},
	"apikey":               {},
	"key":                  {},
	"code":                 {},
	"subscription-key":     {},
	"access_token":         {},
	"token":                {},
	"client_secret":        {},
	"password":             {},
}

func isSensitiveQueryParam(name string) bool {
	if strings.ContainsRune(name, '%') {
		if unescaped, err := queryUnescape(name); err == nil {
			name = unescaped
		}
	}
	if _, ok := sensitiveQueryParams[name]; ok {
		return true
	}
	_, ok := sensitiveQueryParams[strings.ToLower(name)]
	return ok
}

// redactURL returns url.full: the URL unchanged when it holds no credential
// and no default port (no copy), or a copy with user info and sensitive query
// values replaced and the default port left out. A fragment is dropped: a
// client never sends one, and one that a gateway recorded may hold an OAuth
// access_token.
func redactURL(u *parsedURL) string {
	if !u.hasUserinfo && !u.hasFragment && !u.defaultPortWritten && !queryNeedsRedaction(u.query) {
		return u.full
	}
	var b strings.Builder
	b.Grow(len(u.full) + 16)
	b.WriteString(u.scheme)
	b.WriteString("://")
	if u.hasUserinfo {
		b.WriteString("REDACTED:REDACTED@")
	}
	b.WriteString(u.authority)
	b.WriteString(u.path)
	if u.hasQuery {
		b.WriteByte('?')
		for i, param := range strings.Split(u.query, "&") {
			if i > 0 {
				b.WriteByte('&')
			}
			name, _, hasValue := strings.Cut(param, "=")
			if hasValue && isSensitiveQueryParam(name) {
				b.WriteString(name)
				b.WriteString("=" + redactedValue)
				continue
			}
			b.WriteString(param)
		}
	}
	return b.String()
}

func queryNeedsRedaction(query string) bool {
	for query != "" {
		var param string
		param, query, _ = strings.Cut(query, "&")
		if name, _, hasValue := strings.Cut(param, "="); hasValue && isSensitiveQueryParam(name) {
			return true
		}
	}
	return false
}
