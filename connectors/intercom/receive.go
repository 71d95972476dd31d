package intercom

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// HeaderSignature carries "sha1=" and the hex HMAC-SHA1 of the body under
// the app's client secret.
const HeaderSignature = "X-Hub-Signature"

// MaxAge bounds how old a notification may be (by its own signed
// created_at). Intercom's scheme has no timestamp of its own; this keeps
// a captured notification from being replayed once its dedup record may
// be gone, while leaving room for Intercom's retries.
const MaxAge = 24 * time.Hour

// Skew is how far in the future a notification's created_at may lie.
const Skew = 5 * time.Minute

// Limits on what is kept from a notification.
const (
	maxText = 200
)

// idRE is the shape of the Intercom ids put into API paths (contacts are
// hex strings, conversations and admins digits).
var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Handshake answers the HEAD request that Intercom sends when a webhook
// URL is saved in the Developer Hub: 200, nothing else. Other requests
// are deliveries.
func (c *Client) Handshake(_ context.Context, method string, _ plaudit.Delivery) (plaudit.HookAnswer, bool, error) {
	if method == http.MethodHead {
		return plaudit.HookAnswer{Status: http.StatusOK}, true, nil
	}
	return plaudit.HookAnswer{}, false, nil
}

// Receive verifies the signature over the raw body and parses the
// notification.
func (c *Client) Receive(_ context.Context, d plaudit.Delivery) ([]plaudit.Event, error) {
	if err := Verify(c.secrets, d.Header.Get(HeaderSignature), d.Body); err != nil {
		return nil, err
	}
	return Parse(d.Body, inbound.ReceivedAt(d))
}

// Verify checks X-Hub-Signature ("sha1=" + hex HMAC-SHA1(secret, body))
// against each secret (the client secret, then a previous one).
func Verify(secrets [][]byte, signature string, body []byte) error {
	signature = strings.TrimSpace(signature)
	if signature == "" {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature header is missing")
	}
	hexSum, ok := strings.CutPrefix(signature, "sha1=")
	got, err := hex.DecodeString(hexSum)
	if !ok || err != nil || !inbound.MatchHMAC(sha1.New, secrets, got, body) {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature does not match")
	}
	return nil
}

// Sign computes the X-Hub-Signature Intercom sends for body. It exists
// for tests and tools that simulate Intercom.
func Sign(secret, body []byte) string {
	return "sha1=" + hex.EncodeToString(inbound.HMAC(sha1.New, secret, body))
}

// notification is Intercom's webhook envelope.
type notification struct {
	ID        inbound.String  `json:"id"`
	Topic     inbound.String  `json:"topic"`
	CreatedAt inbound.String  `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// person is a user, lead, contact or admin as a conversation names them.
type person struct {
	Type  inbound.String `json:"type"`
	ID    inbound.String `json:"id"`
	Name  inbound.String `json:"name"`
	Email inbound.String `json:"email"`
}

// conversation is the notification's item in both of Intercom's shapes:
// API 1.x (user, assignee) and 2.x (source.author, contacts,
// admin_assignee_id). The webhook sends the shape of the app's API
// version.
type conversation struct {
	ID       inbound.String `json:"id"`
	User     *person        `json:"user"`
	Assignee *person        `json:"assignee"`
	Source   *struct {
		Type   inbound.String `json:"type"`
		Author *person        `json:"author"`
	} `json:"source"`
	Contacts *struct {
		Contacts []person `json:"contacts"`
	} `json:"contacts"`
	AdminAssigneeID inbound.String `json:"admin_assignee_id"`
	Tags            *struct {
		Tags []struct {
			Name inbound.String `json:"name"`
		} `json:"tags"`
	} `json:"tags"`
	Parts *struct {
		Parts []struct {
			PartType inbound.String `json:"part_type"`
			Author   *person        `json:"author"`
		} `json:"conversation_parts"`
	} `json:"conversation_parts"`
}

// TopicEvent maps a notification topic to an interaction event: an admin
// closing a conversation is a solve; an admin opening it again, or the
// customer writing in it, reopens it, which cancels a request not yet
// sent. Other topics (and Intercom's "ping") are no interaction.
func TopicEvent(topic string) string {
	switch topic {
	case "conversation.admin.closed":
		return plaudit.EventSolved
	case "conversation.admin.opened", "conversation.user.replied":
		return plaudit.EventReopened
	}
	return ""
}

// Parse parses a verified notification body. now is the receiving clock,
// for MaxAge.
func Parse(body []byte, now time.Time) ([]plaudit.Event, error) {
	var n notification
	if err := inbound.DecodeObject(body, &n); err != nil {
		return nil, err
	}
	if err := checkAge(n.CreatedAt.Trim(), now); err != nil {
		return nil, err
	}
	event := TopicEvent(n.Topic.Trim())
	if event == "" {
		return nil, nil
	}
	id := inbound.Cut(n.ID.Trim(), maxText)
	if id == "" {
		return nil, plaudit.Errorf(plaudit.EInvalid, "id is required")
	}
	var data struct {
		Item *conversation `json:"item"`
	}
	if len(n.Data) > 0 {
		if err := json.Unmarshal(n.Data, &data); err != nil {
			return nil, plaudit.JSONError(err, "body", "data.")
		}
	}
	if data.Item == nil {
		return nil, plaudit.Errorf(plaudit.EInvalid, "data.item is required")
	}
	in, err := interaction(data.Item, event)
	if err != nil {
		return nil, err
	}
	in.DedupKey = id
	return []plaudit.Event{{DedupKey: id, Interaction: in}}, nil
}

// checkAge refuses a notification created more than MaxAge ago or more
// than Skew ahead. A body without created_at is not refused for it:
// Intercom always sends one, so only a signed body can lack it.
func checkAge(createdAt string, now time.Time) error {
	if createdAt == "" || createdAt == "0" {
		return nil
	}
	sec, err := strconv.ParseInt(createdAt, 10, 64)
	if err != nil {
		return plaudit.Errorf(plaudit.EInvalid, "created_at must be a Unix time")
	}
	at := time.Unix(sec, 0)
	if now.Sub(at) > MaxAge || at.Sub(now) > Skew {
		return plaudit.Errorf(plaudit.EUnauthorized, "notification is stale")
	}
	return nil
}

// interaction makes the interaction of a conversation notification.
func interaction(c *conversation, event string) (plaudit.Interaction, error) {
	id := c.ID.Trim()
	switch {
	case id == "":
		return plaudit.Interaction{}, plaudit.Errorf(plaudit.EInvalid, "data.item.id is required")
	case !inbound.Digits(id):
		return plaudit.Interaction{}, plaudit.Errorf(plaudit.EInvalid, "data.item.id must be a number")
	}
	in := plaudit.Interaction{Source: Name, ExternalID: id, Event: event}
	if c.Source != nil {
		in.Channel = Channel(c.Source.Type.Trim())
	}
	if c.Tags != nil {
		for _, t := range c.Tags.Tags {
			in.Tags = inbound.KeepTag(in.Tags, t.Name)
		}
	}
	if event != plaudit.EventSolved {
		return in, nil
	}
	contactID, customer := customerOf(c)
	if contactID != "" && !idRE.MatchString(contactID) {
		return plaudit.Interaction{}, plaudit.Errorf(plaudit.EInvalid, "data.item.contacts.id is not an Intercom id")
	}
	in.Customer = customer
	in.Agent = agentOf(c)
	if in.Agent.ExternalID != "" && !inbound.Digits(in.Agent.ExternalID) {
		return plaudit.Interaction{}, plaudit.Errorf(plaudit.EInvalid, "data.item.admin_assignee_id must be a number")
	}
	// The contact's phone and language, and often the admin's email, are
	// not in the notification: the worker reads them (Enrich).
	in.NeedsEnrich = contactID != "" || (in.Agent.ExternalID != "" && in.Agent.Email == "")
	return in, nil
}

// customerOf reads the customer: the 1.x user, else the 2.x source author
// when a user or lead wrote first, and the first contact's id.
func customerOf(c *conversation) (string, plaudit.Customer) {
	var p *person
	switch {
	case c.User != nil:
		p = c.User
	case c.Source != nil && c.Source.Author != nil && customerType(c.Source.Author.Type.Trim()):
		p = c.Source.Author
	}
	var id string
	var cu plaudit.Customer
	if p != nil {
		id = p.ID.Trim()
		cu.Name = inbound.Cut(p.Name.Trim(), maxText)
		cu.Email = inbound.Cut(p.Email.Trim(), 320)
	}
	if c.Contacts != nil && len(c.Contacts.Contacts) > 0 {
		id = c.Contacts.Contacts[0].ID.Trim()
	}
	return id, cu
}

func customerType(t string) bool { return t == "user" || t == "lead" || t == "contact" }

// agentOf reads the admin the conversation is assigned to, else the
// admin who closed it.
func agentOf(c *conversation) plaudit.AgentRef {
	if a := c.Assignee; a != nil && a.Type.Trim() == "admin" && a.ID.Trim() != "" {
		return plaudit.AgentRef{ExternalID: a.ID.Trim(), Name: inbound.Cut(a.Name.Trim(), maxText), Email: inbound.Cut(a.Email.Trim(), 320)}
	}
	if id := c.AdminAssigneeID.Trim(); id != "" && id != "0" {
		return plaudit.AgentRef{ExternalID: id}
	}
	if c.Parts != nil {
		for i := len(c.Parts.Parts) - 1; i >= 0; i-- {
			p := c.Parts.Parts[i]
			if p.PartType.Trim() == "close" && p.Author != nil && p.Author.Type.Trim() == "admin" {
				return plaudit.AgentRef{ExternalID: p.Author.ID.Trim(), Name: inbound.Cut(p.Author.Name.Trim(), maxText),
					Email: inbound.Cut(p.Author.Email.Trim(), 320)}
			}
		}
	}
	return plaudit.AgentRef{}
}

// sourceChannels maps Intercom's source.type to channel names.
var sourceChannels = map[string]string{
	"conversation": "chat", "chat": "chat", "email": "email", "phone_call": "phone",
	"phone_switch": "phone", "sms": "sms", "whatsapp": "whatsapp",
}

// Channel maps an Intercom conversation source type to a rules channel.
func Channel(sourceType string) string {
	if ch, ok := sourceChannels[strings.ToLower(sourceType)]; ok {
		return ch
	}
	return inbound.Channel(inbound.Cut(sourceType, maxText))
}
