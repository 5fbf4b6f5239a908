package azureopenaiprocessor // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor"

import (
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/ottlfuncs"
	"go.opentelemetry.io/collector/component"
)

// parseConditions parses the conditions setting into a sequence that is true
// when any condition is true.
func parseConditions(conditions []string, errorMode ottl.ErrorMode, set component.TelemetrySettings) (*ottl.ConditionSequence[*ottlspan.TransformContext], error) {
	parser, err := ottlspan.NewParser(ottlfuncs.StandardConverters[*ottlspan.TransformContext](), set)
	if err != nil {
		return nil, err
	}
	parsed, err := parser.ParseConditions(conditions)
	if err != nil {
		return nil, err
	}
	seq := ottlspan.NewConditionSequence(parsed, set,
		ottlspan.WithConditionSequenceErrorMode(errorMode))
	return &seq, nil
}
