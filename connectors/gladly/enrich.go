package gladly

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/note"
)

// Limits on what is kept from Gladly's answers.
const (
	maxText  = 200
	maxEmail = 320
	maxPhone = 40
	// maxItems bounds how much of a conversation's timeline is read
	// (Gladly returns up to 1,000 items, emails with their whole text).
	maxItems = 32 << 20
)

// Enrich completes a solve from the Gladly API. The conversation's items
// give the customer profile's id, the channel the customer came by and
// the conversation's status now (a conversation reopened since the event
// is no solve any more); then the profile gives the name, email and
// phone, and the agent profile the agent's name and email.
func (c *Client) Enrich(ctx context.Context, in *plaudit.Interaction) error {
	id := strings.TrimSpace(in.ExternalID)
	if !idRE.MatchString(id) {
		return plaudit.Permanent("gladly: conversation id is not valid", fmt.Errorf("gladly: enrich: conversation id is not a Gladly id"))
	}
	t, err := c.timeline(ctx, id)
	if err != nil {
		return err
	}
	if t.channel != "" {
		in.Channel = t.channel
	}
	switch t.status {
	case "CLOSED":
		in.Event = plaudit.EventSolved
	case "OPEN", "WAITING":
		in.Event = plaudit.EventReopened
	}
	if t.customerID != "" {
		if err := c.enrichCustomer(ctx, t.customerID, in); err != nil {
			return err
		}
	}
	if in.Agent.ExternalID != "" {
		if err := c.enrichAgent(ctx, in); err != nil {
			return err
		}
	}
	in.NeedsEnrich = false
	return nil
}

// timeline is what Enrich takes from a conversation's items.
type timeline struct {
	customerID, channel, status string
}

// item is the part of a conversation item that Enrich reads.
type item struct {
	CustomerID string `json:"customerId"`
	Content    struct {
		Type   string `json:"type"`
		Status string `json:"status"`
	} `json:"content"`
}

// timeline reads the conversation's items one at a time, so that a long
// conversation is never held whole: the items come oldest first, so the
// first message gives the channel and the last status change the status.
// An answer cut short or broken partway still gives what came before.
func (c *Client) timeline(ctx context.Context, id string) (timeline, error) {
	var t timeline
	resp, err := c.api.Open(ctx, http.MethodGet, "/api/v1/conversations/"+id+"/items", nil, "read conversation items", c.refused("read conversation items"))
	if err != nil {
		return t, err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxItems))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return t, fmt.Errorf("gladly: read conversation items: answer is not a JSON array")
	}
	for dec.More() {
		var it item
		if err := dec.Decode(&it); err != nil {
			break
		}
		if t.customerID == "" && idRE.MatchString(it.CustomerID) {
			t.customerID = it.CustomerID
		}
		if ch, ok := itemChannels[it.Content.Type]; ok && t.channel == "" {
			t.channel = ch
		}
		if it.Content.Type == "CONVERSATION_STATUS_CHANGE" && it.Content.Status != "" {
			t.status = strings.ToUpper(strings.TrimSpace(it.Content.Status))
		}
	}
	return t, nil
}

// itemChannels maps the types of conversation items that carry a message
// to rules channels.
var itemChannels = map[string]string{
	"EMAIL": "email", "CHAT_MESSAGE": "chat", "SMS": "sms", "PHONE_CALL": "phone", "VOICEMAIL": "phone",
	"VOICE_AI_MESSAGE": "phone", "WHATSAPP": "whatsapp", "FACEBOOK_MESSAGE": "facebook",
	"INSTAGRAM_DIRECT": "instagram", "TWITTER": "twitter",
}

// profile is the part of a Gladly customer profile that Enrich reads.
type profile struct {
	Name   string `json:"name"`
	Emails []struct {
		Original   string `json:"original"`
		Normalized string `json:"normalized"`
		Primary    bool   `json:"primary"`
	} `json:"emails"`
	Phones []struct {
		Original      string `json:"original"`
		Normalized    string `json:"normalized"`
		Type          string `json:"type"`
		Primary       bool   `json:"primary"`
		SMSPreference string `json:"smsPreference"`
	} `json:"phones"`
}

// enrichCustomer reads the customer profile. A profile merged into
// another answers 301 with the new id, which is read instead, once.
func (c *Client) enrichCustomer(ctx context.Context, id string, in *plaudit.Interaction) error {
	var p profile
	err := c.call(ctx, http.MethodGet, "/api/v1/customer-profiles/"+id, nil, &p, "read customer")
	if moved := movedTo(err); moved != "" {
		err = c.call(ctx, http.MethodGet, "/api/v1/customer-profiles/"+moved, nil, &p, "read customer")
	}
	if err != nil {
		return err
	}
	in.Customer.Name = note.CutUTF8(strings.TrimSpace(p.Name), maxText)
	best := -1
	for i, e := range p.Emails {
		if best < 0 || (e.Primary && !p.Emails[best].Primary) {
			best = i
		}
	}
	if best >= 0 {
		e := p.Emails[best]
		in.Customer.Email = note.CutUTF8(strings.TrimSpace(cmp.Or(e.Normalized, e.Original)), maxEmail)
	}
	in.Customer.Phone = note.CutUTF8(bestPhone(p), maxPhone)
	return nil
}

// bestPhone prefers a mobile number (SMS reaches it), then the primary
// one; a number whose SMS preference is FORBIDDEN is left out.
func bestPhone(p profile) string {
	best, score := "", 0
	for _, ph := range p.Phones {
		number := strings.TrimSpace(ph.Normalized)
		if number == "" {
			number = strings.TrimSpace(ph.Original)
		}
		if number == "" || ph.SMSPreference == "FORBIDDEN" {
			continue
		}
		s := 1
		if ph.Type == "MOBILE" {
			s += 2
		}
		if ph.Primary {
			s++
		}
		if s > score {
			best, score = number, s
		}
	}
	return best
}

// movedTo is the new id of a merged customer profile, when err is
// Gladly's answer to the old one.
func movedTo(err error) string {
	var m *movedError
	if errors.As(err, &m) {
		return m.newID
	}
	return ""
}

// movedError is a 301 for a merged customer profile, with its new id.
type movedError struct {
	newID string
	err   error
}

func (e *movedError) Error() string { return e.err.Error() }
func (e *movedError) Unwrap() error { return e.err }

// enrichAgent reads the agent's name and email. An agent that cannot be
// read (deactivated, deleted) is matched by id, or not at all.
func (c *Client) enrichAgent(ctx context.Context, in *plaudit.Interaction) error {
	var a struct {
		Name         string `json:"name"`
		EmailAddress string `json:"emailAddress"`
	}
	err := c.call(ctx, http.MethodGet, "/api/v1/agents/"+in.Agent.ExternalID, nil, &a, "read agent")
	if err != nil {
		if plaudit.IsPermanent(err) {
			return nil
		}
		return err
	}
	in.Agent.Name = note.CutUTF8(strings.TrimSpace(a.Name), maxText)
	in.Agent.Email = note.CutUTF8(strings.TrimSpace(a.EmailAddress), maxEmail)
	return nil
}
