package fakeappinsights

import "fmt"

// Outage is how the endpoint fails while it is down.
type Outage int

const (
	// Unavailable answers 503 Service Unavailable without Retry-After: the
	// ingestion service up but unable to store telemetry.
	Unavailable Outage = iota + 1
	// UnavailableRetryAfter answers 503 with a Retry-After HTTP date at the
	// end of the outage: a service that says when to come back.
	UnavailableRetryAfter
	// BadGateway answers 502 Bad Gateway: the front end up, the ingestion
	// service behind it not answering.
	BadGateway
	// Refused closes the listener: connections are refused, as when the
	// endpoint's address does not answer at all.
	Refused
)

func (o Outage) String() string {
	switch o {
	case Unavailable:
		return "503"
	case UnavailableRetryAfter:
		return "503+Retry-After"
	case BadGateway:
		return "502"
	case Refused:
		return "refused"
	}
	return fmt.Sprintf("Outage(%d)", int(o))
}
