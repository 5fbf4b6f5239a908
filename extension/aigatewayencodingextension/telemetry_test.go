package aigatewayencodingextension

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
)

// The reason values the extension's metric documents are the ones the shared
// decoder counts (exchange.CountRejected).
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
