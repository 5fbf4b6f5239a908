package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"strings"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

// joinKey returns the key a span joins on, lower-cased, and whether it is one:
// only GUIDs go to a source, so a request id that is anything else (a proxy's
// own format, or a hostile string) never reaches a query.
func joinKey(requestID string) (string, bool) {
	if !source.IsGUID(requestID) {
		return "", false
	}
	return strings.ToLower(requestID), true
}
