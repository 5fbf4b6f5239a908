package aigatewayreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
)

// TestReasonEnumMatchesDecoder keeps metadata.yaml's reason enum (what the
// documentation promises) equal to the reasons the decoder reports.
func TestReasonEnumMatchesDecoder(t *testing.T) {
	cm, err := confmaptest.LoadConf("metadata.yaml")
	require.NoError(t, err)
	enum, ok := cm.Get("attributes::reason::enum").([]any)
	require.True(t, ok)
	var reasons []any
	for i := range exchange.NumReasons {
		reasons = append(reasons, exchange.Reason(i).String())
	}
	assert.Equal(t, enum, reasons)
}
