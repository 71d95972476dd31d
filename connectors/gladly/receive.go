package gladly

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
	"github.com/plaudit/plaudit/connectors/internal/note"
)

// Gladly's event types that Plaudit acts on, and its handshake.
const (
	TypeClosed   = "CONVERSATION/CLOSED"
	TypeReopened = "CONVERSATION/REOPENED"
	TypePing     = "PING"
)

// maxID bounds the ids kept from an event; Gladly's are 22 characters.
const maxID = 64

// idRE is the shape of a Gladly id (URL-safe base64, "aGaHXjD4li-moMR8LbULZb"):
// ids go into API paths, so nothing else is let through.
var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Receive checks the webhook's basic-auth credentials and parses the
// event. Gladly's events carry no time that could tell a replay: it
// retries a failed delivery for an hour with the same body, and the event
// id dedups it.
func (c *Client) Receive(_ context.Context, d plaudit.Delivery) ([]plaudit.Event, error) {
	if err := c.Verify(d.Header); err != nil {
		return nil, err
	}
	return Parse(d.Body)
}

// Verify checks the basic-auth credentials of a delivery against the
// webhook's user name and password (or, during a rotation, the previous
// password), in constant time.
func (c *Client) Verify(h http.Header) error {
	user, password, ok := (&http.Request{Header: h}).BasicAuth()
	if !ok {
		return plaudit.Errorf(plaudit.EUnauthorized, "webhook credentials are missing")
	}
	// Both are compared, whatever the first gives, so that the time taken
	// does not tell a right user name from a wrong one.
	userOK := inbound.SecretMatches(user, c.cfg.WebhookUsername)
	passwordOK := inbound.SecretMatches(password, c.passwords...)
	if !userOK || !passwordOK {
		return plaudit.Errorf(plaudit.EUnauthorized, "webhook credentials do not match")
	}
	return nil
}

// Handshake answers Gladly's PING, which it sends when a webhook is
// enabled or its URL changes and which must get a 200 for the change to
// succeed. The PING carries the webhook's credentials like any event; a
// PING without them is refused.
func (c *Client) Handshake(_ context.Context, method string, d plaudit.Delivery) (plaudit.HookAnswer, bool, error) {
	var probe struct {
		Type inbound.String `json:"type"`
	}
	if method != http.MethodPost || json.Unmarshal(d.Body, &probe) != nil || probe.Type.Trim() != TypePing {
		return plaudit.HookAnswer{}, false, nil
	}
	if err := c.Verify(d.Header); err != nil {
		return plaudit.HookAnswer{}, true, err
	}
	return plaudit.HookAnswer{Status: http.StatusOK, ContentType: "application/json", Body: []byte(`{"ok":true}`)}, true, nil
}

// event is a Gladly webhook payload: {id, type, timestamp, initiator,
// content}. For conversation events the content names the conversation
// and the customer profile, and its context the assignee just before the
// event.
type event struct {
	ID        inbound.String `json:"id"`
	Type      inbound.String `json:"type"`
	Initiator *struct {
		ID   inbound.String `json:"id"`
		Type inbound.String `json:"type"`
	} `json:"initiator"`
	Content *struct {
		ConversationID inbound.String `json:"conversationId"`
		CustomerID     inbound.String `json:"customerId"`
		Context        *struct {
			Assignee *struct {
				AgentID inbound.String `json:"agentId"`
			} `json:"assignee"`
		} `json:"context"`
	} `json:"content"`
}

// Parse parses an authenticated payload. CONVERSATION/CLOSED is a solve,
// CONVERSATION/REOPENED a reopen; any other event (a PING, the events of
// tasks, contacts, agents) gives no event. The dedup key is the event id.
func Parse(body []byte) ([]plaudit.Event, error) {
	var e event
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, inbound.JSONError(err)
	}
	var kind string
	switch e.Type.Trim() {
	case TypeClosed:
		kind = plaudit.EventSolved
	case TypeReopened:
		kind = plaudit.EventReopened
	case "":
		return nil, plaudit.Errorf(plaudit.EInvalid, "type is required")
	default:
		return nil, nil
	}
	id := e.ID.Trim()
	if id == "" {
		return nil, plaudit.Errorf(plaudit.EInvalid, "id is required")
	}
	if e.Content == nil || e.Content.ConversationID.Trim() == "" {
		return nil, plaudit.Errorf(plaudit.EInvalid, "content.conversationId is required")
	}
	conversation := e.Content.ConversationID.Trim()
	if !idRE.MatchString(conversation) {
		return nil, plaudit.Errorf(plaudit.EInvalid, "content.conversationId must be a Gladly id")
	}
	in := plaudit.Interaction{
		Source:     Name,
		ExternalID: conversation,
		Event:      kind,
		Agent:      plaudit.AgentRef{ExternalID: agentID(&e)},
		// The event names the customer by id only: the worker reads the
		// profile, the agent and the items (the channel) before deciding.
		NeedsEnrich: kind == plaudit.EventSolved,
		DedupKey:    note.CutUTF8(id, 200),
	}
	return []plaudit.Event{{DedupKey: in.DedupKey, Interaction: in}}, nil
}

// agentID is the agent the conversation was assigned to when it closed,
// or else the agent who closed it.
func agentID(e *event) string {
	if c := e.Content.Context; c != nil && c.Assignee != nil {
		if id := c.Assignee.AgentID.Trim(); idRE.MatchString(id) {
			return id
		}
	}
	if i := e.Initiator; i != nil && i.Type.Trim() == "AGENT" {
		if id := i.ID.Trim(); idRE.MatchString(id) {
			return id
		}
	}
	return ""
}
