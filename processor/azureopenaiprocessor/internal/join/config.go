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

	// How rows are found (the README's "Finding the rows").

	// Lookup is how the join finds rows: LookupCursor (default) reads every
	// row once by ingestion time and matches it to the pending keys itself, so
	// queries per poll do not grow with pending spans; LookupKeys asks for the
	// pending keys, max_keys_per_query per query.
	Lookup LookupMode `mapstructure:"lookup"`
	// IngestionOverlap is how far before the cursor each poll reads again, for
	// rows stamped with an ingestion time before the last poll but visible
	// only after it; rows read twice are recognised. Default 1m.
	IngestionOverlap time.Duration `mapstructure:"ingestion_overlap"`
	// MaxRowsPerQuery caps the rows of one cursor query; a poll whose rows do
	// not fit pages on. Default 50000 (the API answers at most 500 000 rows
	// and about 100 MiB).
	MaxRowsPerQuery int `mapstructure:"max_rows_per_query"`
	// EarlyRowsMaxCalls bounds how many calls whose rows came before their
	// span are kept; rows the full table cannot keep are counted. Default
	// 100000.
	EarlyRowsMaxCalls int `mapstructure:"early_rows_max_calls"`
	// EarlyRowsGrace is how long rows wait for their span before they are
	// counted as a call that bypassed the gateway. Default 10m.
	EarlyRowsGrace time.Duration `mapstructure:"early_rows_grace"`

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

		Lookup:            LookupCursor,
		IngestionOverlap:  time.Minute,
		MaxRowsPerQuery:   50_000,
		EarlyRowsMaxCalls: 100_000,
		EarlyRowsGrace:    10 * time.Minute,
	}
}

// LookupMode is how the join finds rows: the lookup setting.
type LookupMode string

const (
	// LookupCursor reads every new row by ingestion time (the default).
	LookupCursor LookupMode = "cursor"
	// LookupKeys asks for the pending keys.
	LookupKeys LookupMode = "keys"
)

// maxRowsPerAnswer is the most rows the Log Analytics query API answers.
const maxRowsPerAnswer = 500_000

// checkLookup checks the settings of how rows are found.
func (cfg *Config) checkLookup() []error {
	var errs []error
	switch cfg.Lookup {
	case LookupCursor, LookupKeys:
	default:
		errs = append(errs, fmt.Errorf("lookup %q must be %q or %q", cfg.Lookup, LookupCursor, LookupKeys))
	}
	if cfg.IngestionOverlap <= 0 {
		errs = append(errs, fmt.Errorf("ingestion_overlap (%v) must be positive: rows visible late would be missed", cfg.IngestionOverlap))
	}
	if cfg.MaxRowsPerQuery <= 0 || cfg.MaxRowsPerQuery > maxRowsPerAnswer {
		errs = append(errs, fmt.Errorf("max_rows_per_query (%d) must be between 1 and %d, the query API's row limit", cfg.MaxRowsPerQuery, maxRowsPerAnswer))
	}
	if cfg.EarlyRowsMaxCalls <= 0 {
		errs = append(errs, fmt.Errorf("early_rows_max_calls (%d) must be positive", cfg.EarlyRowsMaxCalls))
	}
	if cfg.EarlyRowsGrace <= 0 {
		errs = append(errs, fmt.Errorf("early_rows_grace (%v) must be positive", cfg.EarlyRowsGrace))
	}
	return errs
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
	errs = append(errs, cfg.checkLookup()...)
	return errors.Join(errs...)
}
