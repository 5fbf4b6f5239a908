package loganalytics // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"

import (
	"encoding/json"
	"fmt"
	"io"
)

// decodeAnswer reads the query API's answer ({"tables": [{"name", "columns",
// "rows"}], "error"}) as it streams in, a row at a time. A cursor page holds
// up to max_rows_per_query rows: reading the body whole and decoding it in
// one go, as the SDK does, copies it three times and grows each row's cells
// one by one, several times what the rows themselves take. Cells decode as
// the SDK decodes them (numbers as float64), so that rows keep their ids.
func decodeAnswer(body io.Reader) (queryAnswer, error) {
	dec := json.NewDecoder(body)
	var answer queryAnswer
	err := readObject(dec, func(name string) error {
		switch name {
		case "tables":
			return readArray(dec, func() error {
				table, err := readTable(dec)
				answer.tables = append(answer.tables, table)
				return err
			})
		case "error":
			var e *struct {
				Code string `json:"code"`
			}
			if err := dec.Decode(&e); err != nil {
				return err
			}
			if e != nil {
				answer.partialCode = e.Code
				if answer.partialCode == "" {
					answer.partialCode = "PartialError"
				}
			}
			return nil
		}
		return skipValue(dec)
	})
	if err != nil {
		return queryAnswer{}, fmt.Errorf("read the query answer: %w", err)
	}
	return answer, nil
}

// readTable reads one table; its rows get room for as many cells as it has
// columns (the API sends the columns first).
func readTable(dec *json.Decoder) (resultTable, error) {
	var table resultTable
	err := readObject(dec, func(name string) error {
		switch name {
		case "columns":
			var columns []struct {
				Name string `json:"name"`
				Type string `json:"type"`
			}
			if err := dec.Decode(&columns); err != nil {
				return err
			}
			table.columns = make([]resultColumn, len(columns))
			for i, c := range columns {
				table.columns[i] = resultColumn{name: c.Name, typ: c.Type}
			}
			return nil
		case "rows":
			return readArray(dec, func() error {
				row := make([]any, 0, len(table.columns))
				if err := dec.Decode(&row); err != nil {
					return err
				}
				table.rows = append(table.rows, row)
				return nil
			})
		}
		return skipValue(dec)
	})
	return table, err
}

// readObject calls field for each member of the object that comes next (or
// does nothing for null); field reads the member's value.
func readObject(dec *json.Decoder, field func(name string) error) error {
	tok, err := dec.Token()
	if err != nil || tok == nil {
		return err
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("want an object, got %v", tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		if err := field(name); err != nil {
			return err
		}
	}
	_, err = dec.Token() // '}'
	return err
}

// readArray calls item for each element of the array that comes next (or
// does nothing for null); item reads the element.
func readArray(dec *json.Decoder, item func() error) error {
	tok, err := dec.Token()
	if err != nil || tok == nil {
		return err
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("want an array, got %v", tok)
	}
	for dec.More() {
		if err := item(); err != nil {
			return err
		}
	}
	_, err = dec.Token() // ']'
	return err
}

func skipValue(dec *json.Decoder) error {
	var skipped json.RawMessage
	return dec.Decode(&skipped)
}
