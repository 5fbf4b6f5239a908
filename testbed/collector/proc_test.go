package collector

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadProcStatsOfItself(t *testing.T) {
	s, err := ReadProcStats(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, s.RSS)
	assert.GreaterOrEqual(t, s.PeakRSS, s.RSS)
	assert.Positive(t, s.RSSAnon, "a Go process has a heap")
	assert.Positive(t, s.RSSFile, "and its mapped executable")
	// The kernel sums the three parts into VmRSS, but reads each at its own
	// moment: allow a few pages of drift.
	assert.InDelta(t, s.RSS, s.RSSAnon+s.RSSFile+s.RSSShmem, 1<<20)
}
