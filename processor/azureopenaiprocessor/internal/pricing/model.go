package pricing // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/pricing"

// Family is a model name without its snapshot date: gpt-4o-2024-11-20 is
// gpt-4o, gpt-4.1-mini-2025-04-14 is gpt-4.1-mini. A name without a
// -YYYY-MM-DD suffix is its own family.
func Family(model string) string {
	const suffix = len("-2006-01-02")
	if len(model) <= suffix {
		return model
	}
	tail := model[len(model)-suffix:]
	for i := 0; i < suffix; i++ {
		c := tail[i]
		switch i {
		case 0, 5, 8:
			if c != '-' {
				return model
			}
		default:
			if c < '0' || c > '9' {
				return model
			}
		}
	}
	return model[:len(model)-suffix]
}
