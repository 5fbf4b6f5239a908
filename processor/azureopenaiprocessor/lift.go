package azureopenaiprocessor // import "github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor"

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-aoai/otelcol-aoai/internal/conventions"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/bodies"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/content"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/genai"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/headers"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/pricing"
	"github.com/otelcol-aoai/otelcol-aoai/processor/azureopenaiprocessor/internal/tokens"
)

// spanView is what one pass over a span's attributes found.
type spanView struct {
	requestBody   []byte
	responseBody  []byte
	hasRequest    bool
	hasResponse   bool
	serverAddress string
	method        string
	// requestEncoding and responseEncoding are the Content-Encoding headers
	// of the two messages ("" when absent).
	requestEncoding  string
	responseEncoding string
	urlPath          string
	urlFull          string
	statusCode       int64
	errorType        string
	ttfbMS           float64
	hasTTFB          bool
	// mayHoldInvalidText: an attribute key or string value the sender set, or
	// one the lifter wrote, is not valid UTF-8 (see attributesNeedUTF8Pass).
	mayHoldInvalidText bool
	// selectHeader: an apim-request-id, azureml-model-session or x-ms-region
	// header is present (the default selection test).
	selectHeader bool
	headers      headers.Facts
	// existing holds the names of gen_ai.*, azure.*, openai.* and error.type
	// attributes the sender already set: they are never overwritten.
	existing []string
}

// outcome is what lifting one span produced, for the processor's telemetry.
type outcome struct {
	headerFailures int
	requestFailed  bool
	responseFailed bool
	streamFailed   bool
	estimated      bool
	// The encoding of the estimate, and whether the model name did not tell it.
	tokenizer        tokens.Encoding
	tokenizerAssumed bool
	// requestUndecodable / responseUndecodable: the body's content coding
	// could not be undone (unknown, corrupt, or larger than the limit).
	requestUndecodable  bool
	responseUndecodable bool
	// unpriced: why pricing could not price a call with usage.
	unpriced pricing.Unpriced
}

// lifter lifts one span at a time. It owns reusable parser state, so it is
// used by one goroutine at a time (the processor pools them).
type lifter struct {
	cfg     *Config
	pricer  *pricing.Pricer // nil: pricing is off
	writer  content.Writer
	reqR    genai.RequestReader
	respR   genai.ResponseReader
	view    spanView
	attrs   pcommon.Map
	request genai.Request
	resp    genai.Response
	// requestDecoder and responseDecoder undo content codings, keeping
	// their readers between spans.
	requestDecoder  bodies.Decoder
	responseDecoder bodies.Decoder
}

func newLifter(cfg *Config, pricer *pricing.Pricer) *lifter {
	return &lifter{cfg: cfg, pricer: pricer, writer: content.Writer{MaxLength: cfg.MaxContentLength}}
}

// scan reads every attribute once.
func (l *lifter) scan(attrs pcommon.Map) {
	v := &l.view
	existing := v.existing[:0]
	*v = spanView{}
	v.existing = existing
	attrs.Range(func(k string, val pcommon.Value) bool {
		if k != attrRequestBody && k != attrResponseBody && (!utf8.ValidString(k) || !validText(val)) {
			v.mayHoldInvalidText = true
		}
		if len(k) > len(responseHeaderPrefix) && headers.HasPrefixFold(k, responseHeaderPrefix) {
			// A name that is already lower case (the semantic-convention
			// form) is not copied; others are, since Facts may keep a value
			// taken from the name.
			name := strings.ToLower(k[len(responseHeaderPrefix):])
			switch name {
			case headerAPIMRequestID, headerModelSession, headerRegion:
				v.selectHeader = true
			}
			if name == headerContentEncoding {
				v.responseEncoding = contentEncoding(val)
			}
			v.headers.Observe(name, val)
			return true
		}
		switch k {
		case attrRequestContentEncoding:
			v.requestEncoding = contentEncoding(val)
		case attrRequestBody:
			v.requestBody, v.hasRequest = bodyBytes(val)
		case attrResponseBody:
			v.responseBody, v.hasResponse = bodyBytes(val)
		case attrServerAddress:
			v.serverAddress = val.Str()
		case attrHTTPMethod, attrHTTPMethodLegacy:
			if v.method == "" {
				v.method = val.Str()
			}
		case attrURLPath, attrHTTPTargetLegacy:
			if v.urlPath == "" {
				v.urlPath = val.Str()
			}
		case attrURLFull, attrHTTPURLLegacy:
			if v.urlFull == "" {
				v.urlFull = val.Str()
			}
		case attrHTTPStatusCode, attrHTTPStatusLegacy:
			v.statusCode = intValue(val)
		case attrTimeToFirstByteMS:
			v.ttfbMS, v.hasTTFB = floatValue(val)
		case attrErrorType:
			v.errorType = val.AsString()
			v.existing = append(v.existing, k)
		default:
			if strings.HasPrefix(k, prefixGenAI) || strings.HasPrefix(k, prefixAzure) || strings.HasPrefix(k, prefixOpenAI) {
				v.existing = append(v.existing, k)
			}
		}
		return true
	})
}

// bodyBytes views a string attribute's bytes without copying; the parsers
// never write to them.
func bodyBytes(v pcommon.Value) ([]byte, bool) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		s := v.Str()
		return unsafe.Slice(unsafe.StringData(s), len(s)), true
	case pcommon.ValueTypeBytes:
		return v.Bytes().AsRaw(), true
	}
	return nil, false
}

func intValue(v pcommon.Value) int64 {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int()
	case pcommon.ValueTypeDouble:
		return int64(v.Double())
	case pcommon.ValueTypeStr:
		n, _ := strconv.ParseInt(strings.TrimSpace(v.Str()), 10, 64)
		return n
	}
	return 0
}

func floatValue(v pcommon.Value) (float64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return float64(v.Int()), true
	case pcommon.ValueTypeDouble:
		return v.Double(), true
	case pcommon.ValueTypeStr:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.Str()), 64)
		return f, err == nil
	}
	return 0, false
}

// host returns the server address in lower case: server.address, else the
// host of the URL.
func (v *spanView) host() string {
	h := v.serverAddress
	if h == "" {
		h = urlHost(v.urlFull)
	}
	return strings.ToLower(h)
}

func (v *spanView) path() string {
	if v.urlPath != "" {
		return v.urlPath
	}
	return urlPathOf(v.urlFull)
}

func urlHost(u string) string {
	i := strings.Index(u, "://")
	if i < 0 {
		return ""
	}
	u = u[i+3:]
	if j := strings.IndexAny(u, "/?#"); j >= 0 {
		u = u[:j]
	}
	if at := strings.LastIndexByte(u, '@'); at >= 0 {
		u = u[at+1:]
	}
	if c := strings.LastIndexByte(u, ':'); c >= 0 && !strings.Contains(u[c:], "]") {
		u = u[:c]
	}
	return u
}

func urlPathOf(u string) string {
	i := strings.Index(u, "://")
	if i < 0 {
		return u
	}
	u = u[i+3:]
	if j := strings.IndexByte(u, '/'); j >= 0 {
		return u[j:]
	}
	return ""
}

var azureHostSuffixes = []string{".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com"}

func isAzureHost(h string) bool {
	for _, s := range azureHostSuffixes {
		if strings.HasSuffix(h, s) {
			return true
		}
	}
	return false
}

// looksLikeModelCall is the default selection test (README, "Which spans").
func (v *spanView) looksLikeModelCall() bool {
	if v.hasResponse || v.selectHeader {
		return true
	}
	h := v.host()
	return h == openAIHost || isAzureHost(h)
}

// provider returns gen_ai.provider.name ("" when nothing tells).
func (v *spanView) provider(route genai.Route) string {
	h := v.host()
	switch {
	case route.Inference:
		return providerAzureInference
	case h == openAIHost:
		return providerOpenAI
	case isAzureHost(h), v.headers.Azure, route.AzurePath:
		return providerAzureOpenAI
	}
	return ""
}

// lift turns one selected span into a GenAI span.
func (l *lifter) lift(span ptrace.Span) outcome {
	var out outcome
	v := &l.view
	l.attrs = span.Attributes()
	route := genai.ClassifyPath(v.method, v.path())
	provider := v.provider(route)
	out.headerFailures = v.headers.Failures

	l.request = genai.Request{}
	l.resp = genai.Response{}
	req, resp := &l.request, &l.resp
	capture := l.cfg.CaptureContent
	stream := l.readBodies(route, &out)
	if !route.ModelCall() {
		keepAgentFacts(route, req, resp)
	}

	usageSource := ""
	switch {
	case resp.Usage.Present && stream:
		usageSource = conventions.UsageSourceStream
	case resp.Usage.Present:
		usageSource = conventions.UsageSourceResponse
	case stream && l.cfg.EstimateTokens && route.ModelCall() && estimable(route.API) && !resp.Error.Present:
		// A stream that ended in an error is treated as an error body is:
		// no usage is made up for it.
		out.tokenizer, out.tokenizerAssumed = l.estimate(route, req, resp, capture)
		usageSource = conventions.UsageSourceEstimate
		out.estimated = true
	}

	// Bodies go first: fewer attributes to shift, fewer to scan on each put.
	// The parsed values are copies, so nothing below reads the bodies.
	if !l.cfg.KeepBodies && (v.hasRequest || v.hasResponse) {
		l.attrs.RemoveIf(func(k string, _ pcommon.Value) bool {
			return k == attrRequestBody || k == attrResponseBody
		})
	}
	if ot := route.OutputType(); ot != "" && req.OutputType == "" {
		req.OutputType = ot
	}
	l.writeAttributes(route, provider, stream, usageSource)
	out.unpriced = l.price(route, provider)
	if route.Operation() == "" {
		l.putStr(attrAPI, route.API.Name())
	}
	if out.estimated {
		l.putStr(attrUsageTokenizer, string(out.tokenizer))
	}
	l.setNameAndStatus(span, route)
	return out
}

func estimable(api genai.API) bool {
	return api == genai.APIChat || api == genai.APICompletions || api == genai.APIResponses
}

// estimate fills resp.Usage from the tokenizer. Text and messages that the
// first pass did not collect (because a usage chunk was expected) are read
// again: this path only runs for streams that ended without usage.
// It returns the encoding it counted with, and whether that was assumed.
func (l *lifter) estimate(route genai.Route, req *genai.Request, resp *genai.Response, captured bool) (tokens.Encoding, bool) {
	choices := resp.Choices
	if !captured && req.IncludeUsage {
		var again genai.Response
		l.respR.ReadStream(l.view.responseBody, true, &again)
		again.Finish()
		choices = again.Choices
	}
	if !captured && len(l.view.requestBody) > 0 {
		var full genai.Request
		_ = l.reqR.Read(l.view.requestBody, route.API, true, &full)
		req.Messages, req.SystemInstructions, req.Tools = full.Messages, full.SystemInstructions, full.Tools
		req.ForcedFunction, req.ToolChoiceNone = full.ForcedFunction, full.ToolChoiceNone
	}
	model := resp.Model
	if model == "" {
		model = req.Model
	}
	if model == "" {
		model = route.Deployment
	}
	counter := tokens.ForModel(model)
	resp.Usage = genai.Usage{
		Present: true,
		Output:  genai.Int{V: int64(counter.Completion(choices)), Set: true},
	}
	switch {
	case route.API == genai.APICompletions:
		// A legacy prompt is read as it is, without chat framing.
		if len(req.Messages) > 0 {
			resp.Usage.Input = genai.Int{V: int64(counter.PromptText(req)), Set: true}
		}
	case len(req.Messages) > 0 || len(req.SystemInstructions) > 0:
		resp.Usage.Input = genai.Int{V: int64(counter.Prompt(req)), Set: true}
	}
	return counter.Encoding()
}

func (l *lifter) has(k string) bool {
	return slices.Contains(l.view.existing, k)
}

func (l *lifter) putStr(k, val string) {
	if val != "" && !l.has(k) {
		l.noteText(val)
		l.attrs.PutStr(k, val)
	}
}

// noteText remembers that the span's attributes need the UTF-8 pass when a
// string the lifter writes (read from a body) is not valid UTF-8.
func (l *lifter) noteText(s string) {
	if !utf8.ValidString(s) {
		l.view.mayHoldInvalidText = true
	}
}

// attributesNeedUTF8Pass reports whether the span's attributes may hold a
// string that is not UTF-8: one the sender set (seen by scan), one the lifter
// wrote, or a body still on the span (kept, or on a span not lifted), which
// scan does not read. Most spans need no second walk of their attributes.
func (l *lifter) attributesNeedUTF8Pass(lifted bool) bool {
	v := &l.view
	bodyLeft := v.hasRequest || v.hasResponse
	return v.mayHoldInvalidText || (bodyLeft && (l.cfg.KeepBodies || !lifted))
}

// validText reports whether a value holds only UTF-8 text: strings, and the
// strings of a slice (the shape of header attributes). A map, or a slice of
// anything else, is left to the full pass.
func validText(v pcommon.Value) bool {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return utf8.ValidString(v.Str())
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			if !validText(s.At(i)) {
				return false
			}
		}
		return true
	case pcommon.ValueTypeMap:
		return false
	}
	return true
}

func (l *lifter) putInt(k string, val genai.Int) {
	if val.Set && !l.has(k) {
		l.attrs.PutInt(k, val.V)
	}
}

func (l *lifter) putFloat(k string, val genai.Float) {
	if val.Set && !l.has(k) {
		l.attrs.PutDouble(k, val.V)
	}
}

func (l *lifter) putBool(k string, val, set bool) {
	if set && !l.has(k) {
		l.attrs.PutBool(k, val)
	}
}

func (l *lifter) putStrings(k string, vals []string) {
	if len(vals) == 0 || l.has(k) {
		return
	}
	s := l.attrs.PutEmptySlice(k)
	s.EnsureCapacity(len(vals))
	for _, val := range vals {
		l.noteText(val)
		s.AppendEmpty().SetStr(val)
	}
}

// writeAttributes writes every attribute the span's facts support: the call,
// its usage, the request's parameters, the stream, the content, the
// provider's own facts, Azure's headers and the content filter.
func (l *lifter) writeAttributes(route genai.Route, provider string, stream bool, usageSource string) {
	l.attrs.EnsureCapacity(l.attrs.Len() + 40)
	l.writeCall(route, provider)
	l.writeUsage(route, usageSource)
	l.writeRequestParameters(stream)
	if stream {
		l.writeStream()
	}
	if l.cfg.CaptureContent {
		l.writeContent()
	}
	l.writeProviderFacts(provider)
	l.writeAzureHeaders(route)
	l.writeContentFilter()
}

// writeCall names the provider, the operation, the models, the response id
// and why each choice finished.
func (l *lifter) writeCall(route genai.Route, provider string) {
	req, resp := &l.request, &l.resp
	if route.Operation() != "" {
		l.putStr(attrProviderName, provider)
	}
	l.putStr(attrOperationName, route.Operation())
	if route.Kind == genai.KindAgent {
		l.putStr(attrAgentName, req.AgentName)
		l.putStr(attrAgentID, req.AgentID)
	}
	l.putStr(attrRequestModel, requestModel(route, req))
	l.putStr(attrResponseModel, responseModel(route, resp, &l.view.headers))
	l.putStr(attrResponseID, resp.ID)
	if len(resp.Choices) == 0 || l.has(attrFinishReasons) {
		return
	}
	s := l.attrs.PutEmptySlice(attrFinishReasons)
	s.EnsureCapacity(len(resp.Choices))
	for i := range resp.Choices {
		r := resp.Choices[i].FinishReason
		if r == "" {
			// A stream choice that never got a finish reason was cut off.
			r = "error"
		}
		l.noteText(r)
		s.AppendEmpty().SetStr(r)
	}
}

// writeUsage writes the token counts and where they came from. Embeddings
// produce no output tokens.
func (l *lifter) writeUsage(route genai.Route, usageSource string) {
	u := &l.resp.Usage
	l.putInt(attrInputTokens, u.Input)
	if route.API != genai.APIEmbeddings {
		l.putInt(attrOutputTokens, u.Output)
	}
	l.putInt(attrCacheReadInputTokens, u.CacheRead)
	l.putInt(attrReasoningOutputTokens, u.Reasoning)
	l.putStr(conventions.AzureOpenAIUsageSource, usageSource)
}

// writeRequestParameters writes the sampling and output parameters the
// request body set. A choice count of 1 is the default and is left out.
func (l *lifter) writeRequestParameters(stream bool) {
	req := &l.request
	l.putInt(attrMaxTokens, req.MaxTokens)
	l.putFloat(attrTemperature, req.Temperature)
	l.putFloat(attrTopP, req.TopP)
	l.putFloat(attrFrequencyPenalty, req.FrequencyPenalty)
	l.putFloat(attrPresencePenalty, req.PresencePenalty)
	l.putInt(attrSeed, req.Seed)
	l.putStrings(attrStopSequences, req.StopSequences)
	if req.ChoiceCount.V != 1 {
		l.putInt(attrChoiceCount, req.ChoiceCount)
	}
	l.putBool(attrStream, true, req.Stream || stream)
	l.putStrings(attrEncodingFormats, req.EncodingFormats)
	l.putStr(attrOutputType, req.OutputType)
}

// writeStream writes the time to the first chunk (from the gateway's time to
// first byte, in seconds) and the number of chunks of a streamed response.
func (l *lifter) writeStream() {
	v := &l.view
	if v.hasTTFB && v.ttfbMS >= 0 {
		l.putFloat(attrTimeToFirstChunk, genai.Float{V: v.ttfbMS / 1000, Set: true})
	}
	l.putInt(attrStreamChunks, genai.Int{V: int64(l.resp.Chunks), Set: true})
}

// writeContent writes the messages in and out, when capture is on.
func (l *lifter) writeContent() {
	req, resp := &l.request, &l.resp
	if len(req.Messages) > 0 {
		l.putStr(attrInputMessages, l.writer.InputMessages(req.Messages))
	}
	if len(req.SystemInstructions) > 0 {
		l.putStr(attrSystemInstructions, l.writer.SystemInstructions(req.SystemInstructions))
	}
	if len(resp.Choices) > 0 {
		l.putStr(attrOutputMessages, l.writer.OutputMessages(resp.Choices))
	}
}

// writeProviderFacts writes what only one provider has: Azure's resource
// namespace, OpenAI's fingerprint and service tiers.
func (l *lifter) writeProviderFacts(provider string) {
	switch provider {
	case providerAzureOpenAI, providerAzureInference:
		l.putStr(attrResourceNamespace, azureNamespace)
		l.putStr(attrServiceTier, l.serviceTier())
	case providerOpenAI:
		l.putStr(attrSystemFingerprint, l.resp.SystemFingerprint)
		l.putStr(attrResponseServiceTier, l.resp.ServiceTier)
		l.putStr(attrRequestServiceTier, l.request.ServiceTier)
	}
}

// writeAzureHeaders writes the azure.* facts of the response headers: the
// request ids, the deployment, region and model session, the spillover and
// the rate limits and timings.
func (l *lifter) writeAzureHeaders(route genai.Route) {
	h := &l.view.headers
	l.putStr(attrServiceRequestID, h.APIMRequestID)
	l.putStr(attrDeployment, deploymentName(route, &l.request, h))
	l.putStr(attrRegion, h.Region)
	l.putStr(attrRequestID, h.RequestID)
	l.putStr(attrModelSession, h.ModelSession)
	l.putBool(attrRAIInvoked, h.RAIInvoked.V, h.RAIInvoked.Set)
	l.putBool(attrSpilledOver, h.SpilledOver.V, h.SpilledOver.Set)
	l.putStr(attrSpilloverFrom, h.SpilloverFrom)
	l.putInt(attrRemainingRequests, h.RemainingRequests)
	l.putInt(attrRemainingTokens, h.RemainingTokens)
	l.putInt(attrLimitRequests, h.LimitRequests)
	l.putInt(attrLimitTokens, h.LimitTokens)
	l.putInt(attrResetRequests, h.ResetRequests)
	l.putInt(attrResetTokens, h.ResetTokens)
	l.putFloat(attrRetryAfter, h.RetryAfter)
	l.putFloat(attrProcessingTime, h.ProcessingTime)
	l.putFloat(attrUpstreamTime, h.UpstreamTime)
}

// writeContentFilter writes whether the content filter acted and, sorted,
// the categories it named.
func (l *lifter) writeContentFilter() {
	f := &l.resp.Filter
	if f.Seen || f.Filtered {
		l.putBool(attrContentFiltered, f.Filtered, true)
	}
	if len(f.Categories) > 0 {
		cats := slices.Clone(f.Categories)
		slices.Sort(cats)
		l.putStrings(attrContentFilterCats, cats)
	}
}

// deploymentName is the x-ms-deployment-name header, else the deployment of
// the path; on /openai/v1/... Azure reads the body's model as the
// deployment name.
func deploymentName(route genai.Route, req *genai.Request, h *headers.Facts) string {
	if h.Deployment != "" {
		return h.Deployment
	}
	if route.Deployment != "" || !route.AzurePath {
		return route.Deployment
	}
	return req.Model
}

// requestModel is the deployment of /openai/deployments/{d}/..., else the
// request body's model.
func requestModel(route genai.Route, req *genai.Request) string {
	if route.Operation() == "" {
		return ""
	}
	if route.Deployment != "" {
		return route.Deployment
	}
	return req.Model
}

// responseModel is the body's model; for the Responses API, whose body holds
// only the alias, x-ms-served-model names the snapshot that served.
func responseModel(route genai.Route, resp *genai.Response, h *headers.Facts) string {
	if !route.ModelCall() {
		return ""
	}
	if route.API == genai.APIResponses && h.ServedModel != "" {
		return h.ServedModel
	}
	if resp.Model != "" {
		return resp.Model
	}
	return h.ServedModel
}

// setNameAndStatus renames the span "{operation} {model}" and marks errors:
// an HTTP status of 400 or more, or an error body.
func (l *lifter) setNameAndStatus(span ptrace.Span, route genai.Route) {
	v, resp := &l.view, &l.resp
	if op := route.Operation(); op != "" {
		// Agent spans are named after the agent, model calls after the model
		// (semconv's GenAI agent and inference spans).
		if name := l.request.AgentName; name != "" && route.Kind == genai.KindAgent {
			span.SetName(op + " " + name)
		} else if model := requestModel(route, &l.request); model != "" {
			span.SetName(op + " " + model)
		} else {
			span.SetName(op)
		}
	}
	if v.statusCode < 400 && !resp.Error.Present {
		return
	}
	errType := resp.Error.Code
	if errType == "" {
		errType = resp.Error.Type
	}
	status := ""
	if v.statusCode > 0 {
		status = strconv.FormatInt(v.statusCode, 10)
	}
	if errType == "" {
		errType = status
	}
	if errType == "" {
		errType = "_OTHER"
	}
	// The receiver (or an HTTP instrumentation) writes the status code as
	// error.type; the body's error code refines it. Any other value the sender
	// chose is kept.
	if !l.has(attrErrorType) || (v.errorType == status && status != "") {
		l.noteText(errType)
		l.attrs.PutStr(attrErrorType, errType)
	}
	if span.Status().Code() != ptrace.StatusCodeError {
		span.Status().SetCode(ptrace.StatusCodeError)
	}
}
