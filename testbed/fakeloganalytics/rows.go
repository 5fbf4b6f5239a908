package fakeloganalytics // import "github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"

import (
	"encoding/json"
	"slices"
	"time"
)

// Row is one row of the AzureDiagnostics table, as Azure OpenAI writes it
// (columns: Microsoft's AzureDiagnostics table reference,
// MicrosoftDocs/azure-reference-other azure-monitor-ref/tables/azurediagnostics.md).
type Row struct {
	TimeGenerated   time.Time
	Category        string // RequestResponse, AzureOpenAIRequestUsage, Audit, Trace
	CorrelationID   string // CorrelationId: the apim-request-id of the call
	OperationName   string // ChatCompletions_Create, ...
	DurationMs      int64
	ResultSignature string // HTTP status as text
	ResultType      string
	CallerIPAddress string // last octet masked by Azure: 81.2.69.***
	// Properties is properties_s verbatim: a JSON object, or a JSON string that
	// holds one (both occur).
	Properties string
	Event      string // event_s: ShoeboxCallResult, ShoeboxAzureOpenAIRequestUsage
	Resource   string
	// ResourceProvider defaults to MICROSOFT.COGNITIVESERVICES.
	ResourceProvider string
	ResourceID       string // _ResourceId
	TenantID         string // TenantId: the workspace id

	// AvailableAt is when the row becomes visible to queries: Log Analytics
	// ingests resource logs minutes after the call. Zero means at once.
	AvailableAt time.Time
}

// IngestionTime is what ingestion_time() answers for the row: the moment it
// became visible, or its TimeGenerated for a row visible at once.
func (r *Row) IngestionTime() time.Time {
	if r.AvailableAt.IsZero() {
		return r.TimeGenerated
	}
	return r.AvailableAt
}

// Column types as the query API names them.
const (
	columnString   = "string"
	columnLong     = "long"
	columnReal     = "real"
	columnDatetime = "datetime"
	columnDynamic  = "dynamic"
)

type schemaColumn struct {
	name  string
	typ   string
	value func(*Row) any
}

// azureDiagnosticsColumns is the part of the AzureDiagnostics schema the fake
// holds, in the table's order. AdditionalFields is handled apart: it exists only
// in a workspace whose schema overflowed.
var azureDiagnosticsColumns = []schemaColumn{
	{"TenantId", columnString, func(r *Row) any { return r.TenantID }},
	{"TimeGenerated", columnDatetime, func(r *Row) any { return r.TimeGenerated }},
	{"ResourceId", columnString, func(r *Row) any { return r.ResourceID }},
	{"Category", columnString, func(r *Row) any { return r.Category }},
	{"ResourceGroup", columnString, func(*Row) any { return "" }},
	{"SubscriptionId", columnString, func(*Row) any { return "" }},
	{"ResourceProvider", columnString, func(r *Row) any {
		if r.ResourceProvider == "" {
			return "MICROSOFT.COGNITIVESERVICES"
		}
		return r.ResourceProvider
	}},
	{"Resource", columnString, func(r *Row) any { return r.Resource }},
	{"ResourceType", columnString, func(*Row) any { return "ACCOUNTS" }},
	{"OperationName", columnString, func(r *Row) any { return r.OperationName }},
	{"ResultType", columnString, func(r *Row) any { return r.ResultType }},
	{"CorrelationId", columnString, func(r *Row) any { return r.CorrelationID }},
	{"ResultSignature", columnString, func(r *Row) any { return r.ResultSignature }},
	{"DurationMs", columnLong, func(r *Row) any { return r.DurationMs }},
	{"CallerIPAddress", columnString, func(r *Row) any { return r.CallerIPAddress }},
	{"event_s", columnString, func(r *Row) any { return r.Event }},
	{"properties_s", columnString, func(r *Row) any { return r.Properties }},
	{"_ResourceId", columnString, func(r *Row) any { return r.ResourceID }},
}

const additionalFieldsColumn = "AdditionalFields"

// workspaceSchema is the AzureDiagnostics schema of one workspace. A workspace
// at the 500-column limit moves further fields into the AdditionalFields
// property bag (the AzureDiagnostics table reference: "If the total number of
// columns is at or above 500, the excess data is added to a dynamic property
// bag column called AdditionalFields"); overflow names the fields this one
// moved.
type workspaceSchema struct {
	overflow []string
}

// column returns a column's definition; ok is false when the workspace has no
// such column.
func (s *workspaceSchema) column(name string) (schemaColumn, bool) {
	if name == additionalFieldsColumn {
		if len(s.overflow) == 0 {
			return schemaColumn{}, false
		}
		return schemaColumn{name: name, typ: columnDynamic, value: s.additionalFields}, true
	}
	if slices.Contains(s.overflow, name) {
		return schemaColumn{}, false
	}
	for _, c := range azureDiagnosticsColumns {
		if c.name == name {
			return c, true
		}
	}
	return schemaColumn{}, false
}

// cell returns the typed value of a column in a row.
func (s *workspaceSchema) cell(r *Row, name string) (any, bool) {
	c, ok := s.column(name)
	if !ok {
		return nil, false
	}
	return c.value(r), true
}

// additionalFields is the property bag that holds the overflowed fields.
func (s *workspaceSchema) additionalFields(r *Row) any {
	bag := map[string]any{}
	for _, name := range s.overflow {
		for _, c := range azureDiagnosticsColumns {
			if c.name == name {
				bag[name] = c.value(r)
			}
		}
	}
	return bag
}

// allColumns is what a query without project returns.
func (s *workspaceSchema) allColumns() []projection {
	var out []projection
	for _, c := range azureDiagnosticsColumns {
		if !slices.Contains(s.overflow, c.name) {
			out = append(out, projection{Name: c.name, Source: c.name})
		}
	}
	if len(s.overflow) > 0 {
		out = append(out, projection{Name: additionalFieldsColumn, Source: additionalFieldsColumn})
	}
	return out
}

// encodeCell renders a value the way the query API does (the Log Analytics
// API's response-format page, and Azure/azure-sdk-for-go
// sdk/monitor/azquery/testdata/recordings/TestQueryWorkspace_BasicQuerySuccess.json):
// datetime as an ISO string, long as a JSON number, dynamic as a JSON-encoded
// string (parsed again by the reader), null as null.
func encodeCell(typ string, v any) any {
	if v == nil {
		return nil
	}
	switch typ {
	case columnDatetime:
		t, ok := v.(time.Time)
		if !ok || t.IsZero() {
			return nil
		}
		return t.UTC().Format(time.RFC3339Nano)
	case columnDynamic:
		if s, ok := v.(string); ok {
			return s
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil
		}
		return string(b)
	}
	return v
}
