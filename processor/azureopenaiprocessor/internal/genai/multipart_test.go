package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFormModel(t *testing.T) {
	const file = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"model\"\r\nContent-Type: audio/wav\r\n\r\nRIFF name=\"model\"x\r\n"
	tests := []struct{ name, body, want string }{
		{"after the file", file + "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ngpt-4o-transcribe\r\n--b--\r\n", "gpt-4o-transcribe"},
		{"first", "--b\r\nContent-Disposition: form-data; name=\"model\"\r\nContent-Type: text/plain\r\n\r\nwhisper-1\r\n" + file + "--b--\r\n", "whisper-1"},
		{"absent", file + "--b--\r\n", ""},
		{"cut in the value", "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhis", ""},
		{"cut in the headers", "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, FormModel([]byte(tt.body)), tt.name)
	}
}
