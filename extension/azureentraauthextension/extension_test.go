package azureentraauthextension

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/otelcol-aoai/otelcol-aoai/extension/azureentraauthextension/internal/metadata"
	"github.com/otelcol-aoai/otelcol-aoai/internal/azurecredential"
)

const (
	testTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testClient = "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c"
	testSecret = "s3cr3t-value"
	testToken  = "eyJ0eXAiOiJKV1QifQ.fake-token.sig"
)

// fakeEntra answers a client-credentials token request as Entra ID does:
// the tenant's OpenID metadata, then the token endpoint. Each token request
// is counted and checked for the configured client, secret and scope.
type fakeEntra struct {
	server   *httptest.Server
	requests atomic.Int32
	fail     bool
}

func newFakeEntra(t *testing.T) *fakeEntra {
	f := &fakeEntra{}
	f.server = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeEntra) serve(w http.ResponseWriter, r *http.Request) {
	base := f.server.URL + "/" + testTenant
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/" + testTenant + "/v2.0/.well-known/openid-configuration":
		_ = json.NewEncoder(w).Encode(map[string]string{
			"token_endpoint":         base + "/oauth2/v2.0/token",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"issuer":                 base + "/v2.0",
		})
	case "/" + testTenant + "/oauth2/v2.0/token":
		f.requests.Add(1)
		_ = r.ParseForm()
		if f.fail || r.PostForm.Get("client_secret") != testSecret || r.PostForm.Get("client_id") != testClient {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]}`)
			return
		}
		// MSAL adds its own OIDC scopes beside the requested one.
		if !slices.Contains(strings.Fields(r.PostForm.Get("scope")), DefaultScope) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"invalid_scope"}`)
			return
		}
		_, _ = io.WriteString(w, `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"`+testToken+`"}`)
	default:
		http.NotFound(w, r)
	}
}

// newTestAuth builds the extension with a client_secret credential whose
// authority is the fake.
func newTestAuth(t *testing.T, entra *fakeEntra) *entraAuth {
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.Credential = azurecredential.Config{
		Type: azurecredential.TypeClientSecret, TenantID: testTenant, ClientID: testClient, ClientSecret: testSecret,
	}
	require.NoError(t, cfg.Validate())
	auth, err := newEntraAuth(cfg, extensiontest.NewNopSettings(metadata.Type), azurecredential.Options{
		ClientOptions: azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: entra.server.URL + "/"},
			Transport: entra.server.Client(),
			Retry:     policy.RetryOptions{MaxRetries: -1},
		},
		DisableInstanceDiscovery: true,
	})
	require.NoError(t, err)
	require.NoError(t, auth.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, auth.Shutdown(context.Background())) })
	return auth
}

// fakeIngestion stands for Application Insights: it counts the requests that
// carry the expected bearer token.
func fakeIngestion(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var authorized atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		authorized.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, &authorized
}

func newAuthClient(t *testing.T, auth *entraAuth) *http.Client {
	rt, err := auth.RoundTripper(http.DefaultTransport)
	require.NoError(t, err)
	return &http.Client{Transport: rt}
}

func post(t *testing.T, client *http.Client, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, strings.NewReader(`{"name":"x"}`))
	require.NoError(t, err)
	resp, err := client.Do(req)
	if resp != nil {
		_ = resp.Body.Close()
	}
	return resp, err
}

func TestRequestsCarryTheBearerAndOneTokenServesThemAll(t *testing.T) {
	entra := newFakeEntra(t)
	ingestion, authorized := fakeIngestion(t)
	client := newAuthClient(t, newTestAuth(t, entra))

	for range 5 {
		resp, err := post(t, client, ingestion.URL+"/v2.1/track")
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			resp, err := post(t, client, ingestion.URL+"/v2.1/track")
			if assert.NoError(t, err) {
				assert.Equal(t, http.StatusOK, resp.StatusCode)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(13), authorized.Load())
	assert.Equal(t, int32(1), entra.requests.Load(), "one token request for all exports")
}

func TestTheCallersRequestIsNotChanged(t *testing.T) {
	entra := newFakeEntra(t)
	ingestion, _ := fakeIngestion(t)
	client := newAuthClient(t, newTestAuth(t, entra))
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, ingestion.URL, strings.NewReader("{}"))
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, req.Header.Get("Authorization"))
}

func TestFailingTokenEndpointGivesAClearErrorWithoutTheSecret(t *testing.T) {
	entra := newFakeEntra(t)
	entra.fail = true
	ingestion, authorized := fakeIngestion(t)
	client := newAuthClient(t, newTestAuth(t, entra))

	_, err := post(t, client, ingestion.URL+"/v2.1/track")
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, "azure_entra_auth: no token for scope "+DefaultScope+" with credential client_secret")
	assert.Contains(t, msg, "AADSTS7000215", "Entra ID's own reason is kept")
	assert.NotContains(t, msg, testSecret)
	assert.Equal(t, int32(0), authorized.Load(), "nothing is sent without a token")
	assert.Positive(t, entra.requests.Load())
}

func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	entra := newFakeEntra(t)
	client := newAuthClient(t, newTestAuth(t, entra))
	_, err := post(t, client, "http://dc.services.visualstudio.com/v2.1/track")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refusing to send a bearer token over plain HTTP to dc.services.visualstudio.com")
	assert.Equal(t, int32(0), entra.requests.Load(), "no token is fetched for a request that will not be sent")

	for _, url := range []string{"http://localhost:8081/v2.1/track", "http://127.0.0.1/x", "http://[::1]/x", "https://example.com/x"} {
		req, err := http.NewRequest(http.MethodPost, url, http.NoBody)
		require.NoError(t, err)
		assert.True(t, safeForToken(req), url)
	}
}

func TestRoundTripperNeedsABase(t *testing.T) {
	_, err := newTestAuth(t, newFakeEntra(t)).RoundTripper(nil)
	assert.Error(t, err)
}

func TestTheCredentialIsLentToOtherComponents(t *testing.T) {
	entra := newFakeEntra(t)
	auth := newTestAuth(t, entra)
	extensions := map[component.ID]component.Component{component.NewID(metadata.Type): auth}
	cred, err := azurecredential.Resolve(azurecredential.Config{Type: azurecredential.TypeExtension, Extension: "azure_entra_auth"}, azurecredential.Options{}, extensions)
	require.NoError(t, err)
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{DefaultScope}})
	require.NoError(t, err)
	assert.Equal(t, testToken, tok.Token)
}

func TestTheExtensionCannotBorrowItself(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.Credential = azurecredential.Config{Type: azurecredential.TypeExtension, Extension: "azure_entra_auth"}
	assert.ErrorContains(t, cfg.Validate(), "credential: type extension is for components that borrow")
}
