package loganalytics

import (
	"encoding/json"
	"hash/fnv"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

var answerColumns = []resultColumn{
	{"TimeGenerated", "datetime"}, {"Category", "string"}, {"CorrelationId", "string"}, {"OperationName", "string"},
	{"DurationMs", "long"}, {"ResultSignature", "string"}, {"CallerIPAddress", "string"},
	{"properties_s", "string"}, {"AdditionalFields", "dynamic"}, {"Resource", "string"},
}

func row(category, key, operation string, duration any, props any, additional any) []any {
	return []any{"2026-03-02T09:00:00Z", category, key, operation, duration, "200", "81.2.69.***", props, additional, "CONTOSO"}
}

func TestDecodeMergesTheRowsOfACall(t *testing.T) {
	k := "d427a391-2bc7-4f38-9cbc-6560600e0981"
	answer := &queryAnswer{tables: []resultTable{{columns: answerColumns, rows: [][]any{
		// The usage row first, the near-empty twin, then the populated row:
		// order must not matter.
		row("AzureOpenAIRequestUsage", k, "AzureOpenAIRequestUsage", float64(0), `{"promptTokens":[1200],"cachedTokens":[1024],"generatedTokens":[87]}`, nil),
		row("RequestResponse", strings.ToUpper(k), "", nil, `{"objectId":""}`, nil),
		row("RequestResponse", k, "ChatCompletions_Create", float64(1021),
			`{"streamType":"Streaming","modelDeploymentName":"gpt-4o","modelName":"gpt-4o","modelVersion":"2024-08-06","objectId":"","callerObjectId":"0c3f9a1e-7a44-4b51-a1a0-5c2b1f0e9d88","promptTokens":1100,"completionTokens":80}`, nil),
	}}}}
	records := decodeRecords(answer, "CorrelationId")
	require.Len(t, records, 1, "keys are matched without case")
	rec := records[k]
	assert.Equal(t, int64(1021), rec.DurationMs)
	assert.Equal(t, "ChatCompletions_Create", rec.Operation)
	assert.Equal(t, "Streaming", rec.StreamType)
	assert.Equal(t, "gpt-4o", rec.ModelName)
	assert.Equal(t, "2024-08-06", rec.ModelVersion)
	assert.Equal(t, "gpt-4o", rec.Deployment)
	assert.Equal(t, "0c3f9a1e-7a44-4b51-a1a0-5c2b1f0e9d88", rec.CallerObjectID)
	assert.Equal(t, "81.2.69.***", rec.CallerIP)
	assert.Equal(t, source.TokenUsage{Input: 1200, Output: 87, CacheRead: 1024, HasInput: true, HasOutput: true, HasCacheRead: true}, rec.tokens(),
		"the usage category wins over the RequestResponse scalars")
	assert.Equal(t, source.TokenUsage{Input: 1100, Output: 80, HasInput: true, HasOutput: true}, rec.rowUsage)
}

func TestPropertiesInEveryShape(t *testing.T) {
	want := rowProperties{ModelName: "gpt-4o"}
	for name, v := range map[string]any{
		"object text":    `{"modelName":"gpt-4o"}`,
		"JSON string":    `"{\"modelName\":\"gpt-4o\"}"`,
		"doubly encoded": `"\"{\\\"modelName\\\":\\\"gpt-4o\\\"}\""`,
		"decoded object": map[string]any{"modelName": "gpt-4o"},
		"padded":         "  {\"modelName\":\"gpt-4o\"}\n",
		"other case":     `{"ModelName":"gpt-4o"}`,
	} {
		got, ok := parseProperties(v)
		assert.True(t, ok, name)
		assert.Equal(t, want, got, name)
	}
	for name, v := range map[string]any{
		"truncated": `{"modelName":`,
		"array":     `[1,2]`,
		"number":    float64(3),
		"null":      nil,
		"empty":     "",
		"text":      "Non-Streaming",
		"triple":    `"\"\\\"{}\\\"\""`,
	} {
		_, ok := parseProperties(v)
		assert.False(t, ok, name)
	}
	odd, ok := parseProperties(`{"modelVersion":301,"streamType":{"x":1},"objectId":null,"modelName":true}`)
	require.True(t, ok, "odd types do not fail the row")
	assert.Equal(t, rowProperties{ModelVersion: "301", ModelName: "true"}, odd)
}

func TestPropertiesFromAdditionalFields(t *testing.T) {
	k := "9d3a6e98-fc11-48d0-82cf-4de065c1a1f8"
	bag := `{"properties_s":"{\"modelName\":\"gpt-4o-mini\",\"streamType\":\"Non-Streaming\"}","event_s":"ShoeboxCallResult"}`
	answer := &queryAnswer{tables: []resultTable{{columns: answerColumns, rows: [][]any{
		row("RequestResponse", k, "ChatCompletions_Create", float64(80), "", bag),
	}}}}
	rec := decodeRecords(answer, "CorrelationId")[k]
	require.NotNil(t, rec)
	assert.Equal(t, "gpt-4o-mini", rec.ModelName)
	assert.Equal(t, "Non-Streaming", rec.StreamType)

	// A property bag holding the object itself.
	bag = `{"Properties":{"modelName":"gpt-35-turbo"}}`
	answer.tables[0].rows[0] = row("RequestResponse", k, "", nil, "", bag)
	assert.Equal(t, "gpt-35-turbo", decodeRecords(answer, "CorrelationId")[k].ModelName)
}

func TestTokensInEveryShape(t *testing.T) {
	for in, want := range map[string]int64{
		`[1200]`: 1200, `"64"`: 64, `87`: 87, `[3,4]`: 7, `[9223372036854775807]`: math.MaxInt64,
		`["5", 6, -1, "x"]`: 11, `1e3`: 1000,
	} {
		var c flexCount
		require.NoError(t, c.UnmarshalJSON([]byte(in)))
		assert.True(t, c.ok, in)
		assert.Equal(t, want, c.n, in)
	}
	for _, in := range []string{`-1`, `1.5`, `null`, `"many"`, `[]`, `{"n":1}`, `true`, `[-1]`, `[9223372036854775807, 1]`} {
		var c flexCount
		require.NoError(t, c.UnmarshalJSON([]byte(in)))
		assert.False(t, c.ok, in)
	}
}

func TestLongCellsDecodeCarefully(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want int64
		ok   bool
	}{
		{float64(1021), 1021, true},
		{float64(1 << 53), 1 << 53, true},
		{float64(-5), -5, true},
		{1021.5, 0, false},
		{math.NaN(), 0, false},
		{math.Inf(1), 0, false},
		{float64(1 << 63), 0, false},
		{"1234", 1234, true},
		{"1234.0", 1234, true},
		{"12ms", 0, false},
		{nil, 0, false},
		{true, 0, false},
	} {
		got, ok := cellInt64(tt.in)
		assert.Equal(t, tt.ok, ok, "%v", tt.in)
		assert.Equal(t, tt.want, got, "%v", tt.in)
	}
}

func TestDecodeIgnoresRowsItCannotPlace(t *testing.T) {
	k := "9d3a6e98-fc11-48d0-82cf-4de065c1a1f8"
	answer := &queryAnswer{tables: []resultTable{
		{columns: []resultColumn{{"Category", "string"}}, rows: [][]any{{"RequestResponse"}}}, // no key column
		{columns: answerColumns, rows: [][]any{
			row("RequestResponse", "", "x", nil, nil, nil),               // empty key
			{"2026-03-02T09:00:00Z", "RequestResponse", k},               // short row
			{"2026-03-02T09:00:00Z", "RequestResponse", float64(7), "y"}, // a number where the key should be
		}},
	}}
	records := decodeRecords(answer, "CorrelationId")
	require.Len(t, records, 2)
	assert.Empty(t, records[k].Operation, "a short row still joins, with what it has")
	assert.Equal(t, "y", records["7"].Operation)
}

func TestRowIDIsFNV1aOfTheCells(t *testing.T) {
	r := row("RequestResponse", "d427a391-2bc7-4f38-9cbc-6560600e0981", "ChatCompletions_Create", 1021.0, `{"modelName":"gpt-4o"}`, nil)
	r = append(r, json.Number("12"), true, nil)
	want := fnv.New64a()
	for _, c := range r {
		_, _ = want.Write([]byte(cellString(c)))
		_, _ = want.Write([]byte{0})
	}
	assert.Equal(t, want.Sum64(), rowID(r), "ids stay those of hash/fnv, cell by cell, each ended by a zero byte")
	assert.NotEqual(t, rowID([]any{"ab", ""}), rowID([]any{"a", "b"}), "the zero byte keeps cells apart")
}
