package loganalytics

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/monitor/azquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-aoai/otelcol-aoai/testbed/recordings"
)

const answerBody = `{"tables":[{"name":"PrimaryResult","columns":[{"name":"IngestionTime","type":"datetime"},{"name":"CorrelationId","type":"string"},{"name":"DurationMs","type":"long"},{"name":"Ok","type":"bool"},{"name":"AdditionalFields","type":"dynamic"}],
"rows":[["2026-03-02T09:00:00.1234567Z","d427a391-2bc7-4f38-9cbc-6560600e0981",1021,true,"{\"a\":1}"],["2026-03-02T09:00:01Z","9d3a6e98-fc11-48d0-82cf-4de065c1a1f8",null,false,{"properties_s":{"modelName":"gpt-4o"}}]]}],
"statistics":{"query":{"executionTime":0.1}},"render":null}`

// decodeAnswer reads a whole answer, as Lookup does.
func decodeAnswer(body io.Reader) (queryAnswer, error) {
	var answer queryAnswer
	code, err := readAnswer(body, answer.collect)
	answer.partialCode = code
	return answer, err
}

func TestDecodeAnswerReadsAsTheSDKDoes(t *testing.T) {
	// A real answer: 200 with a table and a PartialError beside it (the
	// recordings' loader skips this test-proxy file; its body is read here).
	dir, err := recordings.Dir()
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(dir, "azure-sdk-for-go", "TestQueryWorkspace_PartialError.json"))
	require.NoError(t, err)
	var recorded struct {
		Entries []struct{ ResponseBody json.RawMessage }
	}
	require.NoError(t, json.Unmarshal(data, &recorded))
	require.NotEmpty(t, recorded.Entries)
	for _, body := range []string{
		string(recorded.Entries[0].ResponseBody),
		answerBody,
		strings.Replace(answerBody, `"render":null}`, `"error":{"code":"PartialError","message":"half"}}`, 1),
		strings.Replace(answerBody, `"render":null}`, `"error":{"message":"no code"}}`, 1),
		`{"tables":[{"name":"PrimaryResult","columns":[],"rows":[]}],"error":null}`,
	} {
		got, err := decodeAnswer(strings.NewReader(body))
		require.NoError(t, err, body)

		var sdk azquery.Results
		require.NoError(t, json.Unmarshal([]byte(body), &sdk))
		for i, table := range sdk.Tables {
			if len(table.Rows) == 0 {
				assert.LessOrEqual(t, len(got.tables), i, "a table without rows gives no rows")
				continue
			}
			require.Len(t, got.tables[i].columns, len(table.Columns))
			for c, col := range table.Columns {
				assert.Equal(t, resultColumn{name: *col.Name, typ: string(*col.Type)}, got.tables[i].columns[c])
			}
			require.Len(t, got.tables[i].rows, len(table.Rows))
			for r, row := range table.Rows {
				assert.Equal(t, []any(row), got.tables[i].rows[r], "cells decode as the SDK decodes them")
				assert.Equal(t, rowID(row), rowID(got.tables[i].rows[r]), "and keep their ids")
			}
		}
		if sdk.Error != nil {
			assert.NotEmpty(t, got.partialCode)
			if sdk.Error.Code != "" {
				assert.Equal(t, sdk.Error.Code, got.partialCode)
			}
		} else {
			assert.Empty(t, got.partialCode)
		}
	}
}

func TestDecodeAnswerRefusesWhatIsNotAnAnswer(t *testing.T) {
	for _, body := range []string{
		answerBody[:len(answerBody)/2],
		`[]`,
		`{"tables":{}}`,
		`{"tables":[{"rows":[1]}]}`,
		`{"tables":[{"rows":[["a"]],"columns":[{"name":"A","type":"string"}]}]}`,
		``,
	} {
		_, err := decodeAnswer(strings.NewReader(body))
		assert.ErrorContains(t, err, "read the query answer", "%q", body)
	}
	got, err := decodeAnswer(strings.NewReader(`null`))
	require.NoError(t, err)
	assert.Zero(t, got.rowCount(), "null is an answer without tables")
}

// ignoreRows is a sink for tests of the query, not its rows.
func ignoreRows(int, []resultColumn, []any) {}
