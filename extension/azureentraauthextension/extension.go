package azureentraauthextension // import "github.com/otelcol-aoai/otelcol-aoai/extension/azureentraauthextension"

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensionauth"
	"go.uber.org/zap"

	"github.com/otelcol-aoai/otelcol-aoai/internal/azurecredential"
)

// entraAuth is the extension: it hands components a RoundTripper that signs
// their requests with a bearer token from the configured credential.
type entraAuth struct {
	cfg    *Config
	logger *zap.Logger
	cred   azcore.TokenCredential
	tokens *tokenSource
}

var (
	_ extension.Extension      = (*entraAuth)(nil)
	_ extensionauth.HTTPClient = (*entraAuth)(nil)
	_ azurecredential.Provider = (*entraAuth)(nil)
)

// newEntraAuth builds the credential (no I/O: the first token is fetched by
// the first request). opts carries the cloud and, in tests, the token
// endpoint's transport.
func newEntraAuth(cfg *Config, set extension.Settings, opts azurecredential.Options) (*entraAuth, error) {
	cred, err := azurecredential.New(cfg.Credential, opts)
	if err != nil {
		return nil, err
	}
	return &entraAuth{cfg: cfg, logger: set.Logger, cred: cred, tokens: newTokenSource(cred, cfg.Scope)}, nil
}

// TokenCredential lends the credential to components whose own credential
// section says `type: extension` (the azure_openai processor's diagnostics
// join): one identity, configured once. They ask for their own scope.
func (a *entraAuth) TokenCredential() azcore.TokenCredential { return a.cred }

func (a *entraAuth) Start(context.Context, component.Host) error {
	a.logger.Info("Entra ID authenticator ready",
		zap.String("scope", a.cfg.Scope),
		zap.String("credential", string(a.cfg.Credential.Type)))
	return nil
}

func (*entraAuth) Shutdown(context.Context) error { return nil }

// RoundTripper wraps the component's transport.
func (a *entraAuth) RoundTripper(base http.RoundTripper) (http.RoundTripper, error) {
	if base == nil {
		return nil, errors.New("azure_entra_auth: no base transport to wrap")
	}
	return &bearerRoundTripper{base: base, auth: a}, nil
}

// bearerRoundTripper adds `Authorization: Bearer <token>` to each request.
type bearerRoundTripper struct {
	base http.RoundTripper
	auth *entraAuth
}

func (rt *bearerRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	closeBody := func() {
		if req.Body != nil {
			_ = req.Body.Close()
		}
	}
	if !safeForToken(req) {
		// The token grants write access to the resource: it must not cross
		// the network in clear text.
		closeBody()
		return nil, fmt.Errorf("azure_entra_auth: refusing to send a bearer token over plain HTTP to %s; use https (plain http only to a loopback address)", req.URL.Host)
	}
	token, err := rt.auth.tokens.get(req.Context())
	if err != nil {
		closeBody()
		// azidentity's errors carry Entra ID's answer (error code, trace
		// id), never the request's secret or assertion.
		return nil, fmt.Errorf("azure_entra_auth: no token for scope %s with credential %s: %w",
			rt.auth.cfg.Scope, rt.auth.cfg.Credential.Type, err)
	}
	// A RoundTripper must not change the caller's request.
	signed := req.Clone(req.Context())
	signed.Header.Set("Authorization", "Bearer "+token)
	return rt.base.RoundTrip(signed)
}

// safeForToken allows https, and plain http only to a loopback address (a
// local proxy or sidecar), where nothing crosses the network.
func safeForToken(req *http.Request) bool {
	if strings.EqualFold(req.URL.Scheme, "https") {
		return true
	}
	host := req.URL.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
