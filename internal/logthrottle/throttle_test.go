package logthrottle

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestAllowOnePerIntervalPerKind(t *testing.T) {
	clock := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	th := New(10*time.Second, func() time.Time { return clock })

	type call struct {
		after    time.Duration
		kind     string
		n        int
		ok       bool
		heldBack int
	}
	for i, c := range []call{
		{0, "a", 1, true, 0},
		{time.Second, "a", 3, false, 0},
		{0, "b", 1, true, 0}, // another kind has its own interval
		{time.Second, "a", 2, false, 0},
		{8 * time.Second, "a", 1, true, 5}, // 10 s after the first: says what it held back
		{time.Second, "a", 1, false, 0},
		{10 * time.Second, "a", 1, true, 1},
		{0, "b", 1, true, 0}, // b's interval ran out long ago, and nothing was held back
		{time.Second, "b", 7, false, 0},
		{9 * time.Second, "b", 1, true, 7},
	} {
		clock = clock.Add(c.after)
		heldBack, ok := th.Allow(c.kind, c.n)
		assert.Equal(t, c.ok, ok, "call %d", i)
		assert.Equal(t, c.heldBack, heldBack, "call %d", i)
	}
}

func TestNilClockIsTheWallClock(t *testing.T) {
	th := New(time.Hour, nil)
	_, ok := th.Allow("a", 1)
	assert.True(t, ok)
	_, ok = th.Allow("a", 1)
	assert.False(t, ok)
}
