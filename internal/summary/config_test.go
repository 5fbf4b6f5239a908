package summary

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func TestReadPTUConfig(t *testing.T) {
	path := writeConfig(t, `
receivers:
  ai_gateway:
processors:
  batch:
  azure_openai:
    pricing:
      enabled: true
      deployments:
        gpt-4o-ptu: {type: provisioned, ptu: 100, hourly_price_per_ptu: 1.0}
        gpt-4o-eu: {type: data_zone_standard}
        shared-ptu: {type: provisioned, ptu: 15, hourly_price_per_ptu: 2}
  azure_openai/eu:
    pricing:
      deployments:
        eu-ptu: {type: provisioned, ptu: 50}
        shared-ptu: {type: provisioned, ptu: 15, hourly_price_per_ptu: 2}
  transform/azure_openai:
    pricing:
      deployments:
        not-ours: {type: provisioned, ptu: 5, hourly_price_per_ptu: 1}
`)
	got, err := ReadPTUConfig(path)
	require.NoError(t, err)
	assert.Equal(t, map[string]PTUDeployment{
		"gpt-4o-ptu": {PTU: 100, HourlyPricePerPTU: 1},
		"shared-ptu": {PTU: 15, HourlyPricePerPTU: 2},
		"eu-ptu":     {PTU: 50},
	}, got)
}

func TestReadPTUConfigOfTheLocalExample(t *testing.T) {
	got, err := ReadPTUConfig(filepath.Join("..", "..", "examples", "local", "config.yaml"))
	require.NoError(t, err)
	assert.Equal(t, map[string]PTUDeployment{"gpt-4.1-mini": {PTU: 50, HourlyPricePerPTU: 1}}, got)
}

func TestReadPTUConfigErrors(t *testing.T) {
	_, err := ReadPTUConfig(writeConfig(t, `
processors:
  azure_openai:
    pricing:
      deployments:
        a-ptu: {type: provisioned, ptu: 15, hourly_price_per_ptu: 1}
  azure_openai/2:
    pricing:
      deployments:
        a-ptu: {type: provisioned, ptu: 30, hourly_price_per_ptu: 1}
`))
	assert.ErrorContains(t, err, "deployment a-ptu is provisioned differently in processors azure_openai")

	_, err = ReadPTUConfig(writeConfig(t, `
processors:
  azure_openai:
    pricing:
      deployments:
        b-ptu: {type: provisioned, hourly_price_per_ptu: 1}
`))
	assert.ErrorContains(t, err, "processors::azure_openai::pricing::deployments::b-ptu: ptu must be positive")

	_, err = ReadPTUConfig(writeConfig(t, "processors: [\n"))
	assert.ErrorContains(t, err, "config.yaml")

	_, err = ReadPTUConfig(filepath.Join(t.TempDir(), "missing.yaml"))
	assert.Error(t, err)
}
