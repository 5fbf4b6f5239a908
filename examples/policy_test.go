package examples

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadAllowList(t *testing.T) *allowList {
	t.Helper()
	allow, err := readAllowList(filepath.Join("apim", "allowed-types.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, allow.types)
	require.Contains(t, allow.context, "context")
	return allow
}

// TestPolicyExpressionsUseOnlyAllowedTypes: API Management accepts a policy
// whose expressions use a type or member it does not allow and fails the
// call at run time, so every expression of every policy here is checked
// against the reference's lists before anyone pastes it into a gateway.
func TestPolicyExpressionsUseOnlyAllowedTypes(t *testing.T) {
	allow := loadAllowList(t)
	var policies []string
	require.NoError(t, filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".xml") {
			policies = append(policies, path)
		}
		return err
	}))
	require.GreaterOrEqual(t, len(policies), 2, "examples/apim and examples/eventhubs have a policy each")
	for _, path := range policies {
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		expressions, err := extractExpressions(string(raw))
		require.NoError(t, err, path)
		assert.NotEmpty(t, expressions, "%s: no policy expression found", path)
		for _, e := range expressions {
			if e.inAttribute && hasLineComment(e.code) {
				t.Errorf("%s:%d: a // comment in an attribute value: XML makes the expression one line, the comment would swallow the rest; use /* */", path, e.line)
			}
			for _, problem := range checkExpression(allow, e.code) {
				t.Errorf("%s:%d: %s", path, e.line, problem)
			}
		}
	}
}

// TestPolicyCheckerRefuses: what API Management refuses, the checker refuses;
// the reference's own examples pass.
func TestPolicyCheckerRefuses(t *testing.T) {
	allow := loadAllowList(t)
	refused := map[string]string{
		`context.Timestamp.ToUniversalTime().ToString("o")`:                                                    "DateTime.ToUniversalTime",
		`DateTime.UtcNow.AddMinutes(1).ToUniversalTime()`:                                                      "DateTime.ToUniversalTime",
		`var t = context.Variables.GetValueOrDefault<DateTime>("t", DateTime.UtcNow); return t.ToLocalTime();`: "DateTime.ToLocalTime",
		`Func<string, int> cost = s => s.Length; return cost("a");`:                                            "Func",
		`context.Request.Url.ToString()`:                                                                       "IUrl.ToString",
		`context.Deployment.Gateway.Name`:                                                                      "context.Deployment.Gateway.Name",
		`context.LastError.StatusCode`:                                                                         "context.LastError.StatusCode",
		`XDocument.Load("x")`:                                                                                  "XDocument.Load",
		`new IPAddress(new byte[] { 1, 2, 3, 4 })`:                                                             "new IPAddress",
		`System.IO.File.ReadAllText("x")`:                                                                      "System.IO.File",
		`(object)context.RequestId`:                                                                            "object",
		`Environment.GetEnvironmentVariable("x")`:                                                              "Environment",
		`context.Request.Headers.GetValueOrDefault("Authorization", "").AsJwt().Claim`:                         "Jwt.Claim",
		`$"{context.Request.Method}"`:                                                                          "interpolated",
	}
	for code, want := range refused {
		problems := checkExpression(allow, code)
		if assert.NotEmpty(t, problems, code) {
			assert.Contains(t, strings.Join(problems, "; "), want, code)
		}
	}
	passed := []string{
		`true`,
		`(1+1).ToString()`,
		`"Hi There".Length`,
		`Regex.Match(context.Response.Headers.GetValueOrDefault("Cache-Control",""), @"max-age=(?<maxAge>\d+)").Groups["maxAge"]?.Value`,
		`context.Variables.ContainsKey("maxAge") ? int.Parse((string)context.Variables["maxAge"]) : 3600`,
		`string[] value;
		 if (context.Request.Headers.TryGetValue("Authorization", out value)) {
		     if (value != null && value.Length > 0) { return Encoding.UTF8.GetString(Convert.FromBase64String(value[0])); }
		 }
		 return null;`,
		`context.Timestamp.ToString("o")`,
		`Newtonsoft.Json.JsonConvert.SerializeObject(new JObject(new JProperty("a", context.Elapsed.TotalMilliseconds)))`,
		`context.Subscription.EndDate.Value.AddDays(1).ToString()`,
		`context.Request.Headers.Where(h => h.Key != "x").Select((h, i) => h.Value.Length + i).Sum()`,
	}
	for _, code := range passed {
		assert.Empty(t, checkExpression(allow, code), code)
	}
}

func TestExtractExpressions(t *testing.T) {
	doc := `<policies><!-- @(context.Ignored) -->
<set-variable name="a" value="@(context.Request.Headers.GetValueOrDefault("x", "") == "y" && true)" />
<set-body>@{
    var s = "})"; // })
    return s;
}</set-body>
<set-header name="b"><value>plain @(not an expression)</value></set-header>
</policies>`
	got, err := extractExpressions(doc)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.True(t, got[0].inAttribute)
	assert.False(t, got[1].inAttribute)
	assert.False(t, hasLineComment(`var s = "http://x"; /* a */ return s;`))
	assert.True(t, hasLineComment(`var s = "a"; // b`))
	assert.Equal(t, 2, got[0].line)
	assert.Equal(t, `context.Request.Headers.GetValueOrDefault("x", "") == "y" && true`, got[0].code)
	assert.Equal(t, 3, got[1].line)
	assert.Contains(t, got[1].code, "return s;")

	_, err = extractExpressions(`<a b="@(context.Request"/>`)
	assert.Error(t, err)
}
