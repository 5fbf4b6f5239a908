package loganalytics // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/join/source"
)

// The query names these columns; rows.go reads them back by name.
const (
	columnTimeGenerated    = "TimeGenerated"
	columnCategory         = "Category"
	columnOperationName    = "OperationName"
	columnDurationMs       = "DurationMs"
	columnResultSignature  = "ResultSignature"
	columnCallerIPAddress  = "CallerIPAddress"
	columnProperties       = "properties_s"
	columnAdditionalFields = "AdditionalFields"
	columnResource         = "Resource"
	// columnIngestionTime is ingestion_time(), projected by the scan query.
	columnIngestionTime = "IngestionTime"

	categoryRequestResponse = "RequestResponse"
	categoryRequestUsage    = "AzureOpenAIRequestUsage"
)

// quoteKQL writes s as a KQL double-quoted string literal. Keys are GUIDs by
// the time they get here; quoting anyway means no caller can splice text into
// the query by mistake. KQL string literals know the escapes \\ \" \' \t \n \r
// and nothing else, so any other control character is refused.
func quoteKQL(b *strings.Builder, s string) error {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 || c == 0x7f {
				return fmt.Errorf("control character %#x cannot be written in a KQL string literal", c)
			}
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return nil
}

// buildQuery writes the one query a batch of keys costs. Only raw columns are projected and properties_s is
// parsed here, so any workspace schema works; properties_s and the
// AdditionalFields bag go through column_ifexists because a busy workspace
// (500 columns) moves dynamic fields into AdditionalFields and may lack either.
func buildQuery(keyColumn string, keys []string, w source.Window) (string, error) {
	if !kqlIdentifier.MatchString(keyColumn) {
		return "", fmt.Errorf("key column %q is not an identifier", keyColumn)
	}
	var b strings.Builder
	b.Grow(512 + len(keys)*40)
	writeDiagnosticRows(&b, w)
	// in~ compares without case: the header and the column may differ in case.
	b.WriteString("| where ")
	b.WriteString(keyColumn)
	b.WriteString(" in~ (")
	for i, key := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		if err := quoteKQL(&b, key); err != nil {
			return "", fmt.Errorf("key %d: %w", i, err)
		}
	}
	b.WriteString(")\n| project ")
	b.WriteString(projectList(keyColumn))
	return b.String(), nil
}

// writeDiagnosticRows writes the table and the filters both queries share:
// the window on TimeGenerated, Azure OpenAI's resource provider and the two
// categories the join reads.
func writeDiagnosticRows(b *strings.Builder, w source.Window) {
	b.WriteString("AzureDiagnostics\n| where TimeGenerated between (")
	writeDatetime(b, w.From)
	b.WriteString(" .. ")
	writeDatetime(b, w.To)
	b.WriteString(")\n| where ResourceProvider == \"MICROSOFT.COGNITIVESERVICES\"\n")
	b.WriteString("| where Category in (\"" + categoryRequestResponse + "\", \"" + categoryRequestUsage + "\")\n")
}

// kqlTick is the resolution of a KQL datetime: 100 ns, seven fractional
// digits.
const kqlTick = 100 * time.Nanosecond

// writeDatetime writes t as a KQL datetime literal, in UTC, cut to the tick
// (a ninth fractional digit is more than KQL's datetime holds).
func writeDatetime(b *strings.Builder, t time.Time) {
	b.WriteString("datetime(")
	b.WriteString(t.UTC().Truncate(kqlTick).Format(time.RFC3339Nano))
	b.WriteByte(')')
}

// buildScanQuery writes the query of one scan page: every row of the join's
// categories ingested in [req.IngestedFrom, req.IngestedTo], whatever its key,
// oldest ingestion first, at most req.Limit. ingestion_time() is projected as
// IngestionTime: the join pages on from the last one and tells rows read twice
// apart by it. The TimeGenerated window is Microsoft's advice for incremental
// polling (filter on ingestion_time() and add a wider TimeGenerated range, so
// that the service reads only recent partitions).
func buildScanQuery(keyColumn string, req source.ScanRequest) (string, error) {
	if !kqlIdentifier.MatchString(keyColumn) {
		return "", fmt.Errorf("key column %q is not an identifier", keyColumn)
	}
	if req.Limit <= 0 {
		return "", fmt.Errorf("row limit (%d) must be positive", req.Limit)
	}
	if req.IngestedTo.Before(req.IngestedFrom) {
		return "", fmt.Errorf("ingestion range ends (%v) before it starts (%v)", req.IngestedTo, req.IngestedFrom)
	}
	var b strings.Builder
	b.Grow(1024)
	writeDiagnosticRows(&b, req.Window)
	b.WriteString("| extend " + columnIngestionTime + " = ingestion_time()\n| where " + columnIngestionTime + " between (")
	writeDatetime(&b, req.IngestedFrom)
	b.WriteString(" .. ")
	writeDatetime(&b, req.IngestedTo)
	b.WriteString(")\n| project " + columnIngestionTime + ", ")
	b.WriteString(projectList(keyColumn))
	b.WriteString("\n| sort by " + columnIngestionTime + " asc\n| take ")
	b.WriteString(strconv.Itoa(req.Limit))
	return b.String(), nil
}

// projectList names the raw columns the join reads, the key column once.
func projectList(keyColumn string) string {
	columns := []string{columnTimeGenerated, columnCategory}
	if !slices.Contains([]string{columnTimeGenerated, columnCategory, columnOperationName, columnDurationMs,
		columnResultSignature, columnCallerIPAddress, columnProperties, columnAdditionalFields, columnResource,
		columnIngestionTime}, keyColumn) {
		columns = append(columns, keyColumn)
	}
	columns = append(columns, columnOperationName, columnDurationMs, columnResultSignature, columnCallerIPAddress,
		columnProperties+` = column_ifexists("`+columnProperties+`", "")`,
		columnAdditionalFields+` = column_ifexists("`+columnAdditionalFields+`", dynamic(null))`,
		columnResource)
	return strings.Join(columns, ", ")
}
