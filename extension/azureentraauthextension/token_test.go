package azureentraauthextension

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingCredential hands out token-1, token-2, ... each valid for an hour
// from the test's clock, or fails while failing is set.
type countingCredential struct {
	calls   int
	now     *time.Time
	failing bool
	scopes  []string
}

func (c *countingCredential) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.calls++
	c.scopes = opts.Scopes
	if c.failing {
		return azcore.AccessToken{}, errors.New("token endpoint unreachable")
	}
	return azcore.AccessToken{Token: fmt.Sprintf("token-%d", c.calls), ExpiresOn: c.now.Add(time.Hour)}, nil
}

func TestTokenIsKeptUntilNearExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cred := &countingCredential{now: &now}
	src := newTokenSource(cred, DefaultScope)
	src.now = func() time.Time { return now }
	get := func() string {
		tok, err := src.get(context.Background())
		require.NoError(t, err)
		return tok
	}

	assert.Equal(t, "token-1", get())
	assert.Equal(t, []string{DefaultScope}, cred.scopes)
	now = now.Add(54 * time.Minute)
	assert.Equal(t, "token-1", get(), "six minutes left: kept")
	now = now.Add(2 * time.Minute)
	assert.Equal(t, "token-2", get(), "four minutes left: replaced")
	assert.Equal(t, 2, cred.calls)
}

func TestRefreshOnIsHonoured(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	src := newTokenSource(nil, DefaultScope)
	src.now = func() time.Time { return now }
	src.token = azcore.AccessToken{Token: "t", ExpiresOn: now.Add(time.Hour), RefreshOn: now.Add(30 * time.Minute)}
	assert.Equal(t, now.Add(30*time.Minute), src.refreshAt())
}

func TestFailedRefreshKeepsAValidToken(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cred := &countingCredential{now: &now}
	src := newTokenSource(cred, DefaultScope)
	src.now = func() time.Time { return now }
	_, err := src.get(context.Background())
	require.NoError(t, err)

	cred.failing = true
	now = now.Add(58 * time.Minute)
	tok, err := src.get(context.Background())
	require.NoError(t, err, "the kept token has two minutes left")
	assert.Equal(t, "token-1", tok)

	now = now.Add(3 * time.Minute)
	_, err = src.get(context.Background())
	assert.ErrorContains(t, err, "token endpoint unreachable", "expired: the failure shows")
}
