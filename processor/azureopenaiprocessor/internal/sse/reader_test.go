package sse

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func events(body string) (names, data []string) {
	var r Reader
	r.Reset([]byte(body))
	for {
		ev, ok := r.Next()
		if !ok {
			return names, data
		}
		names = append(names, string(ev.Name))
		data = append(data, string(ev.Data))
	}
}

func TestReaderSplitsEvents(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		names []string
		data  []string
	}{
		{"lf", "data: {\"a\":1}\n\ndata: [DONE]\n\n", []string{"", ""}, []string{`{"a":1}`, "[DONE]"}},
		{"crlf", "data: 1\r\n\r\ndata: 2\r\n\r\n", []string{"", ""}, []string{"1", "2"}},
		{"cr", "data: 1\r\rdata: 2\r\r", []string{"", ""}, []string{"1", "2"}},
		{"multi-line data", "data: {\"a\":\ndata: 1}\n\n", []string{""}, []string{"{\"a\":\n1}"}},
		{"no space after colon", "data:x\n\n", []string{""}, []string{"x"}},
		{"event names and comments", ": keep-alive\nevent: response.created\ndata: {}\n\nevent: done\ndata: [DONE]\n\n",
			[]string{"response.created", "done"}, []string{"{}", "[DONE]"}},
		{"cut stream without final blank line", "data: 1\n\ndata: {\"partial\"", []string{"", ""}, []string{"1", `{"partial"`}},
		{"single newline before end", "data: [DONE]\n", []string{""}, []string{"[DONE]"}},
		{"empty", "", nil, nil},
		{"event without data is dropped", "event: ping\n\n", nil, nil},
		{"unknown fields ignored", "id: 7\nretry: 10\ndata: x\n\n", []string{""}, []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names, data := events(tt.body)
			assert.Equal(t, tt.names, names)
			assert.Equal(t, tt.data, data)
		})
	}
}

func TestEventDone(t *testing.T) {
	assert.True(t, Event{Data: []byte("[DONE]")}.Done())
	assert.True(t, Event{Data: []byte(" [DONE] ")}.Done())
	assert.False(t, Event{Data: []byte("{}")}.Done())
}

func TestLooksLikeStream(t *testing.T) {
	assert.True(t, LooksLikeStream([]byte("\n data: {}")))
	assert.True(t, LooksLikeStream([]byte("event: x\n")))
	assert.False(t, LooksLikeStream([]byte(`{"data":1}`)))
	assert.False(t, LooksLikeStream(nil))
}
