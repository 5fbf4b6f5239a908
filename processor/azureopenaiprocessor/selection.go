package azureopenaiprocessor // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor"

import (
	"context"
	"fmt"
	"sync"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/ottlfuncs"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
)

// selector evaluates the conditions setting: a span is selected when any
// condition is true. It applies error_mode itself (rather than through an
// ottl.ConditionSequence) so that every evaluation error is counted in the
// processor's telemetry whatever the mode, and so that ignore mode warns once
// per condition instead of once per span.
type selector struct {
	conditions []*ottl.Condition[*ottlspan.TransformContext]
	texts      []string
	warned     []sync.Once
	errorMode  ottl.ErrorMode
	logger     *zap.Logger
}

// parseConditions parses the conditions setting with the span context and the
// standard converters.
func parseConditions(conditions []string, errorMode ottl.ErrorMode, set component.TelemetrySettings) (*selector, error) {
	parser, err := ottlspan.NewParser(ottlfuncs.StandardConverters[*ottlspan.TransformContext](), set)
	if err != nil {
		return nil, err
	}
	parsed, err := parser.ParseConditions(conditions)
	if err != nil {
		return nil, err
	}
	return &selector{
		conditions: parsed,
		texts:      conditions,
		warned:     make([]sync.Once, len(parsed)),
		errorMode:  errorMode,
		logger:     set.Logger,
	}, nil
}

// selects reports whether any condition is true for the span, and how many
// conditions failed to evaluate. Under propagate the first failure is
// returned as an error.
func (s *selector) selects(ctx context.Context, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span) (bool, int, error) {
	tCtx := ottlspan.NewTransformContext(rs, ss, span)
	defer tCtx.Close()
	failures := 0
	for i, cond := range s.conditions {
		match, err := cond.Eval(ctx, tCtx)
		if err != nil {
			failures++
			switch s.errorMode {
			case ottl.PropagateError:
				return false, failures, fmt.Errorf("failed to eval condition %q: %w", s.texts[i], err)
			case ottl.IgnoreError:
				s.warned[i].Do(func() {
					s.logger.Warn("condition failed to evaluate; further failures are only counted",
						zap.String("condition", s.texts[i]), zap.Error(err))
				})
			}
			continue
		}
		if match {
			return true, failures, nil
		}
	}
	return false, failures, nil
}
