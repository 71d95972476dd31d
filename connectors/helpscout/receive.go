package helpscout

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// Webhook headers.
const (
	HeaderSignature = "X-HelpScout-Signature"
	HeaderEvent     = "X-HelpScout-Event"
)

// MaxAge bounds how long after a conversation was closed its "closed"
// webhook is taken (by the body's own signed closedAt). Help Scout's
// scheme has no timestamp; this keeps a captured delivery from being
// replayed once its dedup record may be gone, with room for retries.
const MaxAge = 24 * time.Hour

// Limits on what is kept from a webhook.
const (
	maxText = 200
)

// Receive verifies the signature over the raw body and parses the
// conversation the event is about.
func (c *Client) Receive(_ context.Context, d plaudit.Delivery) ([]plaudit.Event, error) {
	if err := Verify(c.secrets, d.Header.Get(HeaderSignature), d.Body); err != nil {
		return nil, err
	}
	return Parse(strings.TrimSpace(d.Header.Get(HeaderEvent)), d.Body, inbound.ReceivedAt(d))
}

// Verify checks X-HelpScout-Signature: base64(HMAC-SHA1(secret, body)),
// against each secret (current, then previous).
func Verify(secrets [][]byte, signature string, body []byte) error {
	signature = strings.TrimSpace(signature)
	if signature == "" {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature header is missing")
	}
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || !inbound.MatchHMAC(sha1.New, secrets, got, body) {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature does not match")
	}
	return nil
}

// Sign computes the X-HelpScout-Signature Help Scout sends for body. It
// exists for tests and tools that simulate Help Scout.
func Sign(secret, body []byte) string {
	return base64.StdEncoding.EncodeToString(inbound.HMAC(sha1.New, secret, body))
}

// person is a customer or user as a conversation names them.
type person struct {
	ID    inbound.String `json:"id"`
	Type  inbound.String `json:"type"`
	First inbound.String `json:"first"`
	Last  inbound.String `json:"last"`
	Email inbound.String `json:"email"`
}

func (p *person) name() string {
	return inbound.Cut(strings.TrimSpace(p.First.Trim()+" "+p.Last.Trim()), maxText)
}

// conversation is a Mailbox API 2.0 conversation, as webhooks send it
// and the API answers it.
type conversation struct {
	ID              inbound.String `json:"id"`
	Type            inbound.String `json:"type"`
	Status          inbound.String `json:"status"`
	Assignee        *person        `json:"assignee"`
	ClosedByUser    *person        `json:"closedByUser"`
	PrimaryCustomer *person        `json:"primaryCustomer"`
	ClosedAt        inbound.String `json:"closedAt"`
	UserUpdatedAt   inbound.String `json:"userUpdatedAt"`
	Tags            []struct {
		Tag inbound.String `json:"tag"`
	} `json:"tags"`
	CustomFields []struct {
		ID    inbound.String `json:"id"`
		Value inbound.String `json:"value"`
	} `json:"customFields"`
}

// StatusEvent maps a conversation's status to an interaction event:
// closed is a solve; active and pending mean it is being worked on again,
// which cancels a request not yet sent. Spam and anything else are no
// interaction.
func StatusEvent(status string) string {
	switch strings.ToLower(status) {
	case "closed":
		return plaudit.EventSolved
	case "active", "pending", "open":
		return plaudit.EventReopened
	}
	return ""
}

// Parse parses a verified webhook body for its event (X-HelpScout-Event):
// convo.status by the conversation's status; a customer's reply
// (convo.customer.reply.created) reopens it. Other events, conversation
// or not, are no interaction.
func Parse(event string, body []byte, now time.Time) ([]plaudit.Event, error) {
	if event == "" {
		return nil, plaudit.Errorf(plaudit.EInvalid, "%s header is required", HeaderEvent)
	}
	if event != "convo.status" && event != "convo.customer.reply.created" {
		return nil, nil
	}
	var c conversation
	if err := inbound.DecodeObject(body, &c); err != nil {
		return nil, err
	}
	id := c.ID.Trim()
	switch {
	case id == "":
		return nil, plaudit.Errorf(plaudit.EInvalid, "id is required")
	case !inbound.Digits(id):
		return nil, plaudit.Errorf(plaudit.EInvalid, "id must be a number")
	}
	kind := plaudit.EventReopened
	if event == "convo.status" {
		if kind = StatusEvent(c.Status.Trim()); kind == "" {
			return nil, nil
		}
	}
	in, err := interaction(&c, kind, now)
	if err != nil {
		return nil, err
	}
	in.DedupKey = dedupKey(&c, event, body)
	return []plaudit.Event{{DedupKey: in.DedupKey, Interaction: in}}, nil
}

// dedupKey is id, status and userUpdatedAt: a redelivery repeats them,
// and a conversation closed again later differs in userUpdatedAt.
// Without userUpdatedAt, the body's hash.
func dedupKey(c *conversation, event string, body []byte) string {
	at := c.UserUpdatedAt.Trim()
	if at == "" || len(at) > 64 {
		sum := sha256.Sum256(body)
		return hex.EncodeToString(sum[:])
	}
	status := inbound.Cut(c.Status.Trim(), 32)
	if event != "convo.status" {
		status = "reply"
	}
	return c.ID.Trim() + ":" + status + ":" + at
}

// interaction makes the interaction of a closed or reopened conversation.
func interaction(c *conversation, kind string, now time.Time) (plaudit.Interaction, error) {
	in := plaudit.Interaction{Source: Name, ExternalID: c.ID.Trim(), Event: kind,
		Channel: inbound.Channel(inbound.Cut(c.Type.Trim(), maxText))}
	for _, t := range c.Tags {
		in.Tags = inbound.KeepTag(in.Tags, t.Tag)
	}
	if kind != plaudit.EventSolved {
		return in, nil
	}
	if at := c.ClosedAt.Trim(); at != "" {
		closed, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return in, plaudit.Errorf(plaudit.EInvalid, "closedAt must be a time (RFC 3339)")
		}
		if now.Sub(closed) > MaxAge {
			return in, plaudit.Errorf(plaudit.EUnauthorized, "delivery is stale")
		}
	}
	if p := c.PrimaryCustomer; p != nil {
		in.Customer = plaudit.Customer{Name: p.name(), Email: inbound.Cut(p.Email.Trim(), 320)}
		// The phone and the country are only in the customer's profile:
		// the worker reads it (Enrich).
		in.NeedsEnrich = inbound.Digits(p.ID.Trim())
	}
	agent := c.Assignee
	if agent == nil || agent.ID.Trim() == "" {
		agent = c.ClosedByUser
	}
	if agent != nil && agent.ID.Trim() != "" {
		if !inbound.Digits(agent.ID.Trim()) {
			return in, plaudit.Errorf(plaudit.EInvalid, "assignee.id must be a number")
		}
		in.Agent = plaudit.AgentRef{ExternalID: agent.ID.Trim(), Email: inbound.Cut(agent.Email.Trim(), 320), Name: agent.name()}
	}
	return in, nil
}
