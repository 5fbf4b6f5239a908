package loganalytics // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/loganalytics"

import (
	"fmt"
	"slices"
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
	b.WriteString("AzureDiagnostics\n| where TimeGenerated between (datetime(")
	b.WriteString(w.From.Format(time.RFC3339Nano))
	b.WriteString(") .. datetime(")
	b.WriteString(w.To.Format(time.RFC3339Nano))
	b.WriteString("))\n| where ResourceProvider == \"MICROSOFT.COGNITIVESERVICES\"\n")
	b.WriteString("| where Category in (\"" + categoryRequestResponse + "\", \"" + categoryRequestUsage + "\")\n")
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

// projectList names the raw columns the join reads, the key column once.
func projectList(keyColumn string) string {
	columns := []string{columnTimeGenerated, columnCategory}
	if !slices.Contains([]string{columnTimeGenerated, columnCategory, columnOperationName, columnDurationMs,
		columnResultSignature, columnCallerIPAddress, columnProperties, columnAdditionalFields, columnResource}, keyColumn) {
		columns = append(columns, keyColumn)
	}
	columns = append(columns, columnOperationName, columnDurationMs, columnResultSignature, columnCallerIPAddress,
		columnProperties+` = column_ifexists("`+columnProperties+`", "")`,
		columnAdditionalFields+` = column_ifexists("`+columnAdditionalFields+`", dynamic(null))`,
		columnResource)
	return strings.Join(columns, ", ")
}
