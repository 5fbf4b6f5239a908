package azurecredential

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Options are the SDK settings a component gives every credential type.
type Options struct {
	// ClientOptions carries the cloud (its Entra ID authority, see CloudFor)
	// and the transport of the token requests. Token requests go to Entra ID,
	// not to the component's endpoint, so they use the SDK's default transport
	// (which honours HTTPS_PROXY) unless a component has a reason to set one:
	// an endpoint's private CA would not verify Entra ID.
	ClientOptions azcore.ClientOptions
	// DisableInstanceDiscovery skips the authority metadata request, which a
	// disconnected cloud (or a test's token endpoint) cannot answer.
	DisableInstanceDiscovery bool
}

// New builds the token source a credential section names. It does no I/O:
// azidentity credentials fetch their first token on the first GetToken.
func New(cc Config, opts Options) (azcore.TokenCredential, error) {
	options := opts.ClientOptions
	var (
		cred azcore.TokenCredential
		err  error
	)
	switch cc.Type {
	case TypeDefault, "":
		cred, err = azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions: options, TenantID: cc.TenantID, DisableInstanceDiscovery: opts.DisableInstanceDiscovery,
		})
	case TypeManagedIdentity:
		mi := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: options}
		if cc.ClientID != "" {
			mi.ID = azidentity.ClientID(cc.ClientID)
		}
		cred, err = azidentity.NewManagedIdentityCredential(mi)
	case TypeWorkloadIdentity:
		// The federated token file comes from AZURE_FEDERATED_TOKEN_FILE, which
		// the AKS workload identity webhook sets.
		cred, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: options, ClientID: cc.ClientID, TenantID: cc.TenantID,
			DisableInstanceDiscovery: opts.DisableInstanceDiscovery,
		})
	case TypeClientSecret:
		cred, err = azidentity.NewClientSecretCredential(cc.TenantID, cc.ClientID, string(cc.ClientSecret),
			&azidentity.ClientSecretCredentialOptions{
				ClientOptions: options, DisableInstanceDiscovery: opts.DisableInstanceDiscovery,
			})
	case TypeAccessToken:
		cred = newStaticTokenCredential(string(cc.AccessToken))
	case TypeExtension:
		return nil, errors.New("credential type extension is resolved from the collector's extensions at start (Resolve), not built")
	default:
		return nil, fmt.Errorf("credential type %q is unknown", cc.Type)
	}
	if err != nil {
		// azidentity's constructor errors name missing settings, never a secret.
		return nil, fmt.Errorf("credential %s: %w", cc.Type, err)
	}
	return cred, nil
}

// CloudFor picks the Entra ID authority that issues tokens for an audience
// (or a scope, which is the audience with /.default): a sovereign cloud's
// service needs its own cloud's tokens. Unknown audiences keep the SDK
// default (public cloud, or AZURE_AUTHORITY_HOST).
func CloudFor(audience string) cloud.Configuration {
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
