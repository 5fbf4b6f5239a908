package tokens

import (
	"encoding/base64"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/genai"
)

// Headers of each format, written from the format specifications; what
// follows the size is left out, as only the header is read.

func pngHeader(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
	b = binary.BigEndian.AppendUint32(b, w)
	b = binary.BigEndian.AppendUint32(b, h)
	return append(b, 8, 6, 0, 0, 0)
}

func jpegHeader(w, h uint16) []byte {
	b := []byte{0xFF, 0xD8}
	// An APP0 (JFIF) and an APP1 segment come before the frame header.
	b = append(b, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0)
	app1 := make([]byte, 300)
	b = append(b, 0xFF, 0xE1)
	b = binary.BigEndian.AppendUint16(b, uint16(len(app1)+2))
	b = append(b, app1...)
	// SOF2 (progressive): length, precision, height, width, components.
	b = append(b, 0xFF, 0xC2, 0x00, 0x11, 8)
	b = binary.BigEndian.AppendUint16(b, h)
	b = binary.BigEndian.AppendUint16(b, w)
	return append(b, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
}

func gifHeader(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	return append(b, 0xF7, 0, 0)
}

func webpHeader(chunk string, data []byte) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBP" + chunk)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

func TestImageSize(t *testing.T) {
	vp8x := []byte{0x10, 0, 0, 0, 0xFF, 0x07, 0x00, 0x37, 0x04, 0x00} // 2048 x 1080 (stored minus one)
	// VP8L: 0x2f, then (w-1) | (h-1)<<14 | alpha<<28 | version<<29, little endian: 1000 x 600.
	vp8l := binary.LittleEndian.AppendUint32([]byte{0x2f}, 999|599<<14)
	vp8 := append([]byte{0x50, 0x1c, 0x00, 0x9d, 0x01, 0x2a}, binary.LittleEndian.AppendUint16(binary.LittleEndian.AppendUint16(nil, 640), 480)...)
	tests := []struct {
		name string
		data []byte
		w, h int
		ok   bool
	}{
		{"png", pngHeader(2048, 4096), 2048, 4096, true},
		{"jpeg after APP segments", jpegHeader(1600, 1200), 1600, 1200, true},
		{"gif", gifHeader(320, 200), 320, 200, true},
		{"webp extended", webpHeader("VP8X", vp8x), 2048, 1080, true},
		{"webp lossless", webpHeader("VP8L", vp8l), 1000, 600, true},
		{"webp lossy", webpHeader("VP8 ", vp8), 640, 480, true},
		{"png cut before the size", pngHeader(10, 10)[:18], 0, 0, false},
		{"not an image", []byte("hello, world, this is text"), 0, 0, false},
		{"png of width zero", pngHeader(0, 10), 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, h, ok := ImageSize(base64.StdEncoding.EncodeToString(tt.data))
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.w, w)
			assert.Equal(t, tt.h, h)
		})
	}
	_, _, ok := ImageSize("not base64 at all!")
	assert.False(t, ok)
}

func TestImageTokens(t *testing.T) {
	blob := func(data []byte, detail string) genai.Part {
		return genai.Part{Type: "blob", Modality: "image", MimeType: "image/png", Content: base64.StdEncoding.EncodeToString(data), Detail: detail}
	}
	// OpenAI's vision guide, gpt-4o: a 2048 x 4096 image in high detail is
	// scaled to 1024 x 2048, then to 768 x 1536: 6 tiles, 170 x 6 + 85 = 1105.
	assert.Equal(t, 1105, Image(blob(pngHeader(2048, 4096), "high")))
	assert.Equal(t, 1105, Image(blob(pngHeader(2048, 4096), "auto")))
	assert.Equal(t, 1105, Image(blob(pngHeader(2048, 4096), "")))
	// Low detail: 85, whatever the size.
	assert.Equal(t, 85, Image(blob(pngHeader(4096, 8192), "low")))
	// 1024 x 1024: shortest side to 768, 4 tiles: 765.
	assert.Equal(t, 765, Image(blob(jpegHeader(1024, 1024), "high")))
	// 320 x 200 is one tile and is not scaled up: 255.
	assert.Equal(t, 255, Image(blob(gifHeader(320, 200), "auto")))
	// Size unknown (an http URL): the stated default, a 1024 x 1024 image.
	assert.Equal(t, 765, Image(genai.Part{Type: "uri", Modality: "image", URI: "https://example.com/cat.png"}))
	assert.Equal(t, 85, Image(genai.Part{Type: "uri", Modality: "image", URI: "https://example.com/cat.png", Detail: "low"}))
}

func TestPromptCountsImages(t *testing.T) {
	c := ForModel("gpt-4o")
	question := genai.Part{Type: "text", Content: "What is in this image?"}
	textOnly := c.Prompt(&genai.Request{Messages: []genai.Message{{Role: "user", Parts: []genai.Part{question}}}})
	withImages := c.Prompt(&genai.Request{Messages: []genai.Message{{Role: "user", Parts: []genai.Part{
		question,
		{Type: "blob", Modality: "image", MimeType: "image/png", Content: base64.StdEncoding.EncodeToString(pngHeader(2048, 4096)), Detail: "high"},
		{Type: "uri", Modality: "image", URI: "https://example.com/cat.png", Detail: "low"},
	}}}})
	assert.Equal(t, textOnly+1105+85, withImages)
}
