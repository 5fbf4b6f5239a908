package genai

import (
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/jsonscan"
)

// maxCategories bounds the filtered categories kept per response.
const maxCategories = 32

// readPromptFilters reads Azure's prompt_filter_results (older API versions:
// prompt_annotations): [{"prompt_index":0,"content_filter_results":{...}}].
func readPromptFilters(s *jsonscan.Scanner, f *Filter) {
	for range s.Array() {
		for range s.Member("content_filter_results") {
			readFilterResults(s, f)
		}
	}
}

// readResponsesFilters reads the Responses API's content_filters:
// [{"blocked":false,"source_type":"prompt","content_filter_results":{...}}].
func readResponsesFilters(s *jsonscan.Scanner, f *Filter) {
	for range s.Array() {
		for key := range s.Object() {
			switch string(key) {
			case "content_filter_results":
				readFilterResults(s, f)
			case "blocked":
				if v, _ := s.Bool(); v {
					f.Filtered = true
				}
			default:
				s.Skip()
			}
		}
	}
}

// readFilterResults reads one content_filter_results object:
// {"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"detected":false,"filtered":false},
// "custom_blocklists":[{"filtered":true,"id":"..."}], "error":{...}}. A category
// counts when its object (or any element of its array) says filtered: true.
func readFilterResults(s *jsonscan.Scanner, f *Filter) {
	if !s.SkipUnless(jsonscan.Object) {
		return
	}
	f.Seen = true
	for key := range s.Object() {
		category := normaliseCategory(key)
		filtered := false
		if s.Peek() == jsonscan.Array {
			for range s.Array() {
				if readFiltered(s) {
					filtered = true
				}
			}
		} else {
			filtered = readFiltered(s)
		}
		if filtered {
			f.add(category)
		}
	}
}

// readFiltered reads {"filtered": bool, ...} and reports the flag. Any other
// value is skipped and reports false.
func readFiltered(s *jsonscan.Scanner) bool {
	filtered := false
	for range s.Member("filtered") {
		if v, _ := s.Bool(); v {
			filtered = true
		}
	}
	return filtered
}

// normaliseCategory returns the category name with Azure's older "self-harm"
// spelling folded into "self_harm". Well-known names do not allocate.
func normaliseCategory(key []byte) string {
	switch string(key) {
	case "hate":
		return "hate"
	case "sexual":
		return "sexual"
	case "violence":
		return "violence"
	case "self_harm", "self-harm":
		return "self_harm"
	case "jailbreak":
		return "jailbreak"
	case "indirect_attack":
		return "indirect_attack"
	case "profanity":
		return "profanity"
	case "protected_material_text":
		return "protected_material_text"
	case "protected_material_code":
		return "protected_material_code"
	case "custom_blocklists":
		return "custom_blocklists"
	case "ungrounded_material":
		return "ungrounded_material"
	}
	out := []byte(string(key))
	for i, c := range out {
		if c == '-' {
			out[i] = '_'
		}
	}
	return string(out)
}

func (f *Filter) add(category string) {
	f.Filtered = true
	for _, c := range f.Categories {
		if c == category {
			return
		}
	}
	if len(f.Categories) < maxCategories {
		f.Categories = append(f.Categories, category)
	}
}
