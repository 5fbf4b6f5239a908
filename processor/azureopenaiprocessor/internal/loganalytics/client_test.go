package loganalytics

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
)

func TestClassifyQueryError(t *testing.T) {
	throttled := &azcore.ResponseError{StatusCode: http.StatusTooManyRequests, ErrorCode: "ThrottledError",
		RawResponse: &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"30"}}}}
	qe := classifyQueryError(fmt.Errorf("wrapped: %w", throttled))
	assert.True(t, qe.Throttled)
	assert.Equal(t, 30*time.Second, qe.RetryAfter)
	assert.Equal(t, "HTTP 429 ThrottledError", qe.Error())

	assert.Equal(t, "timeout", classifyQueryError(context.DeadlineExceeded).Code)
	assert.Equal(t, "cancelled", classifyQueryError(context.Canceled).Code)
	assert.Equal(t, "malformed answer", classifyQueryError(errors.New("unmarshalling type *azquery.Results: unexpected end of JSON input")).Code)
	assert.Equal(t, "transport: connection refused", classifyQueryError(errors.New("connection refused")).Error())
}

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

func TestNewCredentialBuildsEveryType(t *testing.T) {
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", t.TempDir()+"/token")
	for _, cc := range []CredentialConfig{
		{Type: CredentialDefault},
		{Type: CredentialDefault, TenantID: "contoso.onmicrosoft.com"},
		{Type: CredentialManagedIdentity},
		{Type: CredentialManagedIdentity, ClientID: "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c"},
		{Type: CredentialWorkloadIdentity, ClientID: "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c", TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47"},
		{Type: CredentialClientSecret, ClientID: "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c", TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47", ClientSecret: configopaque.String("s3cr3t-value")},
		{Type: CredentialAccessToken, AccessToken: "tok"},
	} {
		cred, err := newCredential(cc, DefaultAudience)
		require.NoError(t, err, cc.Type)
		assert.NotNil(t, cred)
	}
	_, err := newCredential(CredentialConfig{Type: CredentialClientSecret, ClientID: "3c5a1f0e-8b2d-4e6f-9a7c-1d2e3f4a5b6c", TenantID: "not a tenant!", ClientSecret: "s3cr3t-value"}, DefaultAudience)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cr3t-value")
	_, err = newCredential(CredentialConfig{Type: "kerberos"}, DefaultAudience)
	assert.Error(t, err)
}

func TestEntraCloudFollowsTheAudience(t *testing.T) {
	assert.Equal(t, "https://login.microsoftonline.us/", entraCloud("https://api.loganalytics.us").ActiveDirectoryAuthorityHost)
	assert.Equal(t, "https://login.chinacloudapi.cn/", entraCloud("https://api.loganalytics.azure.cn").ActiveDirectoryAuthorityHost)
	assert.Empty(t, entraCloud("https://api.loganalytics.io").ActiveDirectoryAuthorityHost, "public cloud: the SDK default")
}
