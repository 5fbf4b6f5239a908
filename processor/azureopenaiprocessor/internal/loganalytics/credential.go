package loganalytics // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// newCredential builds the token source a credential section names. It does
// no I/O: azidentity credentials fetch their first token on the first query.
// Token requests go to Entra ID, not to the workspace endpoint, so they use the
// SDK's default transport (which honours HTTPS_PROXY) rather than the
// endpoint's TLS settings, whose private CA would not verify Entra ID.
func newCredential(cc CredentialConfig, audience string) (azcore.TokenCredential, error) {
	options := azcore.ClientOptions{Cloud: entraCloud(audience)}
	var (
		cred azcore.TokenCredential
		err  error
	)
	switch cc.Type {
	case CredentialDefault, "":
		cred, err = azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions: options, TenantID: cc.TenantID,
		})
	case CredentialManagedIdentity:
		mi := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: options}
		if cc.ClientID != "" {
			mi.ID = azidentity.ClientID(cc.ClientID)
		}
		cred, err = azidentity.NewManagedIdentityCredential(mi)
	case CredentialWorkloadIdentity:
		// The federated token file comes from AZURE_FEDERATED_TOKEN_FILE, which
		// the AKS workload identity webhook sets.
		cred, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: options, ClientID: cc.ClientID, TenantID: cc.TenantID,
		})
	case CredentialClientSecret:
		cred, err = azidentity.NewClientSecretCredential(cc.TenantID, cc.ClientID, string(cc.ClientSecret),
			&azidentity.ClientSecretCredentialOptions{ClientOptions: options})
	case CredentialAccessToken:
		cred = newStaticTokenCredential(string(cc.AccessToken))
	default:
		return nil, fmt.Errorf("credential type %q is unknown", cc.Type)
	}
	if err != nil {
		// azidentity's constructor errors name missing settings, never a secret.
		return nil, fmt.Errorf("credential %s: %w", cc.Type, err)
	}
	return cred, nil
}

// entraCloud picks the Entra ID authority that issues tokens for the query
// API's audience: a sovereign cloud's workspace needs its own cloud's tokens.
// Unknown audiences keep the SDK default (public cloud, or AZURE_AUTHORITY_HOST).
func entraCloud(audience string) cloud.Configuration {
	u, err := url.Parse(audience)
	if err != nil {
		return cloud.Configuration{}
	}
	switch host := strings.ToLower(u.Hostname()); {
	case strings.HasSuffix(host, ".us"):
		return cloud.AzureGovernment
	case strings.HasSuffix(host, ".cn"):
		return cloud.AzureChina
	}
	return cloud.Configuration{}
}

// staticTokenCredential hands out one fixed bearer token: for a proxy that
// checks its own tokens, or a token from `az account get-access-token`.
type staticTokenCredential struct {
	token string
}

func newStaticTokenCredential(token string) *staticTokenCredential {
	// A token pasted with its scheme still works.
	token = strings.TrimSpace(token)
	if scheme, rest, ok := strings.Cut(token, " "); ok && strings.EqualFold(scheme, "Bearer") {
		token = strings.TrimSpace(rest)
	}
	return &staticTokenCredential{token: token}
}

// staticTokenLifetime is what the token claims to live. Its real expiry is
// unknown; the SDK asks again when this runs out and gets the same token.
const staticTokenLifetime = time.Hour

func (c *staticTokenCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: c.token, ExpiresOn: time.Now().Add(staticTokenLifetime)}, nil
}

// String keeps the token out of any %v of the credential.
func (c *staticTokenCredential) String() string { return "static access token" }
