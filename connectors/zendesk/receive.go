package zendesk

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// Webhook signature headers.
const (
	HeaderSignature          = "X-Zendesk-Webhook-Signature"
	HeaderSignatureTimestamp = "X-Zendesk-Webhook-Signature-Timestamp"
)

// Limits on what is kept from a webhook body. Zendesk's own limits are
// far below them; they only bound what a forged-but-signed or broken body
// can put into the store.
const maxText = 200

// Receive verifies the Zendesk signature over the raw body and parses a
// trigger body or an event-subscription body.
func (c *Client) Receive(_ context.Context, d plaudit.Delivery) ([]plaudit.Event, error) {
	now := inbound.ReceivedAt(d)
	if err := Verify(c.signingSecret, d.Header.Get(HeaderSignature), d.Header.Get(HeaderSignatureTimestamp), d.Body, now); err != nil {
		return nil, err
	}
	return Parse(d.Body)
}

// Verify checks a Zendesk webhook signature:
// base64(HMAC-SHA256(secret, timestamp + body)), with the timestamp
// (RFC 3339, as Zendesk sends it) no further than Tolerance from now.
func Verify(secret []byte, signature, timestamp string, body []byte, now time.Time) error {
	signature, timestamp = strings.TrimSpace(signature), strings.TrimSpace(timestamp)
	if signature == "" || timestamp == "" {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature headers are missing")
	}
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature does not match")
	}
	if !hmac.Equal(got, inbound.HMAC(sha256.New, secret, []byte(timestamp), body)) {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature does not match")
	}
	ts, err := time.Parse(time.RFC3339, timestamp)
	if err != nil {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature timestamp is not valid")
	}
	return inbound.Fresh(ts, now, Tolerance)
}

// Sign computes the signature Zendesk sends for body at timestamp. It
// exists for tests and tools that simulate Zendesk.
func Sign(secret []byte, timestamp string, body []byte) string {
	return base64.StdEncoding.EncodeToString(inbound.HMAC(sha256.New, secret, []byte(timestamp), body))
}

// eventTypePrefix starts the type of every event-subscription body.
const eventTypePrefix = "zen:event-type:"

// Parse parses a verified webhook body: the recommended trigger body
// (README, "Setting up Zendesk") or an event-subscription body. Event bodies about something
// other than tickets give no events.
func Parse(body []byte) ([]plaudit.Event, error) {
	// One pass for what nearly every delivery is: a body that decodes,
	// with the "type" member that tells event bodies apart, into one
	// struct. A body that does not decode so (or "null") takes parseSlow,
	// which tells what is wrong with it; one that decodes gives the same
	// result both ways.
	if !bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		var b struct {
			Type text `json:"type"`
			triggerBody
		}
		if json.Unmarshal(body, &b) == nil {
			if t := b.Type.Trim(); strings.HasPrefix(t, eventTypePrefix) {
				return parseEvent(body, strings.TrimPrefix(t, eventTypePrefix))
			}
			return triggerEvents(body, &b.triggerBody)
		}
	}
	return parseSlow(body)
}

// parseSlow is Parse in separate passes: first the type, then the body as
// that type says, so that each error names what is wrong.
func parseSlow(body []byte) ([]plaudit.Event, error) {
	var probe struct {
		Type inbound.String `json:"type"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) != nil {
			if json.Valid(body) {
				return nil, plaudit.Errorf(plaudit.EInvalid, "body must be a JSON object")
			}
			return nil, plaudit.Errorf(plaudit.EInvalid, "body is not valid JSON")
		}
		// The object is fine; its "type" is not a scalar, so this is no
		// event body.
		probe.Type = ""
	}
	if bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		return nil, plaudit.Errorf(plaudit.EInvalid, "body must be a JSON object")
	}
	if t := probe.Type.Trim(); strings.HasPrefix(t, eventTypePrefix) {
		return parseEvent(body, strings.TrimPrefix(t, eventTypePrefix))
	}
	return parseTrigger(body)
}

// triggerBody is the recommended trigger body after Zendesk filled its
// placeholders: every value a display string.
type triggerBody struct {
	Ticket *struct {
		ID     text    `json:"id"`
		Status text    `json:"status"`
		Via    text    `json:"via"`
		Tags   tagList `json:"tags"`
		Brand  text    `json:"brand"`
	} `json:"ticket"`
	Requester *struct {
		ID       text `json:"id"`
		Name     text `json:"name"`
		Email    text `json:"email"`
		Phone    text `json:"phone"`
		Language text `json:"language"`
	} `json:"requester"`
	Assignee *struct {
		ID    text `json:"id"`
		Name  text `json:"name"`
		Email text `json:"email"`
	} `json:"assignee"`
}

// text is inbound.String (a JSON scalar as a string) with a short way for
// the common value, a string without escapes: the decoder has already
// checked the literal, so its bytes between the quotes are the value. The
// rest (escapes, invalid UTF-8, which decoding replaces, numbers, null)
// goes through inbound.String, so that both give the same result.
type text string

func (s *text) UnmarshalJSON(b []byte) error {
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
		*s = text(b[1 : n-1])
		return nil
	}
	var v inbound.String
	if err := v.UnmarshalJSON(b); err != nil {
		return err
	}
	*s = text(v)
	return nil
}

// Trim returns s without surrounding white space.
func (s text) Trim() string { return strings.TrimSpace(string(s)) }

// tagList is Zendesk's {{ticket.tags}}: one space-separated string, or an
// array when an admin builds the body differently.
type tagList []string

func (t *tagList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var list []inbound.String
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		out := make([]string, 0, len(list))
		for _, s := range list {
			out = append(out, strings.Fields(string(s))...)
		}
		*t = out
		return nil
	}
	var s text
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*t = strings.Fields(string(s))
	return nil
}

func parseTrigger(body []byte) ([]plaudit.Event, error) {
	var tb triggerBody
	if err := json.Unmarshal(body, &tb); err != nil {
		return nil, inbound.JSONError(err)
	}
	return triggerEvents(body, &tb)
}

// triggerEvents checks a decoded trigger body and makes its event.
func triggerEvents(body []byte, tb *triggerBody) ([]plaudit.Event, error) {
	if tb.Ticket == nil {
		return nil, plaudit.Errorf(plaudit.EInvalid, "ticket.id is required")
	}
	id := tb.Ticket.ID.Trim()
	if id == "" {
		return nil, plaudit.Errorf(plaudit.EInvalid, "ticket.id is required")
	}
	if !inbound.Digits(id) {
		return nil, plaudit.Errorf(plaudit.EInvalid, "ticket.id must be a number")
	}
	in := plaudit.Interaction{
		Source:     Name,
		ExternalID: id,
		Event:      StatusEvent(tb.Ticket.Status.Trim()),
		Channel:    inbound.Channel(inbound.Cut(tb.Ticket.Via.Trim(), maxText)),
		Tags:       tags(tb.Ticket.Tags),
		Brand:      inbound.Cut(tb.Ticket.Brand.Trim(), maxText),
	}
	if r := tb.Requester; r != nil {
		in.Customer = plaudit.Customer{
			Name:     inbound.Cut(r.Name.Trim(), maxText),
			Email:    inbound.Cut(r.Email.Trim(), 320),
			Phone:    inbound.Cut(r.Phone.Trim(), 40),
			Language: inbound.Cut(r.Language.Trim(), 35),
		}
	}
	if a := tb.Assignee; a != nil {
		aid := a.ID.Trim()
		if aid != "" && !inbound.Digits(aid) {
			return nil, plaudit.Errorf(plaudit.EInvalid, "assignee.id must be a number")
		}
		in.Agent = plaudit.AgentRef{ExternalID: aid, Email: inbound.Cut(a.Email.Trim(), 320), Name: inbound.Cut(a.Name.Trim(), maxText)}
	}
	// A redelivery repeats the same body, byte for byte; a later trigger
	// run for the same ticket differs at least in updated_at.
	sum := sha256.Sum256(body)
	in.DedupKey = hex.EncodeToString(sum[:])
	return []plaudit.Event{{DedupKey: in.DedupKey, Interaction: in}}, nil
}

// eventBody is an event-subscription body ("zen:event-type:ticket.…").
type eventBody struct {
	ID      inbound.String `json:"id"`
	Subject inbound.String `json:"subject"`
	Detail  struct {
		ID          inbound.String  `json:"id"`
		Status      inbound.String  `json:"status"`
		AssigneeID  inbound.String  `json:"assignee_id"`
		RequesterID inbound.String  `json:"requester_id"`
		Tags        tagList         `json:"tags"`
		Via         json.RawMessage `json:"via"`
	} `json:"detail"`
	Event json.RawMessage `json:"event"`
}

func parseEvent(body []byte, typ string) ([]plaudit.Event, error) {
	if !strings.HasPrefix(typ, "ticket.") {
		// User, organization, article… events: nothing to ask feedback
		// about. Accept them so that Zendesk does not retry.
		return nil, nil
	}
	var eb eventBody
	if err := json.Unmarshal(body, &eb); err != nil {
		return nil, inbound.JSONError(err)
	}
	id := eb.Detail.ID.Trim()
	if id == "" {
		id = strings.TrimPrefix(eb.Subject.Trim(), "zen:ticket:")
	}
	if id == "" {
		return nil, plaudit.Errorf(plaudit.EInvalid, "ticket.id is required")
	}
	if !inbound.Digits(id) {
		return nil, plaudit.Errorf(plaudit.EInvalid, "ticket.id must be a number")
	}

	event := plaudit.EventOther
	switch typ {
	case "ticket.status_changed", "ticket.created":
		status := currentStatus(eb.Event)
		if status == "" {
			status = eb.Detail.Status.Trim()
		}
		event = StatusEvent(status)
	}
	in := plaudit.Interaction{
		Source:     Name,
		ExternalID: id,
		Event:      event,
		Channel:    inbound.Channel(inbound.Cut(viaChannel(eb.Detail.Via), maxText)),
		Tags:       tags(eb.Detail.Tags),
		// The body names the requester and assignee by id only: the
		// worker reads them through the API (Enrich) before deciding.
		NeedsEnrich: event != plaudit.EventOther,
	}
	if aid := eb.Detail.AssigneeID.Trim(); inbound.Digits(aid) {
		in.Agent.ExternalID = aid
	}
	in.DedupKey = inbound.Cut(eb.ID.Trim(), maxText)
	if in.DedupKey == "" {
		sum := sha256.Sum256(body)
		in.DedupKey = hex.EncodeToString(sum[:])
	}
	return []plaudit.Event{{DedupKey: in.DedupKey, Interaction: in}}, nil
}

// currentStatus reads the new status from an event's "event" member, which
// is {"current":"SOLVED","previous":"OPEN"} for status changes and
// {"current":{"status":"Open"}} for ticket creation.
func currentStatus(raw json.RawMessage) string {
	var ev struct {
		Current json.RawMessage `json:"current"`
	}
	if json.Unmarshal(raw, &ev) != nil || len(ev.Current) == 0 {
		return ""
	}
	var s inbound.String
	if json.Unmarshal(ev.Current, &s) == nil {
		return s.Trim()
	}
	var obj struct {
		Status inbound.String `json:"status"`
	}
	if json.Unmarshal(ev.Current, &obj) == nil {
		return obj.Status.Trim()
	}
	return ""
}

// viaChannel reads via as {"channel":"email"} or as a plain string.
func viaChannel(raw json.RawMessage) string {
	var obj struct {
		Channel inbound.String `json:"channel"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.Channel != "" {
		return obj.Channel.Trim()
	}
	var s inbound.String
	if json.Unmarshal(raw, &s) == nil {
		return s.Trim()
	}
	return ""
}

// solved and open list Zendesk's status names as the API, the event
// payloads and localized placeholders spell them (lower case).
var (
	solved = map[string]bool{
		"solved": true, "closed": true,
		"gelöst": true, "geschlossen": true, // de
		"résolu": true, "resolu": true, "clos": true, "fermé": true, // fr
		"resuelto": true, "cerrado": true, // es
		"risolto": true, "chiuso": true, // it
		"opgelost": true, "gesloten": true, // nl
		"resolvido": true, "fechado": true, // pt
	}
	open = map[string]bool{
		"new": true, "open": true, "pending": true, "hold": true, "on-hold": true, "on hold": true, "on_hold": true,
		"neu": true, "offen": true, "wartend": true, "angehalten": true,
		"nouveau": true, "ouvert": true, "en attente": true, "en pause": true,
		"nuevo": true, "abierto": true, "pendiente": true, "en espera": true,
		"nuovo": true, "aperto": true, "in attesa": true, "in sospeso": true,
		"nieuw": true, "in afwachting": true, "in de wacht": true,
		"novo": true, "aberto": true, "pendente": true, "em espera": true,
	}
)

// StatusEvent maps a Zendesk ticket status to an interaction event:
// solved or closed is a solve; new, open, pending and on-hold mean the
// ticket is (again) being worked on, which cancels a request not yet sent.
// Anything else (custom statuses Zendesk cannot categorize for us,
// deleted tickets) is EventOther.
func StatusEvent(status string) string { return inbound.Outcome(status, solved, open) }

// tags keeps the tags a delivery or the API gives, within inbound's
// limits.
func tags(in []string) []string {
	var out []string
	for _, t := range in {
		out = inbound.KeepTag(out, inbound.String(t))
	}
	return out
}
