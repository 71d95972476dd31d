package hubspot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// Webhook signature headers (v3).
const (
	HeaderSignature = "X-HubSpot-Signature-v3"
	HeaderTimestamp = "X-HubSpot-Request-Timestamp"
)

// Tolerance is how far a signature timestamp may be from the receiving
// clock before the delivery is refused as a possible replay.
const Tolerance = 5 * time.Minute

// maxEvents bounds the events of one delivery. HubSpot sends at most 100;
// the bound only keeps a broken or hostile body from flooding the store.
const maxEvents = 1000

// The event this connector acts on: a ticket's pipeline stage changed.
const (
	subscriptionTicket = "ticket.propertyChange"
	// subscriptionObject is the generic event of HubSpot's newer
	// developer platform; objectTypeId 0-5 is the ticket object.
	subscriptionObject = "object.propertyChange"
	ticketObjectType   = "0-5"
	stageProperty      = "hs_pipeline_stage"
)

// Receive verifies the v3 signature over the method, the URL HubSpot
// posted to, the raw body and the timestamp, then parses the events.
func (c *Client) Receive(_ context.Context, d plaudit.Delivery) ([]plaudit.Event, error) {
	now := inbound.ReceivedAt(d)
	// Deliveries are POSTs: Receive sees no other method.
	if err := Verify(c.appSecret, http.MethodPost, d.URL, d.Body, d.Header.Get(HeaderSignature), d.Header.Get(HeaderTimestamp), now); err != nil {
		return nil, err
	}
	return Parse(d.Body, c.closed)
}

// Verify checks a HubSpot v3 signature: base64(HMAC-SHA256(app secret,
// method + URI + body + timestamp)), the timestamp in milliseconds since
// the epoch and no further than Tolerance from now.
func Verify(secret []byte, method, uri string, body []byte, signature, timestamp string, now time.Time) error {
	signature, timestamp = strings.TrimSpace(signature), strings.TrimSpace(timestamp)
	if signature == "" || timestamp == "" {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature headers are missing")
	}
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || !hmac.Equal(got, mac(secret, method, uri, body, timestamp)) {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature does not match")
	}
	ms, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || ms <= 0 {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature timestamp is not valid")
	}
	return inbound.Fresh(time.UnixMilli(ms), now, Tolerance)
}

// Sign computes the signature HubSpot sends. It exists for tests and
// tools that simulate HubSpot.
func Sign(secret []byte, method, uri string, body []byte, timestamp string) string {
	return base64.StdEncoding.EncodeToString(mac(secret, method, uri, body, timestamp))
}

func mac(secret []byte, method, uri string, body []byte, timestamp string) []byte {
	return inbound.HMAC(sha256.New, secret, []byte(method), []byte(signedURI(uri)), body, []byte(timestamp))
}

// uriDecoder undoes the percent-encodings that HubSpot's documentation
// says to decode in the URI before hashing; others stay as they are.
var uriDecoder = strings.NewReplacer(
	"%3A", ":", "%2F", "/", "%3F", "?", "%40", "@", "%21", "!", "%24", "$",
	"%27", "'", "%28", "(", "%29", ")", "%2A", "*", "%2C", ",", "%3B", ";",
)

func signedURI(uri string) string { return uriDecoder.Replace(uri) }

// hookEvent is one element of a HubSpot webhook batch.
type hookEvent struct {
	EventID          inbound.String `json:"eventId"`
	SubscriptionType inbound.String `json:"subscriptionType"`
	ObjectTypeID     inbound.String `json:"objectTypeId"`
	ObjectID         inbound.String `json:"objectId"`
	PropertyName     inbound.String `json:"propertyName"`
	PropertyValue    inbound.String `json:"propertyValue"`
}

// Parse parses a verified webhook body, a JSON array of events. A change
// of a ticket's pipeline stage into one of closed is a solve; into any
// other stage, a reopening (which cancels a request not yet sent). Events
// about anything else give no events.
func Parse(body []byte, closed map[string]bool) ([]plaudit.Event, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		if json.Valid(body) {
			return nil, plaudit.Errorf(plaudit.EInvalid, "body must be a JSON array of events")
		}
		return nil, plaudit.Errorf(plaudit.EInvalid, "body is not valid JSON")
	}
	if len(raw) > maxEvents {
		return nil, plaudit.Errorf(plaudit.EInvalid, "body: at most %d events are allowed", maxEvents)
	}
	var events []plaudit.Event
	for i, r := range raw {
		ev, ok, err := parseEvent(r, closed, fmt.Sprintf("body[%d]", i))
		if err != nil {
			return nil, err
		}
		if ok {
			events = append(events, ev)
		}
	}
	return events, nil
}

// parseEvent reads one event; ok is false for events about something else.
func parseEvent(raw json.RawMessage, closed map[string]bool, at string) (ev plaudit.Event, ok bool, err error) {
	var he hookEvent
	if err := json.Unmarshal(raw, &he); err != nil {
		return ev, false, plaudit.JSONError(err, at, at+".")
	}
	id := he.EventID.Trim()
	switch {
	case id == "":
		return ev, false, plaudit.Errorf(plaudit.EInvalid, "%s.eventId is required", at)
	case len(id) > 100:
		return ev, false, plaudit.Errorf(plaudit.EInvalid, "%s.eventId is too long", at)
	}
	typ := he.SubscriptionType.Trim()
	ticket := typ == subscriptionTicket || (typ == subscriptionObject && he.ObjectTypeID.Trim() == ticketObjectType)
	stage := he.PropertyValue.Trim()
	if !ticket || he.PropertyName.Trim() != stageProperty || stage == "" {
		return ev, false, nil
	}
	ticketID := he.ObjectID.Trim()
	if !inbound.Digits(ticketID) {
		return ev, false, plaudit.Errorf(plaudit.EInvalid, "%s.objectId must be a ticket id", at)
	}
	in := plaudit.Interaction{
		Source:     Name,
		ExternalID: ticketID,
		Event:      stageEvent(stage, closed),
		DedupKey:   id,
	}
	// The event names the ticket only: the worker reads the contact and
	// the owner through the API (Enrich) before deciding.
	in.NeedsEnrich = in.Event == plaudit.EventSolved
	return plaudit.Event{DedupKey: id, Interaction: in}, true, nil
}

// stageEvent maps a pipeline stage to an interaction event: a closed stage
// is a solve, any other stage means the ticket is being worked on.
func stageEvent(stage string, closed map[string]bool) string {
	if closed[stage] {
		return plaudit.EventSolved
	}
	return plaudit.EventReopened
}
