package loadtest // import "github.com/otelcol-aoai/otelcol-aoai/testbed/loadtest"

import (
	"bytes"
	"text/template"
	"time"
)

// Pipeline is one of the two ways an operator lifts the same facts.
type Pipeline string

const (
	// Ours: the ai_gateway receiver and the azure_openai processor.
	Ours Pipeline = "ai_gateway+azure_openai"
	// Transform: the otlp receiver, fed the spans our receiver would have
	// made, and the contrib transform processor with the OTTL statements a
	// user would write for the same lifting.
	Transform Pipeline = "otlp+transform"
)

// ConfigParams fill the collector configuration of every scenario.
type ConfigParams struct {
	Pipeline     Pipeline
	ReceiverPort int
	HealthPort   int
	PprofPort    int
	MetricsPort  int
	// SinkPort is where otlp_http exports (the sink, or a closed port).
	SinkPort int
	// MemoryLimitMiB and SpikeLimitMiB configure the memory_limiter.
	MemoryLimitMiB, SpikeLimitMiB int
	// Persistent puts the exporter's sending_queue on file_storage in
	// StorageDir, with QueueSize requests, and leaves out the batch processor
	// (its errors would not reach the receiver): the exporter batches.
	Persistent bool
	StorageDir string
	QueueSize  int
	// Direct leaves out the batch processor and the exporter's queue: a
	// span is acknowledged only once the sink took it, so that nothing but
	// the join holds acknowledged spans (what a kill of the join tests).
	Direct bool
	// Join, when set, turns on the diagnostics join.
	Join *JoinParams
}

// JoinParams configure the diagnostics join against the fake workspace.
type JoinParams struct {
	Workspace, Endpoint, CAFile, Token string
	PollInterval, MaxWait, Timeout     time.Duration
	// MaxPending and MaxPendingBytes bound the pending spans; zero leaves
	// the processor's default.
	MaxPending, MaxPendingBytes int64
	// StorageDir, when set, keeps pending spans on disk: a file_storage/join
	// extension in that folder, named by diagnostics.storage, the stored
	// bytes bounded by MaxStoredBytes (zero: the default).
	StorageDir     string
	MaxStoredBytes int64
	// Lookup is diagnostics.lookup (cursor or keys); empty leaves the default.
	Lookup string
}

// Config renders the collector configuration.
func Config(p ConfigParams) (string, error) {
	var buf bytes.Buffer
	err := configTemplate.Execute(&buf, p)
	return buf.String(), err
}

// transformStatements are the OTTL statements a user would write to lift
// with the contrib transform processor what azure_openai lifts: ParseJSON of
// the bodies, the usage / model / id / request-parameter attributes, the header
// copies with Int() and Double(), booleans, the rename and the body removal
// (the statements of the processor's BenchmarkLiftChatSpan), guarded so that
// JSON responses are parsed as JSON, request parameters are only set when the
// request has them, and for SSE streams the regular expressions a user would
// reach for, since OTTL cannot read a stream.
var transformStatements = []string{
	`set(span.cache["resp"], ParseJSON(span.attributes["ai_gateway.response.body"])) where IsMatch(span.attributes["ai_gateway.response.body"], "^\\s*\\{")`,
	`set(span.cache["req"], ParseJSON(span.attributes["ai_gateway.request.body"])) where IsMatch(span.attributes["ai_gateway.request.body"], "^\\s*\\{")`,
	`set(span.attributes["gen_ai.provider.name"], "azure.ai.openai")`,
	`set(span.attributes["gen_ai.operation.name"], "chat")`,
	`set(span.attributes["gen_ai.request.model"], span.attributes["http.response.header.x-ms-deployment-name"][0])`,
	`set(span.attributes["gen_ai.response.id"], span.cache["resp"]["id"])`,
	`set(span.attributes["gen_ai.response.model"], span.cache["resp"]["model"])`,
	`set(span.attributes["gen_ai.response.finish_reasons"], [span.cache["resp"]["choices"][0]["finish_reason"]]) where span.cache["resp"]["choices"] != nil`,
	`set(span.attributes["gen_ai.usage.input_tokens"], span.cache["resp"]["usage"]["prompt_tokens"])`,
	`set(span.attributes["gen_ai.usage.output_tokens"], span.cache["resp"]["usage"]["completion_tokens"])`,
	`set(span.attributes["gen_ai.usage.cache_read.input_tokens"], span.cache["resp"]["usage"]["prompt_tokens_details"]["cached_tokens"])`,
	`set(span.attributes["gen_ai.usage.reasoning.output_tokens"], span.cache["resp"]["usage"]["completion_tokens_details"]["reasoning_tokens"])`,
	`set(span.cache["sse_usage"], ExtractPatterns(span.attributes["ai_gateway.response.body"], "\"prompt_tokens\":(?P<input>[0-9]+),\"completion_tokens\":(?P<output>[0-9]+)")) where IsMatch(span.attributes["ai_gateway.response.body"], "^data:")`,
	`set(span.attributes["gen_ai.usage.input_tokens"], Int(span.cache["sse_usage"]["input"])) where span.cache["sse_usage"]["input"] != nil`,
	`set(span.attributes["gen_ai.usage.output_tokens"], Int(span.cache["sse_usage"]["output"])) where span.cache["sse_usage"]["output"] != nil`,
	`set(span.cache["sse_cached"], ExtractPatterns(span.attributes["ai_gateway.response.body"], "\"cached_tokens\":(?P<cached>[0-9]+)")) where IsMatch(span.attributes["ai_gateway.response.body"], "^data:")`,
	`set(span.attributes["gen_ai.usage.cache_read.input_tokens"], Int(span.cache["sse_cached"]["cached"])) where span.cache["sse_cached"]["cached"] != nil`,
	`set(span.cache["sse_id"], ExtractPatterns(span.attributes["ai_gateway.response.body"], "\"id\":\"(?P<id>[^\"]+)\",\"model\":\"(?P<model>[^\"]+)\"")) where IsMatch(span.attributes["ai_gateway.response.body"], "^data:")`,
	`set(span.attributes["gen_ai.response.id"], span.cache["sse_id"]["id"]) where span.cache["sse_id"]["id"] != nil`,
	`set(span.attributes["gen_ai.response.model"], span.cache["sse_id"]["model"]) where span.cache["sse_id"]["model"] != nil`,
	`set(span.cache["sse_finish"], ExtractPatterns(span.attributes["ai_gateway.response.body"], "\"finish_reason\":\"(?P<reason>[a-z_]+)\"")) where IsMatch(span.attributes["ai_gateway.response.body"], "^data:")`,
	`set(span.attributes["gen_ai.response.finish_reasons"], [span.cache["sse_finish"]["reason"]]) where span.cache["sse_finish"]["reason"] != nil`,
	`set(span.attributes["gen_ai.request.max_tokens"], span.cache["req"]["max_completion_tokens"]) where span.cache["req"]["max_completion_tokens"] != nil`,
	`set(span.attributes["gen_ai.request.max_tokens"], span.cache["req"]["max_tokens"]) where span.cache["req"]["max_tokens"] != nil`,
	`set(span.attributes["gen_ai.request.temperature"], span.cache["req"]["temperature"]) where span.cache["req"]["temperature"] != nil`,
	`set(span.attributes["gen_ai.request.top_p"], span.cache["req"]["top_p"]) where span.cache["req"]["top_p"] != nil`,
	`set(span.attributes["gen_ai.request.seed"], span.cache["req"]["seed"]) where span.cache["req"]["seed"] != nil`,
	`set(span.attributes["azure.service.request.id"], span.attributes["http.response.header.apim-request-id"][0])`,
	`set(span.attributes["azure.openai.region"], span.attributes["http.response.header.x-ms-region"][0])`,
	`set(span.attributes["azure.openai.deployment"], span.attributes["http.response.header.x-ms-deployment-name"][0])`,
	`set(span.attributes["azure.openai.request_id"], span.attributes["http.response.header.x-request-id"][0])`,
	`set(span.attributes["azure.openai.model_session"], span.attributes["http.response.header.azureml-model-session"][0])`,
	`set(span.attributes["azure.openai.ratelimit.remaining_requests"], Int(span.attributes["http.response.header.x-ratelimit-remaining-requests"][0]))`,
	`set(span.attributes["azure.openai.ratelimit.remaining_tokens"], Int(span.attributes["http.response.header.x-ratelimit-remaining-tokens"][0]))`,
	`set(span.attributes["azure.openai.ratelimit.limit_requests"], Int(span.attributes["http.response.header.x-ratelimit-limit-requests"][0]))`,
	`set(span.attributes["azure.openai.ratelimit.limit_tokens"], Int(span.attributes["http.response.header.x-ratelimit-limit-tokens"][0]))`,
	`set(span.attributes["azure.openai.ratelimit.reset_requests"], Int(span.attributes["http.response.header.x-ratelimit-reset-requests"][0]))`,
	`set(span.attributes["azure.openai.ratelimit.reset_tokens"], Int(span.attributes["http.response.header.x-ratelimit-reset-tokens"][0]))`,
	`set(span.attributes["gen_ai.request.frequency_penalty"], span.cache["req"]["frequency_penalty"]) where span.cache["req"]["frequency_penalty"] != nil`,
	`set(span.attributes["gen_ai.request.presence_penalty"], Double(span.cache["req"]["presence_penalty"])) where span.cache["req"]["presence_penalty"] != nil`,
	`set(span.attributes["gen_ai.request.stop_sequences"], span.cache["req"]["stop"]) where span.cache["req"]["stop"] != nil`,
	`set(span.attributes["gen_ai.output.type"], "json") where span.cache["req"]["response_format"]["type"] == "json_object"`,
	`set(span.attributes["azure.openai.usage.source"], "response") where span.cache["resp"]["usage"] != nil`,
	`set(span.attributes["azure.openai.usage.source"], "stream") where span.cache["sse_usage"]["input"] != nil`,
	`set(span.attributes["azure.resource_provider.namespace"], "Microsoft.CognitiveServices")`,
	`set(span.attributes["azure.openai.rai_invoked"], true) where span.attributes["http.response.header.x-ms-rai-invoked"][0] == "true"`,
	`set(span.attributes["azure.openai.rai_invoked"], false) where span.attributes["http.response.header.x-ms-rai-invoked"][0] == "false"`,
	`set(span.attributes["azure.openai.spilled_over"], true) where span.attributes["http.response.header.x-ms-is-spilled-over"][0] == "true"`,
	`set(span.attributes["azure.openai.spilled_over"], false) where span.attributes["http.response.header.x-ms-is-spilled-over"][0] == "false"`,
	`set(span.attributes["azure.openai.upstream_time"], Double(span.attributes["http.response.header.cmp-upstream-response-duration"][0]) / 1000)`,
	`set(span.name, Concat(["chat", span.attributes["gen_ai.request.model"]], " "))`,
	`delete_key(span.attributes, "ai_gateway.request.body")`,
	`delete_key(span.attributes, "ai_gateway.response.body")`,
}

var configTemplate = template.Must(template.New("config").Funcs(template.FuncMap{
	"statements": func() []string { return transformStatements },
	"yamlString": yamlSingleQuoted,
}).Parse(`# Written by testbed/cmd/aoai-loadtest ({{.Pipeline}}).
extensions:
  health_check:
    endpoint: 127.0.0.1:{{.HealthPort}}
  pprof:
    endpoint: 127.0.0.1:{{.PprofPort}}
{{- if .Persistent}}
  file_storage:
    directory: {{.StorageDir}}
    create_directory: true
{{- end}}
{{- with .Join}}{{if .StorageDir}}
  file_storage/join:
    directory: {{.StorageDir}}
    create_directory: true
{{- end}}{{end}}

receivers:
{{- if eq .Pipeline "otlp+transform"}}
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{{.ReceiverPort}}
{{- else}}
  ai_gateway:
    endpoint: 127.0.0.1:{{.ReceiverPort}}
{{- end}}

processors:
  memory_limiter:
    check_interval: 1s
    limit_mib: {{.MemoryLimitMiB}}
    spike_limit_mib: {{.SpikeLimitMiB}}
{{- if eq .Pipeline "otlp+transform"}}
  transform:
    error_mode: ignore
    trace_statements:
      - statements:
{{- range statements}}
          - {{yamlString .}}
{{- end}}
{{- else}}
  azure_openai:
{{- with .Join}}
    diagnostics:
      workspace_id: {{.Workspace}}
      endpoint: {{.Endpoint}}
      tls:
        ca_file: {{.CAFile}}
      timeout: {{.Timeout}}
      credential:
        type: access_token
        access_token: {{.Token}}
      poll_interval: {{.PollInterval}}
      max_wait: {{.MaxWait}}
{{- if .MaxPending}}
      max_pending: {{.MaxPending}}
{{- end}}
{{- if .MaxPendingBytes}}
      max_pending_bytes: {{.MaxPendingBytes}}
{{- end}}
{{- if .StorageDir}}
      storage: file_storage/join
{{- if .MaxStoredBytes}}
      max_stored_bytes: {{.MaxStoredBytes}}
{{- end}}
{{- end}}
{{- if .Lookup}}
      lookup: {{.Lookup}}
{{- end}}
{{- end}}
{{- end}}
{{- if not (or .Persistent .Direct)}}
  batch:
{{- end}}

exporters:
  otlp_http:
    endpoint: http://127.0.0.1:{{.SinkPort}}
{{- if .Persistent}}
    retry_on_failure:
      enabled: true
      initial_interval: 500ms
      max_interval: 2s
      max_elapsed_time: 0s
    sending_queue:
      enabled: true
      storage: file_storage
      queue_size: {{.QueueSize}}
      batch:
        flush_timeout: 200ms
        min_size: 512
        max_size: 2048
{{- else if .Direct}}
    sending_queue:
      enabled: false
{{- end}}

service:
  telemetry:
    logs:
      level: warn
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: {{.MetricsPort}}
  extensions: [health_check, pprof{{if .Persistent}}, file_storage{{end}}{{with .Join}}{{if .StorageDir}}, file_storage/join{{end}}{{end}}]
  pipelines:
    traces:
{{- if eq .Pipeline "otlp+transform"}}
      receivers: [otlp]
      processors: [memory_limiter, transform, batch]
{{- else}}
      receivers: [ai_gateway]
      processors: [memory_limiter, azure_openai{{if not (or .Persistent .Direct)}}, batch{{end}}]
{{- end}}
      exporters: [otlp_http]
`))

// yamlSingleQuoted quotes s for YAML: inside single quotes only ' is special.
func yamlSingleQuoted(s string) string {
	return "'" + string(bytes.ReplaceAll([]byte(s), []byte("'"), []byte("''"))) + "'"
}
