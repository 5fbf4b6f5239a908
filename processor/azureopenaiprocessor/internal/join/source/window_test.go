package source

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestWindow(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 10, 0, 0, time.UTC)
	w := NewWindow(now.Add(-time.Hour), now)
	assert.Equal(t, now.Add(-time.Hour-WindowMargin), w.From)
	assert.Equal(t, now.Add(WindowMargin), w.To)

	future := NewWindow(now.Add(time.Hour), now)
	assert.Equal(t, now.Add(-WindowMargin), future.From, "a span from a fast clock never inverts the window")
	assert.True(t, future.From.Before(future.To))
}
