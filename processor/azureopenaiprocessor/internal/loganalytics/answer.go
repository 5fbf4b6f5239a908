package loganalytics // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// answerSink receives an answer's rows as they are read: the index of their
// table, its columns, and the row's cells. row is reused for the next row:
// a sink may keep its cells, not row itself.
type answerSink func(table int, columns []resultColumn, row []any)

// readAnswer reads the query API's answer ({"tables": [{"name", "columns",
// "rows"}], "error"}) as it streams in, handing each row to sink as it comes,
// and returns the code of the error beside the tables (a partial answer). A
// cursor page holds up to max_rows_per_query rows: reading the body whole
// and decoding it in one go, as the SDK does, copies it three times, grows
// each row's cells one by one and holds the page's cells until the last is
// read. Cells decode as the SDK decodes them (numbers as float64), so that
// rows keep their ids.
func readAnswer(body io.Reader, sink answerSink) (partialCode string, err error) {
	dec := json.NewDecoder(body)
	tables := 0
	err = readObject(dec, func(name string) error {
		switch name {
		case "tables":
			return readArray(dec, func() error {
				tables++
				return readTable(dec, tables-1, sink)
			})
		case "error":
			var e *struct {
				Code string `json:"code"`
			}
			if err := dec.Decode(&e); err != nil {
				return err
			}
			if e != nil {
				partialCode = e.Code
				if partialCode == "" {
					partialCode = "PartialError"
				}
			}
			return nil
		}
		return skipValue(dec)
	})
	if err != nil {
		return "", fmt.Errorf("read the query answer: %w", err)
	}
	return partialCode, nil
}

// readTable reads one table, its rows into one slice of as many cells as it
// has columns (the API sends the columns first).
func readTable(dec *json.Decoder, index int, sink answerSink) error {
	var columns []resultColumn
	return readObject(dec, func(name string) error {
		switch name {
		case "columns":
			var wire []struct {
				Name string `json:"name"`
				Type string `json:"type"`
			}
			if err := dec.Decode(&wire); err != nil {
				return err
			}
			columns = make([]resultColumn, len(wire))
			for i, c := range wire {
				columns[i] = resultColumn{name: c.Name, typ: c.Type}
			}
			return nil
		case "rows":
			if columns == nil {
				return errors.New("a table's rows come before its columns")
			}
			row := make([]any, 0, len(columns))
			return readArray(dec, func() error {
				clear(row)
				if err := dec.Decode(&row); err != nil {
					return err
				}
				sink(index, columns, row)
				return nil
			})
		}
		return skipValue(dec)
	})
}

// readObject calls field for each member of the object that comes next (or
// does nothing for null); field reads the member's value.
func readObject(dec *json.Decoder, field func(name string) error) error {
	return readContainer(dec, '{', "an object", func() error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		return field(name)
	})
}

// readArray calls item for each element of the array that comes next (or
// does nothing for null); item reads the element.
func readArray(dec *json.Decoder, item func() error) error {
	return readContainer(dec, '[', "an array", item)
}

// readContainer reads the object or array that opens with open, calling
// each while members remain.
func readContainer(dec *json.Decoder, open json.Delim, what string, each func() error) error {
	tok, err := dec.Token()
	if err != nil || tok == nil {
		return err
	}
	if tok != open {
		return fmt.Errorf("want %s, got %v", what, tok)
	}
	for dec.More() {
		if err := each(); err != nil {
			return err
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

func skipValue(dec *json.Decoder) error {
	var skipped json.RawMessage
	return dec.Decode(&skipped)
}
