package fakeloganalytics // import "github.com/otelcol-aoai/otelcol-aoai/testbed/fakeloganalytics"

import "time"

// The builders below are the one place tests get Azure OpenAI diagnostic rows
// from: a chat call's rows as Azure writes them, with the values the tests of
// the diagnostics join assert.

// RequestResponseRow is the populated RequestResponse row of a chat
// completion (gpt-4o 2024-08-06, not streamed, 1021 ms), visible from
// available on (zero: at once).
func RequestResponseRow(requestID string, at, available time.Time) Row {
	return Row{
		TimeGenerated: at, Category: "RequestResponse", CorrelationID: requestID,
		OperationName: "ChatCompletions_Create", DurationMs: 1021, ResultSignature: "200",
		CallerIPAddress: "81.2.69.***", Resource: "CONTOSO-EASTUS2", Event: "ShoeboxCallResult",
		Properties:  `{"apiName":"Azure OpenAI API version 2024-10-21","requestTime":638515262815394150,"requestLength":128,"responseTime":638515262825606520,"responseLength":1411,"objectId":"","callerObjectId":"0c3f9a1e-7a44-4b51-a1a0-5c2b1f0e9d88","streamType":"Non-Streaming","modelDeploymentName":"gpt-4o","modelName":"gpt-4o","modelVersion":"2024-08-06"}`,
		AvailableAt: available,
	}
}

// CallRows are the diagnostic rows of one chat call as Azure writes them,
// all visible from available on: the populated RequestResponse row, its
// near-empty twin, and the AzureOpenAIRequestUsage row (see UsageRow).
func CallRows(requestID string, at, available time.Time) []Row {
	return CallRowsArriving(requestID, at, available, available)
}

// CallRowsArriving are CallRows, each visible from its own time on: Log
// Analytics ingests the categories independently, so the usage row may come a
// poll before or after the RequestResponse rows (or never: see
// RequestResponseRows). Zero means at once.
func CallRowsArriving(requestID string, at, requestResponseAvailable, usageAvailable time.Time) []Row {
	return append(RequestResponseRows(requestID, at, requestResponseAvailable), UsageRow(requestID, at, usageAvailable))
}

// RequestResponseRows are the RequestResponse rows of a chat call: the
// populated one and its near-empty twin, visible from available on.
func RequestResponseRows(requestID string, at, available time.Time) []Row {
	return []Row{
		RequestResponseRow(requestID, at, available),
		{
			TimeGenerated: at, Category: "RequestResponse", CorrelationID: requestID,
			Event: "ShoeboxCallResult", Properties: `{"objectId":""}`, AvailableAt: available,
		},
	}
}

// UsageRow is the AzureOpenAIRequestUsage row of a chat call (1200 prompt
// tokens, 1024 of them cached, 87 generated; properties_s a JSON string that
// holds the object), visible from available on.
func UsageRow(requestID string, at, available time.Time) Row {
	return Row{
		TimeGenerated: at, Category: "AzureOpenAIRequestUsage", CorrelationID: requestID,
		OperationName: "AzureOpenAIRequestUsage", Event: "ShoeboxAzureOpenAIRequestUsage",
		Properties:  `"{\"promptTokens\":[1200],\"cachedTokens\":[1024],\"generatedTokens\":[87]}"`,
		AvailableAt: available,
	}
}
