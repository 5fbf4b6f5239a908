package loganalytics // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

// diagnosticRecord is what the rows of one call say, merged: a call writes a
// RequestResponse row (sometimes a populated one beside a near-empty one) and,
// with the usage category on, an AzureOpenAIRequestUsage row.
type diagnosticRecord struct {
	source.Record // all but Usage, which record() chooses
	// usage is from the AzureOpenAIRequestUsage row; rowUsage from token
	// counts some RequestResponse rows carry in their properties.
	usage    source.TokenUsage
	rowUsage source.TokenUsage
}

// tokens are the counts to write: the usage category's, which is the billing
// record, else those of the RequestResponse row.
func (r *diagnosticRecord) tokens() source.TokenUsage {
	if r.usage.Any() {
		return r.usage
	}
	return r.rowUsage
}

// record is what the join receives for the call.
func (r *diagnosticRecord) record() *source.Record {
	rec := r.Record
	rec.Usage = r.tokens()
	return &rec
}

// rowProperties are the properties_s fields the join reads. encoding/json
// matches names without case when no exact match exists, which covers the
// case changes between log schema versions; the flex types take whatever JSON
// type a field arrives in and never fail the row.
type rowProperties struct {
	StreamType          flexString `json:"streamType"`
	ModelName           flexString `json:"modelName"`
	ModelVersion        flexString `json:"modelVersion"`
	ModelDeploymentName flexString `json:"modelDeploymentName"`
	ObjectID            flexString `json:"objectId"`
	CallerObjectID      flexString `json:"callerObjectId"`
	PromptTokens        flexCount  `json:"promptTokens"`
	CompletionTokens    flexCount  `json:"completionTokens"`
	CachedTokens        flexCount  `json:"cachedTokens"`
	GeneratedTokens     flexCount  `json:"generatedTokens"`
}

// flexString is a string, or the text of a number or boolean (a model
// version may be written 0301 or "0301").
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0 || string(b) == "null" || b[0] == '{' || b[0] == '[':
		*f = ""
	case b[0] == '"':
		if len(b) >= 2 && bytes.IndexByte(b, '\\') < 0 {
			*f = flexString(b[1 : len(b)-1]) // no escapes: the common case
			return nil
		}
		var s string
		if json.Unmarshal(b, &s) == nil {
			*f = flexString(s)
		}
	default:
		*f = flexString(b)
	}
	return nil
}

// flexCount is a token count: a number, a numeric string, or an array of
// them (the usage category writes single-element arrays), summed. Negative or
// fractional values do not count.
type flexCount struct {
	n  int64
	ok bool
}

func (f *flexCount) UnmarshalJSON(b []byte) error {
	*f = flexCount{}
	if len(b) > 0 && b[0] == '[' {
		var items []json.RawMessage
		if json.Unmarshal(b, &items) != nil {
			return nil
		}
		for _, item := range items {
			var one flexCount
			_ = one.UnmarshalJSON(item)
			if !one.ok {
				continue
			}
			if f.n > math.MaxInt64-one.n {
				*f = flexCount{} // a sum past int64 is no token count
				return nil
			}
			f.n += one.n
			f.ok = true
		}
		return nil
	}
	var v any = json.Number(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return nil
		}
		v = s
	}
	if n, ok := cellInt64(v); ok && n >= 0 {
		*f = flexCount{n: n, ok: true}
	}
	return nil
}

// decodedRow is one row, read.
type decodedRow struct {
	category        string
	operation       string
	durationMs      int64
	hasDuration     bool
	resultSignature string
	callerIP        string
	props           rowProperties
	rank            int // see rowRank
}

// rowRank orders the rows of a call for merging: RequestResponse rows first,
// the richest first among them, then the usage row, then anything else.
func (d *decodedRow) rowRank() int {
	switch d.category {
	case categoryRequestResponse:
		return -d.richness()
	case categoryRequestUsage:
		return 1
	}
	return 2
}

// richness ranks rows of the same category: the populated RequestResponse row
// beats its near-empty twin.
func (d *decodedRow) richness() int {
	n := 0
	for _, s := range []string{
		d.operation, d.resultSignature, d.callerIP,
		string(d.props.StreamType), string(d.props.ModelName), string(d.props.ModelVersion),
		string(d.props.ModelDeploymentName), string(d.props.ObjectID), string(d.props.CallerObjectID),
	} {
		if s != "" {
			n++
		}
	}
	if d.hasDuration && d.durationMs != 0 {
		n++
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
			rowsByKey[key] = append(rowsByKey[key], decodeRow(row, &idx))
		}
	}
	records := make(map[string]*diagnosticRecord, len(rowsByKey))
	for key, rows := range rowsByKey {
		records[key] = mergeRows(rows)
	}
	return records
}

// decodeRow reads the cells of one row the join uses.
func decodeRow(row []any, idx *columnIndex) decodedRow {
	d := decodedRow{
		category:        cellString(cell(row, idx.category)),
		operation:       cellString(cell(row, idx.operation)),
		resultSignature: cellString(cell(row, idx.result)),
		callerIP:        cellString(cell(row, idx.callerIP)),
	}
	d.durationMs, d.hasDuration = cellInt64(cell(row, idx.duration))
	props, ok := parseProperties(cell(row, idx.properties))
	if !ok {
		props, _ = propertiesFromAdditionalFields(cell(row, idx.additional))
	}
	d.props = props
	d.rank = d.rowRank()
	return d
}

// rowReader reads a scan's rows as the answer streams in, in its order
// (ingestion), each row a record of its own with its ingestion time and
// identity. A row without a key or an ingestion time is skipped: it can meet
// no span, and paging needs the time. A row known says was read before keeps
// a nil Record: two thirds of a poll's rows are the overlap read again, and
// decoding their properties would be most of the poll's work.
type rowReader struct {
	keyColumn string
	known     func(id uint64) bool
	rows      []source.Row

	// The columns of the table being read.
	table    int
	idx      columnIndex
	ingested int
}

func newRowReader(keyColumn string, known func(id uint64) bool) *rowReader {
	return &rowReader{keyColumn: keyColumn, known: known, table: -1}
}

// add reads one row of table (an answerSink).
func (r *rowReader) add(table int, columns []resultColumn, row []any) {
	if table != r.table {
		r.table = table
		r.idx = indexColumns(columns, r.keyColumn)
		r.ingested = slices.IndexFunc(columns, func(c resultColumn) bool { return c.name == columnIngestionTime })
	}
	if r.idx.key < 0 || r.ingested < 0 {
		return
	}
	key := strings.ToLower(cellString(cell(row, r.idx.key)))
	at, err := time.Parse(time.RFC3339Nano, cellString(cell(row, r.ingested)))
	if key == "" || err != nil {
		return
	}
	out := source.Row{Key: key, IngestedAt: at, ID: rowID(row)}
	if r.known == nil || !r.known(out.ID) {
		out.Record = mergeRows([]decodedRow{decodeRow(row, &r.idx)}).record()
	}
	r.rows = append(r.rows, out)
}

// rowID hashes every cell of a row (FNV-1a, 64 bits): the same row read by two
// overlapping scans has the same id, the near-empty twin of a RequestResponse
// row (same key, category and ingestion time) another.
// It is computed here rather than with hash/fnv, whose Write would copy every
// cell's text.
func rowID(row []any) uint64 {
	const offset64, prime64 = 14695981039346656037, 1099511628211
	h := uint64(offset64)
	for _, c := range row {
		s := cellString(c)
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= prime64
		}
		h *= prime64 // the 0 byte that ends each cell
	}
	return h
}

// mergeRows fills a record from the richest RequestResponse row first, then
// the others: each field keeps the first value found.
func mergeRows(rows []decodedRow) *diagnosticRecord {
	slices.SortStableFunc(rows, func(a, b decodedRow) int { return a.rank - b.rank })
	rec := &diagnosticRecord{}
	fill := func(dst *string, v flexString) {
		if *dst == "" {
			*dst = string(v)
		}
	}
	for i := range rows {
		d := &rows[i]
		if d.category != categoryRequestUsage {
			// A usage row's own operation and duration describe the usage
			// record, not the call.
			fill(&rec.Operation, flexString(d.operation))
			fill(&rec.ResultSignature, flexString(d.resultSignature))
			if !rec.HasDuration && d.hasDuration {
				rec.DurationMs, rec.HasDuration = d.durationMs, true
			}
		}
		fill(&rec.CallerIP, flexString(d.callerIP))
		p := &d.props
		fill(&rec.StreamType, p.StreamType)
		fill(&rec.ModelName, p.ModelName)
		fill(&rec.ModelVersion, p.ModelVersion)
		fill(&rec.Deployment, p.ModelDeploymentName)
		fill(&rec.CallerObjectID, p.CallerObjectID)
		fill(&rec.CallerObjectID, p.ObjectID)
		switch d.category {
		case categoryRequestUsage:
			rec.HasRequestUsage = true
			// The usage category names its output count generatedTokens.
			fillUsage(&rec.usage, p.PromptTokens, p.GeneratedTokens, p.CachedTokens)
		case categoryRequestResponse:
			rec.HasRequestResponse = true
			fallthrough
		default:
			fillUsage(&rec.rowUsage, p.PromptTokens, p.CompletionTokens, p.CachedTokens)
		}
	}
	return rec
}

// fillUsage sets the counts still missing.
func fillUsage(u *source.TokenUsage, input, output, cacheRead flexCount) {
	if !u.HasInput && input.ok {
		u.Input, u.HasInput = input.n, true
	}
	if !u.HasOutput && output.ok {
		u.Output, u.HasOutput = output.n, true
	}
	if !u.HasCacheRead && cacheRead.ok {
		u.CacheRead, u.HasCacheRead = cacheRead.n, true
	}
}

// jsonObjectText unwraps a value that holds a JSON object: the object's text,
// or a JSON string that holds it (properties_s arrives both ways, and a
// dynamic cell is a JSON-encoded string), at most two levels deep.
func jsonObjectText(v any) ([]byte, bool) {
	var text []byte
	switch x := v.(type) {
	case string:
		text = []byte(strings.TrimSpace(x))
	case map[string]any:
		b, err := json.Marshal(x)
		if err != nil {
			return nil, false
		}
		return b, true
	default:
		return nil, false
	}
	for range 3 {
		if len(text) == 0 {
			return nil, false
		}
		switch text[0] {
		case '{':
			return text, true
		case '"':
			var inner string
			if json.Unmarshal(text, &inner) != nil {
				return nil, false
			}
			text = []byte(strings.TrimSpace(inner))
		default:
			return nil, false
		}
	}
	return nil, false
}

// parseProperties reads properties_s; ok is false when it holds no object.
func parseProperties(v any) (rowProperties, bool) {
	var props rowProperties
	text, ok := jsonObjectText(v)
	if !ok || json.Unmarshal(text, &props) != nil {
		return rowProperties{}, false
	}
	return props, true
}

// propertiesFromAdditionalFields finds properties in the AdditionalFields bag
// of a workspace whose schema overflowed (a dynamic column: a JSON string).
func propertiesFromAdditionalFields(v any) (rowProperties, bool) {
	text, ok := jsonObjectText(v)
	if !ok {
		return rowProperties{}, false
	}
	var bag map[string]json.RawMessage
	if json.Unmarshal(text, &bag) != nil {
		return rowProperties{}, false
	}
	for _, name := range []string{columnProperties, "properties"} {
		for k, raw := range bag {
			if !strings.EqualFold(k, name) {
				continue
			}
			var inner any
			if json.Unmarshal(raw, &inner) != nil {
				continue
			}
			if props, ok := parseProperties(inner); ok {
				return props, true
			}
		}
	}
	return rowProperties{}, false
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
