//go:build !unix

package diagnostics

import "time"

func processCPUTime() (time.Duration, bool) { return 0, false }
