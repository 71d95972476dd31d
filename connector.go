package plaudit

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Connector is a tenant's link to one helpdesk account. Config holds the
// kind's public settings; Secrets holds its credentials (encrypted at rest,
// never shown by the API).
type Connector struct {
	ID        string            `json:"id"`
	TenantID  string            `json:"-"`
	Kind      string            `json:"kind"`
	Name      string            `json:"name"`
	Config    json.RawMessage   `json:"config"`
	Secrets   map[string]string `json:"-"`
	Disabled  bool              `json:"disabled"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Delivery is one inbound webhook request as a connector sees it: the raw
// bytes, before any parsing, so that signatures are checked over exactly
// what the helpdesk signed.
type Delivery struct {
	Header http.Header
	Body   []byte
	// URL is the public URL the request was sent to (PLAUDIT_PUBLIC_URL +
	// path), for schemes that sign it.
	URL string
	Now time.Time
}

// Event is one thing a helpdesk told us, parsed from a delivery. A delivery
// carries one event, or several (a Salesforce message carries up to 100).
type Event struct {
	// DedupKey identifies the event across redeliveries (an event id, a
	// Notification Id, a webhook-id, or a hash of the body).
	DedupKey    string
	Interaction Interaction
}

// Driver is what a connector kind does: verify and parse inbound webhooks,
// and write responses back to the helpdesk.
type Driver interface {
	// Receive checks the delivery's authenticity over its raw bytes and
	// parses it. It returns an *Error: EUnauthorized for a bad or stale
	// signature, EInvalid naming the field for a malformed payload.
	Receive(ctx context.Context, d Delivery) ([]Event, error)
	// Writeback sends a response to the helpdesk. Errors that retrying
	// cannot fix are PermanentError; a provider's Retry-After is a
	// RetryAfterError.
	Writeback(ctx context.Context, w Writeback) error
}

// Enricher is implemented by drivers whose events may arrive without the
// customer's or agent's details (Zendesk event subscriptions): the worker
// reads them from the helpdesk's API before deciding.
type Enricher interface {
	Enrich(ctx context.Context, in *Interaction) error
}

// Answerer is implemented by drivers whose helpdesk expects a particular
// body in the answer (Salesforce's SOAP Ack and SOAP faults). Others get
// JSON.
type Answerer interface {
	// Ack is the body of the 2xx answer once every event is enqueued.
	Ack() (contentType string, body []byte)
	// Fault is the body of an error answer; err is an *Error or internal.
	Fault(err error) (contentType string, body []byte)
}

// Tester is implemented by drivers that can check their stored
// credentials against the helpdesk's API (POST
// /api/v1/connectors/{id}/test). Test returns nil when the helpdesk
// accepts them, else an *Error whose message says in plain words what is
// wrong (a bad token, a missing scope, an unknown account or domain, the
// helpdesk not answering), never a credential.
type Tester interface {
	Test(ctx context.Context) error
}

// NothingToTest is what Test returns for a connector that has nothing to
// call with its stored credentials (a standard connector without a
// callback_url). The test passes; Reason says in plain words why nothing
// was called.
type NothingToTest struct{ Reason string }

func (e *NothingToTest) Error() string { return "nothing to test: " + e.Reason }

// Handshaker is implemented by drivers whose helpdesk checks the endpoint
// with requests that are no deliveries (Intercom's HEAD, Front's sync
// challenge, Gladly's PING). Handshake sees each request to the
// connector's webhook first, with its HTTP method; when it reports
// handled, its answer goes back as it is and nothing is received. A
// handshake that fails verification returns an *Error (EUnauthorized).
type Handshaker interface {
	Handshake(ctx context.Context, method string, d Delivery) (a HookAnswer, handled bool, err error)
}

// HookAnswer is an answer a driver gives its helpdesk as it is.
type HookAnswer struct {
	Status      int
	ContentType string
	Body        []byte
}

// Writeback is what a driver needs to write one response back.
type Writeback struct {
	Interaction Interaction
	Request     FeedbackRequest
	Response    Response
	Agent       Agent
	// Update is true when this is a later addition (a comment after an SMS
	// score, areas, a reward) to a response already written back.
	Update bool
	// ResponseURL is the response's page in the console, for the note's
	// link; "" when no public URL is configured.
	ResponseURL string
}

// DriverDeps are the shared things a driver may use.
type DriverDeps struct {
	HTTP *http.Client
}

// DriverFactory builds a driver for one configured connector.
type DriverFactory func(c Connector, deps DriverDeps) (Driver, error)

// WebhookURLSecret is the Secrets entry of a connector whose kind has no
// signature of its own (Kind.URLSecret): the secret in its webhook URL's
// path, generated by Plaudit, sealed like the other secrets.
const WebhookURLSecret = "webhook_url_secret"

// Kind describes one connector kind for the registry.
type Kind struct {
	Name string
	// SecretFields are the config keys that are secrets: write-only through
	// the API, encrypted at rest.
	SecretFields []string
	// URLSecret marks a kind whose deliveries carry no signature of their
	// own (Salesforce's Outbound Messages): its webhook URL carries a
	// secret in the path (/hooks/{id}/{secret}), and deliveries without it
	// are refused before they are read.
	URLSecret bool
	// Validate checks a connector's config and secrets and names the first
	// field that is wrong.
	Validate func(config json.RawMessage, secrets map[string]string) error
	New      DriverFactory
}

// A connector's rate_limit_per_second (every kind takes it): verified
// deliveries accepted per second before 429, a token bucket that holds
// one second's worth.
const (
	DefaultRateLimitPerSecond = 1000
	MaxRateLimitPerSecond     = 100000
)

// RateLimitPerSecond reads rate_limit_per_second from a connector's public
// config, DefaultRateLimitPerSecond when it is not set. The error names
// the field; the default comes with it.
func RateLimitPerSecond(config json.RawMessage) (int, error) {
	var v struct {
		Rate *int64 `json:"rate_limit_per_second"`
	}
	if err := json.Unmarshal(config, &v); err != nil && len(config) > 0 {
		return DefaultRateLimitPerSecond, JSONError(err, "config", "config.")
	}
	switch {
	case v.Rate == nil:
		return DefaultRateLimitPerSecond, nil
	case *v.Rate < 1 || *v.Rate > MaxRateLimitPerSecond:
		return DefaultRateLimitPerSecond, Errorf(EInvalid, "config.rate_limit_per_second must be between 1 and %d", MaxRateLimitPerSecond)
	}
	return int(*v.Rate), nil
}
