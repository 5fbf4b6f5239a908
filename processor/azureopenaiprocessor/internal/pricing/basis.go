package pricing // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/pricing"

import (
	"slices"
	"strings"

	"github.com/otelcol-aoai/otelcol-aoai/internal/conventions"
)

// DeploymentType is how an Azure OpenAI deployment is billed.
type DeploymentType string

const (
	GlobalStandard   DeploymentType = "global_standard"
	DataZoneStandard DeploymentType = "data_zone_standard"
	RegionalStandard DeploymentType = "regional_standard"
	Batch            DeploymentType = "batch" // a global batch deployment
	Provisioned      DeploymentType = "provisioned"
)

// tokenTypes are the types billed per token, the ones a sheet row prices.
var tokenTypes = []DeploymentType{GlobalStandard, DataZoneStandard, RegionalStandard, Batch}

func (t DeploymentType) valid() bool {
	return t == Provisioned || slices.Contains(tokenTypes, t)
}

// Basis is how a call was priced: the value of azure.openai.cost.basis.
type Basis string

const (
	BasisStandard    Basis = conventions.CostBasisStandard
	BasisBatch       Basis = conventions.CostBasisBatch
	BasisFlex        Basis = conventions.CostBasisFlex
	BasisPriority    Basis = conventions.CostBasisPriority
	BasisProvisioned Basis = conventions.CostBasisProvisioned
	BasisSpillover   Basis = conventions.CostBasisSpillover
)

// tierBasis is the basis a service_tier value asks for: flex and priority
// have their own price; default, auto and anything else are standard.
func tierBasis(tier string) Basis {
	switch strings.ToLower(tier) {
	case "flex":
		return BasisFlex
	case "priority":
		return BasisPriority
	}
	return BasisStandard
}
