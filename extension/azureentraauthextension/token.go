package azureentraauthextension // import "github.com/otelcol-aoai/otelcol-aoai/extension/azureentraauthextension"

import (
	"context"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// refreshMargin is how long before its expiry a token is replaced when Entra
// ID gave no refresh time: long enough that a request signed with it does not
// arrive expired, short against a token's usual hour or more.
const refreshMargin = 5 * time.Minute

// tokenSource keeps one token and asks the credential for a new one only
// when the token is near expiry. The azidentity credentials cache too, but
// not every one (the access_token type, a chain's probing), and an export
// must not cost a token request.
type tokenSource struct {
	cred  azcore.TokenCredential
	scope string
	now   func() time.Time

	// mu is held across a token request, so requests that need a token at
	// the same moment make one request between them.
	mu    sync.Mutex
	token azcore.AccessToken
}

func newTokenSource(cred azcore.TokenCredential, scope string) *tokenSource {
	return &tokenSource{cred: cred, scope: scope, now: time.Now}
}

// get returns a token valid for now. When getting a new one fails while the
// kept one has not yet expired, it returns the kept one: Entra ID being
// unreachable for a moment should not fail exports a token still covers.
func (s *tokenSource) get(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.token.Token != "" && now.Before(s.refreshAt()) {
		return s.token.Token, nil
	}
	fresh, err := s.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{s.scope}})
	if err != nil {
		if s.token.Token != "" && now.Before(s.token.ExpiresOn) {
			return s.token.Token, nil
		}
		return "", err
	}
	s.token = fresh
	return fresh.Token, nil
}

func (s *tokenSource) refreshAt() time.Time {
	if !s.token.RefreshOn.IsZero() {
		return s.token.RefreshOn
	}
	return s.token.ExpiresOn.Add(-refreshMargin)
}
