package freshdesk

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
	"github.com/plaudit/plaudit/connectors/internal/note"
)

// HeaderSecret is the header the admin adds to the "Trigger webhook"
// action, with the connector's webhook_secret as its value.
const HeaderSecret = "X-Plaudit-Secret"

// DedupWindow is how long a second delivery for the same ticket and the
// same outcome counts as a redelivery. Freshdesk sends no delivery id and
// retries a failed webhook 5, 35 and 95 minutes later, and holds webhooks
// over the account's API rate limit for up to a day.
const DedupWindow = 24 * time.Hour

// Limits on what is kept from a body; they only bound what a broken body
// can put into the store.
const (
	maxText     = 200
	maxEmail    = 320
	maxPhone    = 40
	maxLanguage = 35
	maxBodyTags = 200
)

// Receive authenticates the delivery (the webhook secret, in the header
// or as the basic-auth password) and parses the recommended body.
func (c *Client) Receive(_ context.Context, d plaudit.Delivery) ([]plaudit.Event, error) {
	if err := Verify(d.Header, c.webhookSecrets...); err != nil {
		return nil, err
	}
	return Parse(d.Body, inbound.ReceivedAt(d))
}

// Verify checks that a delivery carries one of the webhook secrets: as
// the X-Plaudit-Secret header, or in basic auth. The action's
// "Requires authentication" offers a user name and password (the secret
// is the password; any user name will do) or an API key (which Freshdesk
// sends as the user name, with "X" as the password). The comparison
// takes constant time.
func Verify(h http.Header, secrets ...string) error {
	if got := strings.TrimSpace(h.Get(HeaderSecret)); got != "" {
		return matches(secrets, got)
	}
	user, password, ok := (&http.Request{Header: h}).BasicAuth()
	if !ok || (user == "" && password == "") {
		return plaudit.Errorf(plaudit.EUnauthorized, "webhook secret is missing")
	}
	if password == "X" {
		return matches(secrets, user)
	}
	return matches(secrets, password)
}

func matches(secrets []string, got string) error {
	if !inbound.SecretMatches(got, secrets...) {
		return plaudit.Errorf(plaudit.EUnauthorized, "webhook secret does not match")
	}
	return nil
}

// body is the recommended body (docs/freshdesk.md) after Freshdesk filled
// its placeholders: every value a display string. requester.language,
// requester.mobile and agent.id are not in the recommended body; an admin
// may add them.
type body struct {
	Ticket *struct {
		ID     inbound.String `json:"id"`
		Status inbound.String `json:"status"`
		Source inbound.String `json:"source"`
		Tags   tagList        `json:"tags"`
	} `json:"ticket"`
	Requester *struct {
		Name     inbound.String `json:"name"`
		Email    inbound.String `json:"email"`
		Phone    inbound.String `json:"phone"`
		Mobile   inbound.String `json:"mobile"`
		Language inbound.String `json:"language"`
	} `json:"requester"`
	Agent *struct {
		ID    inbound.String `json:"id"`
		Name  inbound.String `json:"name"`
		Email inbound.String `json:"email"`
	} `json:"agent"`
}

// tagList is {{ticket.tags}}: one comma-separated string, or an array
// when a body is built differently.
type tagList []string

func (t *tagList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var parts []inbound.String
	if len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
	} else {
		var s inbound.String
		if err := s.UnmarshalJSON(b); err != nil {
			return err
		}
		parts = []inbound.String{s}
	}
	var out []string
	for _, p := range parts {
		for _, tag := range strings.Split(string(p), ",") {
			if tag = strings.TrimSpace(tag); tag != "" && len(tag) <= maxTagLen*4 && len(out) < maxBodyTags {
				out = append(out, tag)
			}
		}
	}
	*t = out
	return nil
}

// Parse parses an authenticated body. A ticket that was resolved or
// closed is a solve, one set back to open or pending is a reopen; other
// statuses give no event. The dedup key is the ticket, the outcome and
// the DedupWindow that now falls in.
func Parse(raw []byte, now time.Time) ([]plaudit.Event, error) {
	var b body
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, inbound.JSONError(err)
	}
	if b.Ticket == nil || b.Ticket.ID.Trim() == "" {
		return nil, plaudit.Errorf(plaudit.EInvalid, "ticket.id is required")
	}
	id := b.Ticket.ID.Trim()
	if !inbound.Digits(id) {
		return nil, plaudit.Errorf(plaudit.EInvalid, "ticket.id must be a number")
	}
	event := StatusEvent(b.Ticket.Status.Trim())
	if event == plaudit.EventOther {
		return nil, nil
	}
	in := plaudit.Interaction{
		Source:     Name,
		ExternalID: id,
		Event:      event,
		Channel:    SourceChannel(b.Ticket.Source.Trim()),
		Tags:       b.Ticket.Tags,
	}
	if r := b.Requester; r != nil {
		in.Customer = plaudit.Customer{
			Name:     text(r.Name, maxText),
			Email:    text(r.Email, maxEmail),
			Phone:    text(r.Mobile, maxPhone),
			Language: text(r.Language, maxLanguage),
		}
		if in.Customer.Phone == "" {
			in.Customer.Phone = text(r.Phone, maxPhone)
		}
	}
	if a := b.Agent; a != nil {
		in.Agent = plaudit.AgentRef{Email: text(a.Email, maxEmail), Name: text(a.Name, maxText)}
		if aid := a.ID.Trim(); inbound.Digits(aid) {
			in.Agent.ExternalID = aid
		}
	}
	// The body has no language, and nothing in it is current once the
	// worker decides: the worker reads the ticket and its requester first.
	in.NeedsEnrich = event == plaudit.EventSolved
	in.DedupKey = id + ":" + event + ":" + now.UTC().Truncate(DedupWindow).Format("2006-01-02")
	return []plaudit.Event{{DedupKey: in.DedupKey, Interaction: in}}, nil
}

func text(s inbound.String, n int) string { return note.CutUTF8(s.Trim(), n) }

// solved and open are Freshdesk's built-in statuses as {{ticket.status}}
// fills them (their names, in the languages of the agent interface) and
// as the API numbers them (2 open, 3 pending, 4 resolved, 5 closed).
// Custom statuses are not known here and give no event.
var (
	solved = map[string]bool{
		"4": true, "5": true, "resolved": true, "closed": true,
		"gelöst": true, "geschlossen": true, "résolu": true, "fermé": true, "resuelto": true, "cerrado": true,
		"risolto": true, "chiuso": true, "opgelost": true, "gesloten": true, "resolvido": true, "fechado": true,
	}
	open = map[string]bool{
		"2": true, "3": true, "open": true, "pending": true,
		"offen": true, "wartend": true, "ouvert": true, "en attente": true, "abierto": true, "pendiente": true,
		"aperto": true, "in attesa": true, "in afwachting": true, "aberto": true, "pendente": true,
	}
)

// StatusEvent maps a Freshdesk status (name or number) to an interaction
// event: resolved or closed is a solve; open or pending means the ticket
// is being worked on again, which cancels a request not yet sent.
func StatusEvent(status string) string { return inbound.Outcome(status, solved, open) }

// sources maps Freshdesk's ticket sources, by name as {{ticket.source}}
// fills them and by the API's number, to rules channels where the shared
// names (inbound.Channel) do not already.
var sources = map[string]string{
	"1": "email", "2": "email", "3": "phone", "7": "chat", "9": "email", "10": "email",
	"portal": "email", "feedback widget": "email", "outbound email": "email", "mobihelp": "mobile",
}

// SourceChannel maps a Freshdesk ticket source to a rules channel.
func SourceChannel(source string) string {
	if ch, ok := sources[strings.ToLower(strings.TrimSpace(source))]; ok {
		return ch
	}
	if inbound.Digits(source) {
		return "" // a source number not listed: nothing a rule can use
	}
	return inbound.Channel(note.CutUTF8(source, maxText))
}
