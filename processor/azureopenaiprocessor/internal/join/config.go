package join // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Config is the join's part of the processor's `diagnostics:` section: how
// often pending keys are looked up and how long and how many spans may wait.
// Where the records come from is the source's part (internal/loganalytics).
type Config struct {
	// PollInterval is how often pending keys are looked up. Default 30s.
	PollInterval time.Duration `mapstructure:"poll_interval"`

	// MaxWait is how long a span waits for its row, counted from the moment it
	// entered the buffer. Azure documents 3 to 10 minutes of ingestion delay,
	// up to 20. Default 15m.
	MaxWait time.Duration `mapstructure:"max_wait"`

	// MaxKeysPerQuery is how many keys one lookup asks about. Default 500.
	MaxKeysPerQuery int `mapstructure:"max_keys_per_query"`

	// MaxPending is how many spans the buffer holds; a span that finds it
	// full leaves at once, marked overflow. Default 50000.
	MaxPending int `mapstructure:"max_pending"`

	// MaxPendingBytes bounds the memory of the buffer (spans as held, bodies
	// already removed). Default 268435456 (256 MiB).
	MaxPendingBytes int64 `mapstructure:"max_pending_bytes"`

	// Storage names the storage extension (for example file_storage/join)
	// in which held spans wait: one write per batch, a small index in RAM
	// (about 220 bytes a span), and after a restart or a crash waiting
	// resumes with the spans stored. Without it spans wait in memory, and a
	// crash loses those waiting (at most max_pending, or max_wait of
	// traffic).
	Storage *component.ID `mapstructure:"storage"`

	// MaxStoredBytes bounds the bytes of the stored batches, with storage
	// (max_pending still bounds the spans). Default 2147483648 (2 GiB):
	// 300 000 pending spans of up to 4 KB as protobuf, 15 minutes of
	// 330 calls a second, with room to spare.
	MaxStoredBytes int64 `mapstructure:"max_stored_bytes"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// NewDefaultConfig returns the defaults of the design: 30 s polls, 15 min
// wait, 500 keys per query, 50 000 spans or 256 MiB held.
func NewDefaultConfig() Config {
	return Config{
		PollInterval:    30 * time.Second,
		MaxWait:         15 * time.Minute,
		MaxKeysPerQuery: 500,
		MaxPending:      50_000,
		MaxPendingBytes: 256 << 20,
		MaxStoredBytes:  2 << 30,
	}
}

// Check checks the settings without changing them. It is not called Validate
// because the settings sit squashed in the processor's `diagnostics:`
// section, whose Validate runs it: confmap would otherwise report its errors
// under a path that is no key of the user's file.
func (cfg *Config) Check() error {
	var errs []error
	if cfg.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("poll_interval (%v) must be positive", cfg.PollInterval))
	}
	if cfg.MaxWait <= 0 {
		errs = append(errs, fmt.Errorf("max_wait (%v) must be positive", cfg.MaxWait))
	} else if cfg.PollInterval > 0 && cfg.MaxWait < cfg.PollInterval {
		errs = append(errs, fmt.Errorf("max_wait (%v) must be at least poll_interval (%v): a span would leave before its first lookup", cfg.MaxWait, cfg.PollInterval))
	}
	if cfg.MaxKeysPerQuery <= 0 {
		errs = append(errs, fmt.Errorf("max_keys_per_query (%d) must be positive", cfg.MaxKeysPerQuery))
	}
	if cfg.MaxPending <= 0 {
		errs = append(errs, fmt.Errorf("max_pending (%d) must be positive", cfg.MaxPending))
	}
	if cfg.MaxPendingBytes <= 0 {
		errs = append(errs, fmt.Errorf("max_pending_bytes (%d) must be positive", cfg.MaxPendingBytes))
	}
	if cfg.MaxStoredBytes <= 0 {
		errs = append(errs, fmt.Errorf("max_stored_bytes (%d) must be positive", cfg.MaxStoredBytes))
	}
	return errors.Join(errs...)
}
