package genai

import "bytes"

var (
	formModelName = []byte(`name="model"`)
	blankLine     = []byte("\r\n\r\n")
)

// maxFormModel bounds a model field's value: a longer one is not a model or
// deployment name.
const maxFormModel = 256

// FormModel returns the value of the "model" field of a multipart/form-data
// body (transcriptions, translations, image edits), "" when it has none or the
// body is cut before it ends. Only part headers are matched; the file's bytes
// are searched, never parsed.
func FormModel(body []byte) string {
	for off := 0; ; {
		i := bytes.Index(body[off:], formModelName)
		if i < 0 {
			return ""
		}
		i += off
		off = i + len(formModelName)
		// name="model" as a parameter of its own, not the end of
		// filename="model".
		if i > 0 && body[i-1] != ' ' && body[i-1] != ';' && body[i-1] != '\t' {
			continue
		}
		headersEnd := bytes.Index(body[off:], blankLine)
		if headersEnd < 0 {
			return ""
		}
		value := body[off+headersEnd+len(blankLine):]
		end := bytes.IndexByte(value, '\r')
		if end < 0 || end > maxFormModel {
			return ""
		}
		return string(value[:end])
	}
}
