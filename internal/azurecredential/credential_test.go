package azurecredential

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
}
