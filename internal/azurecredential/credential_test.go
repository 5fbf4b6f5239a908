package azurecredential

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
)

func TestStaticTokenCredential(t *testing.T) {
	for _, in := range []string{"abc.def", "Bearer abc.def", "  bearer   abc.def \n"} {
		tok, err := newStaticTokenCredential(in).GetToken(context.Background(), policy.TokenRequestOptions{})
		require.NoError(t, err)
		assert.Equal(t, "abc.def", tok.Token)
		assert.True(t, tok.ExpiresOn.After(time.Now()))
	}
	assert.NotContains(t, fmt.Sprint(newStaticTokenCredential("abc.def")), "abc.def")
	assert.NotContains(t, fmt.Sprintf("%+v", newStaticTokenCredential("abc.def")), "abc.def")
}

func TestNewBuildsEveryType(t *testing.T) {
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", t.TempDir()+"/token")
	for _, cc := range []Config{
		{Type: TypeDefault},
		{Type: TypeDefault, TenantID: "contoso.onmicrosoft.com"},
		{Type: TypeManagedIdentity},
		{Type: TypeManagedIdentity, ClientID: "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c"},
		{Type: TypeWorkloadIdentity, ClientID: "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c", TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47"},
		{Type: TypeClientSecret, ClientID: "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c", TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47", ClientSecret: configopaque.String("s3cr3t-value")},
		{Type: TypeAccessToken, AccessToken: "tok"},
	} {
		cred, err := New(cc, Options{})
		require.NoError(t, err, cc.Type)
		assert.NotNil(t, cred)
	}
	_, err := New(Config{Type: TypeClientSecret, ClientID: "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c", TenantID: "not a tenant!", ClientSecret: "s3cr3t-value"}, Options{})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cr3t-value")
	_, err = New(Config{Type: "kerberos"}, Options{})
	assert.Error(t, err)
}

func TestCloudForFollowsTheAudience(t *testing.T) {
	assert.Equal(t, "https://login.microsoftonline.us/", CloudFor("https://api.loganalytics.us").ActiveDirectoryAuthorityHost)
	assert.Equal(t, "https://login.chinacloudapi.cn/", CloudFor("https://api.loganalytics.azure.cn").ActiveDirectoryAuthorityHost)
	assert.Empty(t, CloudFor("https://api.loganalytics.io").ActiveDirectoryAuthorityHost, "public cloud: the SDK default")
	assert.Equal(t, "https://login.microsoftonline.us/", CloudFor("https://monitor.azure.us/.default").ActiveDirectoryAuthorityHost, "a scope selects the cloud as its audience does")
	assert.Empty(t, CloudFor("api://3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c/.default").ActiveDirectoryAuthorityHost)
}

func TestCheckTypeExtension(t *testing.T) {
	ok := Config{Type: TypeExtension, Extension: "azure_entra_auth/ingest"}
	require.NoError(t, ok.Check())

	missing := Config{Type: TypeExtension}
	assert.ErrorContains(t, missing.Check(), "type extension needs extension")
	badID := Config{Type: TypeExtension, Extension: "azure entra"}
	assert.ErrorContains(t, badID.Check(), `extension "azure entra" is not a component id`)
	mixed := Config{Type: TypeExtension, Extension: "azure_entra_auth", ClientSecret: "s3cr3t-value"}
	err := mixed.Check()
	assert.ErrorContains(t, err, "client_secret is not used by type extension")
	assert.NotContains(t, err.Error(), "s3cr3t-value")
	stray := Config{Type: TypeManagedIdentity, Extension: "azure_entra_auth"}
	assert.ErrorContains(t, stray.Check(), "extension is not used by type managed_identity")
}

// lender is an extension that lends a credential.
type lender struct {
	component.StartFunc
	component.ShutdownFunc
	cred azcore.TokenCredential
}

func (l *lender) TokenCredential() azcore.TokenCredential { return l.cred }

func TestResolve(t *testing.T) {
	lent := newStaticTokenCredential("lent")
	id := component.MustNewIDWithName("azure_entra_auth", "ingest")
	extensions := map[component.ID]component.Component{
		id:                                  &lender{cred: lent},
		component.MustNewID("health_check"): &lender{},
	}
	cc := Config{Type: TypeExtension, Extension: id.String()}

	cred, err := Resolve(cc, Options{}, extensions)
	require.NoError(t, err)
	assert.Same(t, lent, cred)

	_, err = Resolve(Config{Type: TypeExtension, Extension: "azure_entra_auth"}, Options{}, extensions)
	assert.ErrorContains(t, err, `credential extension "azure_entra_auth" is not running`)
	extensions[component.MustNewID("pprof")] = struct {
		component.StartFunc
		component.ShutdownFunc
	}{}
	_, err = Resolve(Config{Type: TypeExtension, Extension: "pprof"}, Options{}, extensions)
	assert.ErrorContains(t, err, `credential extension "pprof" does not lend a credential`)

	_, err = New(cc, Options{})
	assert.Error(t, err, "type extension is never built")

	cred, err = Resolve(Config{Type: TypeAccessToken, AccessToken: "tok"}, Options{}, nil)
	require.NoError(t, err, "other types are built as New builds them")
	assert.IsType(t, &staticTokenCredential{}, cred)
}
