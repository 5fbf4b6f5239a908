package tokens // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/tokens"

import (
	"encoding/base64"
	"encoding/binary"
	"io"
	"math"
	"strings"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/genai"
)

// Image token costs of gpt-4o-class models, from OpenAI's vision guide: a
// low-detail image costs a flat 85 tokens; a high- (or auto-) detail image is
// scaled to fit in 2048x2048, then so that its shortest side is at most 768,
// and costs 170 per 512x512 tile it covers plus 85.
const (
	imageBaseTokens = 85
	imageTileTokens = 170
	imageTileSide   = 512
	imageFitSide    = 2048
	imageShortSide  = 768
	// DefaultImageTokens is the cost assumed for a high- or auto-detail image
	// whose size is unknown (an http URL, or a header that does not parse):
	// that of a 1024x1024 image, 4 tiles.
	DefaultImageTokens = imageBaseTokens + 4*imageTileTokens
)

// maxImageHeaderBytes bounds how much of an image is decoded from base64 to
// find its size: JPEG metadata segments (EXIF, ICC profiles) may come before
// the frame header.
const maxImageHeaderBytes = 256 << 10

// Image returns the estimated input tokens of an image part.
func Image(p genai.Part) int {
	if strings.EqualFold(p.Detail, "low") {
		return imageBaseTokens
	}
	if p.Type == "blob" {
		if w, h, ok := ImageSize(p.Content); ok {
			return tileTokens(w, h)
		}
	}
	return DefaultImageTokens
}

// tileTokens applies the high-detail tile rule to a w x h image.
func tileTokens(w, h int) int {
	fw, fh := float64(w), float64(h)
	if long := math.Max(fw, fh); long > imageFitSide {
		fw, fh = fw*imageFitSide/long, fh*imageFitSide/long
	}
	if short := math.Min(fw, fh); short > imageShortSide {
		fw, fh = fw*imageShortSide/short, fh*imageShortSide/short
	}
	tiles := math.Ceil(fw/imageTileSide) * math.Ceil(fh/imageTileSide)
	return imageBaseTokens + imageTileTokens*int(tiles)
}

// ImageSize reads the width and height of a base64-encoded PNG, JPEG, GIF or
// WebP image from its header, decoding only the bytes before the size.
func ImageSize(b64 string) (w, h int, ok bool) {
	r := &imageReader{r: io.LimitReader(base64.NewDecoder(base64.StdEncoding, strings.NewReader(b64)), maxImageHeaderBytes)}
	head := r.next(12)
	switch {
	case head == nil:
		return 0, 0, false
	case string(head[:8]) == "\x89PNG\r\n\x1a\n":
		// Signature, then the IHDR chunk: length, "IHDR", width, height.
		ihdr := r.next(12)
		if ihdr == nil || string(ihdr[:4]) != "IHDR" {
			return 0, 0, false
		}
		return positive(int(binary.BigEndian.Uint32(ihdr[4:])), int(binary.BigEndian.Uint32(ihdr[8:])))
	case string(head[:6]) == "GIF87a" || string(head[:6]) == "GIF89a":
		return positive(int(binary.LittleEndian.Uint16(head[6:])), int(binary.LittleEndian.Uint16(head[8:])))
	case string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return webpSize(r)
	case head[0] == 0xFF && head[1] == 0xD8:
		return jpegSize(r, head[2:])
	}
	return 0, 0, false
}

func positive(w, h int) (int, int, bool) {
	if w <= 0 || h <= 0 {
		return 0, 0, false
	}
	return w, h, true
}

// webpSize reads the first chunk after "RIFF....WEBP".
func webpSize(r *imageReader) (int, int, bool) {
	head := r.next(8)
	if head == nil {
		return 0, 0, false
	}
	switch string(head[:4]) {
	case "VP8X":
		// Flags and reserved (4 bytes), canvas width - 1 and height - 1 (24 bits each).
		if d := r.next(10); d != nil {
			return positive(int(uint24(d[4:]))+1, int(uint24(d[7:]))+1)
		}
	case "VP8L":
		// Signature 0x2f, then width - 1 and height - 1 in 14 bits each.
		if d := r.next(5); d != nil && d[0] == 0x2f {
			bits := binary.LittleEndian.Uint32(d[1:])
			return positive(int(bits&0x3fff)+1, int(bits>>14&0x3fff)+1)
		}
	case "VP8 ":
		// Frame tag (3 bytes), start code 9d 01 2a, width and height (14 bits each).
		if d := r.next(10); d != nil && d[3] == 0x9d && d[4] == 0x01 && d[5] == 0x2a {
			return positive(int(binary.LittleEndian.Uint16(d[6:])&0x3fff), int(binary.LittleEndian.Uint16(d[8:])&0x3fff))
		}
	}
	return 0, 0, false
}

func uint24(b []byte) uint32 { return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 }

// jpegSize walks the JPEG segments after the start-of-image marker (rest
// holds the bytes already read past it) to the first start-of-frame segment.
func jpegSize(r *imageReader, rest []byte) (int, int, bool) {
	r.unread(rest)
	for {
		m := r.next(2)
		if m == nil || m[0] != 0xFF {
			return 0, 0, false
		}
		marker := m[1]
		for marker == 0xFF { // fill bytes
			b := r.next(1)
			if b == nil {
				return 0, 0, false
			}
			marker = b[0]
		}
		if marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8) {
			continue // markers without a length
		}
		l := r.next(2)
		if l == nil {
			return 0, 0, false
		}
		n := int(binary.BigEndian.Uint16(l)) - 2
		if n < 0 {
			return 0, 0, false
		}
		if isStartOfFrame(marker) {
			// Sample precision, height, width.
			f := r.next(5)
			if f == nil {
				return 0, 0, false
			}
			return positive(int(binary.BigEndian.Uint16(f[3:])), int(binary.BigEndian.Uint16(f[1:])))
		}
		if !r.skip(n) {
			return 0, 0, false
		}
	}
}

// isStartOfFrame reports the SOF markers: C0-CF but DHT (C4), JPG (C8) and DAC (CC).
func isStartOfFrame(m byte) bool {
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC
}

// imageReader reads an image header in small pieces.
type imageReader struct {
	r       io.Reader
	pending []byte
	buf     [32]byte
}

// next returns the next n (at most 32) bytes, or nil at the end of the data.
func (r *imageReader) next(n int) []byte {
	got := copy(r.buf[:n], r.pending)
	r.pending = r.pending[got:]
	if _, err := io.ReadFull(r.r, r.buf[got:n]); err != nil {
		return nil
	}
	return r.buf[:n]
}

// unread puts bytes already read back in front of the rest.
func (r *imageReader) unread(b []byte) {
	r.pending = append([]byte(nil), b...)
}

func (r *imageReader) skip(n int) bool {
	if k := min(n, len(r.pending)); k > 0 {
		r.pending, n = r.pending[k:], n-k
	}
	_, err := io.CopyN(io.Discard, r.r, int64(n))
	return err == nil
}
