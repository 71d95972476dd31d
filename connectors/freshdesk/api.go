package freshdesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
	"github.com/plaudit/plaudit/connectors/internal/note"
	"github.com/plaudit/plaudit/connectors/internal/probe"
	"github.com/plaudit/plaudit/internal/httpx"
)

// apiTicket is the part of a Freshdesk ticket (GET
// /api/v2/tickets/{id}?include=requester) that Enrich and Writeback read.
type apiTicket struct {
	Status      int      `json:"status"`
	Source      int      `json:"source"`
	Tags        []string `json:"tags"`
	ResponderID *int64   `json:"responder_id"`
	RequesterID *int64   `json:"requester_id"`
	Requester   *struct {
		Name   string `json:"name"`
		Email  string `json:"email"`
		Phone  string `json:"phone"`
		Mobile string `json:"mobile"`
	} `json:"requester"`
}

// Enrich completes a solve from the Freshdesk API: the ticket as it is
// now (a ticket reopened since the webhook is no solve any more), its
// requester's contact details, language and time zone, and the agent's
// email when the body had none.
func (c *Client) Enrich(ctx context.Context, in *plaudit.Interaction) error {
	id := strings.TrimSpace(in.ExternalID)
	if !inbound.Digits(id) {
		return plaudit.Permanent("freshdesk: ticket id is not valid", fmt.Errorf("freshdesk: enrich: ticket id is not a number"))
	}
	var t apiTicket
	if err := c.call(ctx, http.MethodGet, "/api/v2/tickets/"+id+"?include=requester", nil, &t, "read ticket"); err != nil {
		return err
	}
	if ev := StatusEvent(strconv.Itoa(t.Status)); ev != plaudit.EventOther {
		in.Event = ev
	}
	if ch := SourceChannel(strconv.Itoa(t.Source)); ch != "" {
		in.Channel = ch
	}
	if t.Tags != nil {
		in.Tags = t.Tags
	}
	if r := t.Requester; r != nil {
		in.Customer.Name = keep(in.Customer.Name, r.Name, maxText)
		in.Customer.Email = keep(in.Customer.Email, r.Email, maxEmail)
		phone := r.Mobile // the number SMS can reach, when there is one
		if strings.TrimSpace(phone) == "" {
			phone = r.Phone
		}
		in.Customer.Phone = keep(in.Customer.Phone, phone, maxPhone)
	}
	if t.RequesterID != nil && *t.RequesterID > 0 {
		if err := c.enrichContact(ctx, strconv.FormatInt(*t.RequesterID, 10), in); err != nil {
			return err
		}
	}
	if t.ResponderID != nil && *t.ResponderID > 0 {
		in.Agent.ExternalID = strconv.FormatInt(*t.ResponderID, 10)
		if in.Agent.Email == "" {
			if err := c.enrichAgent(ctx, in); err != nil {
				return err
			}
		}
	}
	in.NeedsEnrich = false
	return nil
}

// keep returns the API's value when there is one, else what the body had.
func keep(had, api string, n int) string {
	if api = strings.TrimSpace(api); api != "" {
		return note.CutUTF8(api, n)
	}
	return had
}

// enrichContact reads the requester's language and time zone. A contact
// that cannot be read (an agent who raised the ticket, a contact deleted
// since) leaves the interaction as it is: the body had the rest.
func (c *Client) enrichContact(ctx context.Context, id string, in *plaudit.Interaction) error {
	var contact struct {
		Language string `json:"language"`
		TimeZone string `json:"time_zone"`
	}
	err := c.call(ctx, http.MethodGet, "/api/v2/contacts/"+id, nil, &contact, "read contact")
	if err != nil {
		if plaudit.IsPermanent(err) {
			return nil
		}
		return err
	}
	in.Customer.Language = keep(in.Customer.Language, contact.Language, maxLanguage)
	if tz := ianaZone(contact.TimeZone); tz != "" {
		in.Customer.TimeZone = tz
	}
	return nil
}

// ianaZone keeps a contact's time zone only when it is an IANA name:
// Freshdesk mostly gives Rails names ("Eastern Time (US & Canada)"),
// which quiet hours cannot use; the tenant's zone applies then.
func ianaZone(tz string) string {
	tz = strings.TrimSpace(tz)
	if !strings.Contains(tz, "/") || len(tz) > 64 {
		return ""
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return ""
	}
	return tz
}

// enrichAgent reads the email of the agent the ticket is assigned to.
func (c *Client) enrichAgent(ctx context.Context, in *plaudit.Interaction) error {
	var agent struct {
		Contact struct {
			Name  string `json:"name"`
			Email string `json:"email"`
		} `json:"contact"`
	}
	err := c.call(ctx, http.MethodGet, "/api/v2/agents/"+in.Agent.ExternalID, nil, &agent, "read agent")
	if err != nil {
		if plaudit.IsPermanent(err) {
			return nil // a deleted agent: matched by id, or not at all
		}
		return err
	}
	in.Agent.Email = note.CutUTF8(strings.TrimSpace(agent.Contact.Email), maxEmail)
	in.Agent.Name = keep(in.Agent.Name, agent.Contact.Name, maxText)
	return nil
}

// Writeback sets the configured custom fields and tags on the ticket, then
// adds the private note. The update goes first because it can be repeated
// without harm: a retry after a throttled update adds no second note. An
// update Freshdesk refuses (a field that does not fit) still lets the note
// be written, and the writeback then fails with the update's reason.
func (c *Client) Writeback(ctx context.Context, w plaudit.Writeback) error {
	id := note.TicketID(w)
	if !inbound.Digits(id) {
		return plaudit.Permanent("freshdesk: ticket id is not valid", fmt.Errorf("freshdesk: writeback: ticket id is not a number"))
	}
	var updateErr error
	if err := c.updateTicket(ctx, id, w.Response); err != nil {
		if !plaudit.IsPermanent(err) {
			return err
		}
		updateErr = err
	}
	n := struct {
		Body    string `json:"body"`
		Private bool   `json:"private"`
	}{note.HTML(w), true}
	if err := c.call(ctx, http.MethodPost, "/api/v2/tickets/"+id+"/notes", n, nil, "add note"); err != nil {
		return err
	}
	return updateErr
}

// updateTicket sets the rating and comment fields and adds the tags, when
// configured. Freshdesk replaces a ticket's tags with the list it is
// given, so the ticket's tags are read first.
func (c *Client) updateTicket(ctx context.Context, id string, r plaudit.Response) error {
	fields := map[string]any{}
	if c.cfg.RatingField != "" && r.Score > 0 {
		fields[c.cfg.RatingField] = r.Score
	}
	if c.cfg.CommentField != "" && strings.TrimSpace(r.Comment) != "" {
		fields[c.cfg.CommentField] = r.Comment
	}
	var update struct {
		CustomFields map[string]any `json:"custom_fields,omitempty"`
		Tags         []string       `json:"tags,omitempty"`
	}
	update.CustomFields = fields
	if missing := c.cfg.Tags; len(missing) > 0 {
		var t apiTicket
		if err := c.call(ctx, http.MethodGet, "/api/v2/tickets/"+id, nil, &t, "read ticket"); err != nil {
			return err
		}
		if tags := addTags(t.Tags, missing); len(tags) > len(t.Tags) {
			update.Tags = tags
		}
	}
	if len(update.CustomFields) == 0 && update.Tags == nil {
		return nil
	}
	return c.call(ctx, http.MethodPut, "/api/v2/tickets/"+id, update, nil, "update ticket")
}

// addTags returns have with each of add that it lacks (Freshdesk compares
// tags without regard to case).
func addTags(have, add []string) []string {
	out := append([]string(nil), have...)
	for _, a := range add {
		found := false
		for _, h := range out {
			found = found || strings.EqualFold(h, a)
		}
		if !found {
			out = append(out, a)
		}
	}
	return out
}

// words says what a connector test found, in the terms of this kind.
var words = probe.Words{
	System:       "Freshdesk",
	Address:      "config.domain (or config.base_url)",
	Unauthorized: "Freshdesk refused the API key (401): check config.api_key (Profile settings → View API key)",
	Forbidden:    "Freshdesk denied access (403): the agent whose API key this is may not use the API, or the account limits API access",
	NotFound:     "no Freshdesk account answers at this address (404): check config.domain",
}

// Test reads the agent that the API key belongs to (GET
// /api/v2/agents/me), which any agent's key may do.
func (c *Client) Test(ctx context.Context) error {
	return words.GetObject(ctx, c.api, "/api/v2/agents/me")
}

// call makes one API call and decodes a 2xx answer into out (when not
// nil); a refusal is classified by Plaudit's error contract.
func (c *Client) call(ctx context.Context, method, path string, payload, out any, op string) error {
	_, err := c.api.Call(ctx, method, path, payload, out, op, func(a httpx.Answer) error {
		return c.api.Refusal(op, a, a.Header.Get("Retry-After"), rejection(a.Status, a.Body))
	})
	return err
}

// rejection says why Freshdesk refused a request, for tenant admins.
// Freshdesk's messages are not kept (they may quote ticket data); its
// error codes and the names of the fields they concern are.
func rejection(code int, answer []byte) string {
	switch code {
	case http.StatusUnauthorized:
		return "authentication failed (401): check the API key"
	case http.StatusForbidden:
		return "permission denied (403" + errorCode(answer) + ")"
	case http.StatusNotFound:
		return "ticket not found or deleted (404)"
	case http.StatusBadRequest:
		return "update rejected (400" + errorCode(answer) + ")"
	}
	return "request rejected (" + strconv.Itoa(code) + errorCode(answer) + ")"
}

// errorCode reads Freshdesk's {"code":"access_denied"} or
// {"description":"Validation failed","errors":[{"field":"cf_rating",
// "code":"invalid_value"}]} as " access_denied" or
// " invalid_value cf_rating".
func errorCode(answer []byte) string {
	if s := httpx.ErrorCodes(answer, "code", "field"); s != "" {
		return " " + s
	}
	var e struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(answer, &e) == nil {
		if c := httpx.SafeCode(e.Code); c != "" {
			return " " + c
		}
	}
	return ""
}
