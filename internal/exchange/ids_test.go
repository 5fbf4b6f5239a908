package exchange

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseTraceparent(t *testing.T) {
	valid := map[string]string{
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01":       "4bf92f3577b34da6a3ce929d0e0e4736",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00":       "4bf92f3577b34da6a3ce929d0e0e4736",
		"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra": "4bf92f3577b34da6a3ce929d0e0e4736",
	}
	for in, want := range valid {
		tc, ok := parseTraceparent(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, tc.traceID.String(), in)
	}
	for _, in := range []string{
		"",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
		"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
		"00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
	} {
		_, ok := parseTraceparent(in)
		assert.False(t, ok, in)
	}
}

func TestDerivedIDsAreStableAndDistinct(t *testing.T) {
	seen := map[[8]byte]bool{}
	for i := range 10000 {
		key := "6513270e-269e-4d37-b2a7-4de452e6b4" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26))
		tid, sid := derivedIDs(key)
		tid2, sid2 := derivedIDs(key)
		assert.Equal(t, tid, tid2)
		assert.Equal(t, sid, sid2)
		assert.False(t, seen[sid], key)
		seen[sid] = true
		assert.False(t, tid.IsEmpty())
		assert.False(t, sid.IsEmpty())
	}
}
