package join

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJoinKeyTakesOnlyGUIDs(t *testing.T) {
	for in, want := range map[string]string{
		"d427a391-2bc7-4f38-9cbc-6560600e0981": "d427a391-2bc7-4f38-9cbc-6560600e0981",
		"D427A391-2BC7-4F38-9CBC-6560600E0981": "d427a391-2bc7-4f38-9cbc-6560600e0981",
	} {
		got, ok := joinKey(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got)
	}
	for _, in := range []string{
		"", "d427a391", "d427a3912bc74f389cbc6560600e0981", "{d427a391-2bc7-4f38-9cbc-6560600e0981}",
		"d427a391-2bc7-4f38-9cbc-6560600e098g", "d427a391_2bc7-4f38-9cbc-6560600e0981",
		`x") | union (AzureActivity)`, "d427a391-2bc7-4f38-9cbc-6560600e0981\n",
		"d427a391-2bc7-4f38-9cbc-6560600e09\"1",
	} {
		_, ok := joinKey(in)
		assert.False(t, ok, "%q", in)
	}
}
