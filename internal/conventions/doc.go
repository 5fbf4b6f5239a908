// Package conventions holds the attribute names and values of this project
// that more than one package writes or reads: the receiver's ai_gateway.*
// names (which the processor reads back), and the processor's azure.openai.*
// names that the lifter, the diagnostics join and the summary tool share.
// Names from OpenTelemetry's semantic conventions come from the pinned semconv
// package instead; names one package alone uses stay in that package.
package conventions // import "github.com/otelcol-aoai/otelcol-aoai/internal/conventions"
