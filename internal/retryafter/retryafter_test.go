package retryafter

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDelay(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for name, tt := range map[string]struct {
		header http.Header
		want   time.Duration
	}{
		"seconds":           {http.Header{"Retry-After": {"42"}}, 42 * time.Second},
		"fraction":          {http.Header{"Retry-After": {"0.5"}}, 500 * time.Millisecond},
		"milliseconds wins": {http.Header{"Retry-After": {"42"}, "Retry-After-Ms": {"1500"}}, 1500 * time.Millisecond},
		"x-ms form":         {http.Header{"X-Ms-Retry-After-Ms": {"250"}}, 250 * time.Millisecond},
		"bad ms falls back": {http.Header{"Retry-After": {"3"}, "Retry-After-Ms": {"soon"}}, 3 * time.Second},
		"http date":         {http.Header{"Retry-After": {now.Add(2 * time.Minute).Format(http.TimeFormat)}}, 2 * time.Minute},
		"date in the past":  {http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		"garbage":           {http.Header{"Retry-After": {"soon"}}, 0},
		"negative":          {http.Header{"Retry-After": {"-3"}}, 0},
		"zero":              {http.Header{"Retry-After": {"0"}}, 0},
		"absent":            {http.Header{}, 0},
	} {
		assert.Equal(t, tt.want, Delay(tt.header, now), name)
	}
}
