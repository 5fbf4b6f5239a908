package source

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMergeRowsOfACallInAnyOrder(t *testing.T) {
	populated := Record{
		HasRequestResponse: true, DurationMs: 1021, HasDuration: true, Operation: "ChatCompletions_Create",
		ResultSignature: "200", ModelName: "gpt-4o", Deployment: "gpt-4o", CallerObjectID: "0c3f9a1e-7a44-4b51-a1a0-5c2b1f0e9d88",
		Usage: TokenUsage{Input: 1100, HasInput: true},
	}
	twin := Record{HasRequestResponse: true, HasDuration: true}
	usage := Record{HasRequestUsage: true, ModelName: "gpt-4o-usage-row", Usage: TokenUsage{Input: 1200, Output: 87, HasInput: true, HasOutput: true}}
	want := populated
	want.HasRequestUsage = true
	want.Usage = usage.Usage

	orders := [][]Record{
		{populated, twin, usage}, {twin, populated, usage}, {usage, twin, populated}, {usage, populated, twin}, {twin, usage, populated},
	}
	for _, order := range orders {
		got := order[0]
		for i := 1; i < len(order); i++ {
			next := order[i]
			got.Merge(&next)
		}
		assert.Equal(t, want, got, "the RequestResponse facts, the real duration and the billed counts win, whatever came first")
	}

	alone := populated
	alone.Merge(&twin)
	assert.Equal(t, populated.Usage, alone.Usage, "without a usage row the RequestResponse counts stay")
	alone.Merge(nil)
	assert.Equal(t, int64(1021), alone.DurationMs)
}
