package summary // import "github.com/otelcol-aoai/otelcol-aoai/internal/summary"

import (
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// collectorConfig is the part of a collector configuration that says which
// deployments are provisioned: the pricing.deployments of every azure_openai
// processor.
type collectorConfig struct {
	Processors map[string]struct {
		Pricing struct {
			Deployments map[string]struct {
				Type              string  `yaml:"type"`
				PTU               float64 `yaml:"ptu"`
				HourlyPricePerPTU float64 `yaml:"hourly_price_per_ptu"`
			} `yaml:"deployments"`
		} `yaml:"pricing"`
	} `yaml:"processors"`
}

// ReadPTUConfig reads the provisioned deployments (type provisioned, with
// their ptu and hourly_price_per_ptu) of the azure_openai processors
// (azure_openai, azure_openai/NAME) of the collector configuration at path,
// so that the summary prices them as the collector does. Two processors that
// give one deployment different figures are an error.
func ReadPTUConfig(path string) (map[string]PTUDeployment, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cfg collectorConfig
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]PTUDeployment{}
	from := map[string]string{} // deployment → the processor that gave it
	for id, p := range cfg.Processors {
		if id != "azure_openai" && !strings.HasPrefix(id, "azure_openai/") {
			continue
		}
		for name, d := range p.Pricing.Deployments {
			if d.Type != "provisioned" {
				continue
			}
			if d.PTU <= 0 || d.HourlyPricePerPTU < 0 {
				return nil, fmt.Errorf("%s: processors::%s::pricing::deployments::%s: ptu must be positive and hourly_price_per_ptu at least 0", path, id, name)
			}
			dep := PTUDeployment{PTU: d.PTU, HourlyPricePerPTU: d.HourlyPricePerPTU}
			if prev, seen := out[name]; seen && prev != dep {
				return nil, fmt.Errorf("%s: deployment %s is provisioned differently in processors %s and %s", path, name, from[name], id)
			}
			out[name], from[name] = dep, id
		}
	}
	return out, nil
}
