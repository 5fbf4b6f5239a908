package diagnostics // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/diagnostics"

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
)

// diagnosticRecord is what the rows of one call say, merged: a call writes a
// RequestResponse row (sometimes a populated one beside a near-empty one) and,
// with the usage category on, an AzureOpenAIRequestUsage row.
type diagnosticRecord struct {
	durationMs      int64
	hasDuration     bool
	operation       string
	resultSignature string
	callerIP        string
	streamType      string
	modelName       string
	modelVersion    string
	deployment      string
	callerObjectID  string
	// usage is from the AzureOpenAIRequestUsage row; rowUsage from token
	// counts some RequestResponse rows carry in their properties.
	usage    tokenUsage
	rowUsage tokenUsage
}

// tokenUsage is a set of token counts, each possibly absent.
type tokenUsage struct {
	input, output, cacheRead          int64
	hasInput, hasOutput, hasCacheRead bool
}

func (u tokenUsage) any() bool { return u.hasInput || u.hasOutput || u.hasCacheRead }

// tokens are the counts to write: the usage category's, which is the billing
// record, else those of the RequestResponse row.
func (r *diagnosticRecord) tokens() tokenUsage {
	if r.usage.any() {
		return r.usage
	}
	return r.rowUsage
}

// decodedRow is one row, read.
type decodedRow struct {
	category        string
	operation       string
	durationMs      int64
	hasDuration     bool
	resultSignature string
	callerIP        string
	props           map[string]any
}

// richness ranks rows of the same category: the populated RequestResponse row
// beats its near-empty twin.
func (d *decodedRow) richness() int {
	n := 0
	for _, s := range []string{d.operation, d.resultSignature, d.callerIP} {
		if s != "" {
			n++
		}
	}
	if d.hasDuration && d.durationMs != 0 {
		n++
	}
	for _, k := range []string{"streamType", "modelName", "modelVersion", "modelDeploymentName", "objectId", "callerObjectId"} {
		if propString(d.props, k) != "" {
			n++
		}
	}
	return n
}

// columnIndex finds the columns the join reads; -1 when absent.
type columnIndex struct {
	key, category, operation, duration, result, callerIP, properties, additional int
}

func indexColumns(columns []resultColumn, keyColumn string) columnIndex {
	find := func(name string) int {
		return slices.IndexFunc(columns, func(c resultColumn) bool { return c.name == name })
	}
	return columnIndex{
		key:        find(keyColumn),
		category:   find(columnCategory),
		operation:  find(columnOperationName),
		duration:   find(columnDurationMs),
		result:     find(columnResultSignature),
		callerIP:   find(columnCallerIPAddress),
		properties: find(columnProperties),
		additional: find(columnAdditionalFields),
	}
}

func cell(row []any, i int) any {
	if i < 0 || i >= len(row) {
		return nil
	}
	return row[i]
}

// decodeRecords groups an answer's rows by join key (lower-cased) and merges
// each group into one record.
func decodeRecords(answer *queryAnswer, keyColumn string) map[string]*diagnosticRecord {
	rowsByKey := map[string][]decodedRow{}
	for _, t := range answer.tables {
		idx := indexColumns(t.columns, keyColumn)
		if idx.key < 0 {
			continue
		}
		for _, row := range t.rows {
			key := strings.ToLower(cellString(cell(row, idx.key)))
			if key == "" {
				continue
			}
			d := decodedRow{
				category:        cellString(cell(row, idx.category)),
				operation:       cellString(cell(row, idx.operation)),
				resultSignature: cellString(cell(row, idx.result)),
				callerIP:        cellString(cell(row, idx.callerIP)),
				props:           parseProperties(cell(row, idx.properties)),
			}
			d.durationMs, d.hasDuration = cellInt64(cell(row, idx.duration))
			if len(d.props) == 0 {
				d.props = propertiesFromAdditionalFields(cell(row, idx.additional))
			}
			rowsByKey[key] = append(rowsByKey[key], d)
		}
	}
	records := make(map[string]*diagnosticRecord, len(rowsByKey))
	for key, rows := range rowsByKey {
		records[key] = mergeRows(rows)
	}
	return records
}

// mergeRows fills a record from the richest RequestResponse row first, then
// the others: each field keeps the first value found.
func mergeRows(rows []decodedRow) *diagnosticRecord {
	rank := func(d *decodedRow) int {
		switch d.category {
		case categoryRequestResponse:
			return 0
		case categoryRequestUsage:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(rows, func(a, b decodedRow) int {
		if ra, rb := rank(&a), rank(&b); ra != rb {
			return ra - rb
		}
		return b.richness() - a.richness()
	})
	rec := &diagnosticRecord{}
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	for i := range rows {
		d := &rows[i]
		if d.category != categoryRequestUsage {
			// A usage row's own operation and duration describe the usage
			// record, not the call.
			fill(&rec.operation, d.operation)
			fill(&rec.resultSignature, d.resultSignature)
			if !rec.hasDuration && d.hasDuration {
				rec.durationMs, rec.hasDuration = d.durationMs, true
			}
		}
		fill(&rec.callerIP, d.callerIP)
		fill(&rec.streamType, propString(d.props, "streamType"))
		fill(&rec.modelName, propString(d.props, "modelName"))
		fill(&rec.modelVersion, propString(d.props, "modelVersion"))
		fill(&rec.deployment, propString(d.props, "modelDeploymentName"))
		fill(&rec.callerObjectID, propString(d.props, "callerObjectId"))
		fill(&rec.callerObjectID, propString(d.props, "objectId"))
		if d.category == categoryRequestUsage {
			fillUsage(&rec.usage, d.props, "generatedTokens")
		} else {
			fillUsage(&rec.rowUsage, d.props, "completionTokens")
		}
	}
	return rec
}

// fillUsage reads promptTokens, cachedTokens and the output count (named
// generatedTokens in the usage category, completionTokens in RequestResponse)
// into the counts still missing.
func fillUsage(u *tokenUsage, props map[string]any, outputName string) {
	if !u.hasInput {
		u.input, u.hasInput = propTokens(props, "promptTokens")
	}
	if !u.hasOutput {
		u.output, u.hasOutput = propTokens(props, outputName)
	}
	if !u.hasCacheRead {
		u.cacheRead, u.hasCacheRead = propTokens(props, "cachedTokens")
	}
}

// parseProperties reads properties_s: a JSON object, a JSON string that holds
// one (both occur), or a decoded object. Numbers stay exact (json.Number).
func parseProperties(v any) map[string]any {
	switch p := v.(type) {
	case map[string]any:
		return p
	case string:
		text := []byte(strings.TrimSpace(p))
		// Unwrap at most two levels of JSON-string encoding.
		for range 3 {
			if len(text) == 0 {
				return nil
			}
			switch text[0] {
			case '{':
				var out map[string]any
				dec := json.NewDecoder(bytes.NewReader(text))
				dec.UseNumber()
				if dec.Decode(&out) != nil {
					return nil
				}
				return out
			case '"':
				var inner string
				if json.Unmarshal(text, &inner) != nil {
					return nil
				}
				text = []byte(strings.TrimSpace(inner))
			default:
				return nil
			}
		}
	}
	return nil
}

// propertiesFromAdditionalFields finds properties in the AdditionalFields bag
// of a workspace whose schema overflowed (a dynamic column: a JSON string).
func propertiesFromAdditionalFields(v any) map[string]any {
	bag := parseProperties(v)
	for _, name := range []string{columnProperties, "properties"} {
		if p, ok := lookupFold(bag, name); ok {
			if props := parseProperties(p); len(props) > 0 {
				return props
			}
		}
	}
	return nil
}

// lookupFold finds a key exactly, else ignoring case: field names have
// changed case between log schema versions.
func lookupFold(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

func propString(props map[string]any, key string) string {
	v, ok := lookupFold(props, key)
	if !ok {
		return ""
	}
	return cellString(v)
}

// propTokens reads a token count: a number, a numeric string, or an array of
// them (the usage category writes single-element arrays), summed.
func propTokens(props map[string]any, key string) (int64, bool) {
	v, ok := lookupFold(props, key)
	if !ok {
		return 0, false
	}
	if list, isList := v.([]any); isList {
		var sum int64
		found := false
		for _, item := range list {
			if n, ok := cellInt64(item); ok && n >= 0 {
				sum += n
				found = true
			}
		}
		return sum, found
	}
	n, ok := cellInt64(v)
	if !ok || n < 0 {
		return 0, false
	}
	return n, true
}

// cellString renders a cell as text; numbers keep their integer form.
func cellString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// cellInt64 reads a long. The SDK decodes JSON numbers to float64, so a value
// must be finite, whole and within int64 to count; strings (a decimal column,
// or a long sitting in a property bag) are parsed.
func cellInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		return floatToInt64(x)
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, true
		}
		f, err := x.Float64()
		if err != nil {
			return 0, false
		}
		return floatToInt64(f)
	case string:
		s := strings.TrimSpace(x)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, false
		}
		return floatToInt64(f)
	}
	return 0, false
}

func floatToInt64(f float64) (int64, bool) {
	// 2^63 itself does not fit; every float64 below it that is whole does.
	if math.IsNaN(f) || math.IsInf(f, 0) || f >= 1<<63 || f < -(1<<63) || f != math.Trunc(f) {
		return 0, false
	}
	return int64(f), true
}
