//go:build !unix

package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import "time"

func processCPUTime() (time.Duration, bool) { return 0, false }
