package genai

import (
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/jsonscan"
)

// responsesItem is what names an item of the Responses API, alike in a
// request's input, a response's output and a stream's events: the item's
// type and, for a function call or its output, the call's id and the
// function's name.
type responsesItem struct {
	kind, callID, name string
}

// read reads the member key when it is one of the item's names and reports
// whether it was; the caller reads or skips any other member.
func (it *responsesItem) read(s *jsonscan.Scanner, key []byte) bool {
	switch string(key) {
	case "type":
		s.StoreStr(&it.kind)
	case "call_id":
		s.StoreStr(&it.callID)
	case "name":
		s.StoreStr(&it.name)
	default:
		return false
	}
	return true
}
