package zendesk

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
	"github.com/plaudit/plaudit/internal/httpx"
)

// apiTicket is the part of a Zendesk ticket that Enrich reads.
type apiTicket struct {
	ID          int64    `json:"id"`
	Status      string   `json:"status"`
	RequesterID *int64   `json:"requester_id"`
	AssigneeID  *int64   `json:"assignee_id"`
	Tags        []string `json:"tags"`
	Via         struct {
		Channel inbound.String `json:"channel"`
	} `json:"via"`
}

// apiUser is the part of a Zendesk user that Enrich reads.
type apiUser struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Phone        string `json:"phone"`
	Locale       string `json:"locale"`
	TimeZone     string `json:"time_zone"`
	IANATimeZone string `json:"iana_time_zone"`
}

// Enrich completes an interaction from an event subscription, which names
// the ticket only: it reads the ticket, then its requester and assignee,
// through the Zendesk API. The ticket's current status decides the event,
// so a ticket reopened since the event is not taken for a solve.
func (c *Client) Enrich(ctx context.Context, in *plaudit.Interaction) error {
	id := strings.TrimSpace(in.ExternalID)
	if !inbound.Digits(id) {
		return plaudit.Permanent("zendesk: ticket id is not valid", fmt.Errorf("zendesk: enrich: ticket id is not a number"))
	}
	var tr struct {
		Ticket apiTicket `json:"ticket"`
	}
	if err := c.call(ctx, http.MethodGet, "/api/v2/tickets/"+id+".json", nil, &tr, "read ticket"); err != nil {
		return err
	}
	t := tr.Ticket

	var ids []string
	if t.RequesterID != nil && *t.RequesterID > 0 {
		ids = append(ids, strconv.FormatInt(*t.RequesterID, 10))
	}
	if t.AssigneeID != nil && *t.AssigneeID > 0 && (t.RequesterID == nil || *t.AssigneeID != *t.RequesterID) {
		ids = append(ids, strconv.FormatInt(*t.AssigneeID, 10))
	}
	users := map[int64]apiUser{}
	if len(ids) > 0 {
		var ur struct {
			Users []apiUser `json:"users"`
		}
		if err := c.call(ctx, http.MethodGet, "/api/v2/users/show_many.json?ids="+strings.Join(ids, ","), nil, &ur, "read users"); err != nil {
			return err
		}
		for _, u := range ur.Users {
			users[u.ID] = u
		}
	}

	if t.Status != "" {
		in.Event = StatusEvent(t.Status)
	}
	if ch := inbound.Channel(t.Via.Channel.Trim()); ch != "" {
		in.Channel = ch
	}
	if t.Tags != nil {
		in.Tags = tags(t.Tags)
	}
	if t.RequesterID != nil {
		if u, ok := users[*t.RequesterID]; ok {
			in.Customer.Name = inbound.Cut(strings.TrimSpace(u.Name), maxText)
			in.Customer.Email = inbound.Cut(strings.TrimSpace(u.Email), 320)
			in.Customer.Phone = inbound.Cut(strings.TrimSpace(u.Phone), 40)
			if u.Locale != "" {
				in.Customer.Language = inbound.Cut(u.Locale, 35)
			}
			if tz := timeZone(u); tz != "" {
				in.Customer.TimeZone = tz
			}
		}
	}
	if t.AssigneeID != nil && *t.AssigneeID > 0 {
		in.Agent = plaudit.AgentRef{ExternalID: strconv.FormatInt(*t.AssigneeID, 10)}
		if u, ok := users[*t.AssigneeID]; ok {
			in.Agent.Email = inbound.Cut(strings.TrimSpace(u.Email), 320)
			in.Agent.Name = inbound.Cut(strings.TrimSpace(u.Name), maxText)
		}
	} else {
		in.Agent = plaudit.AgentRef{}
	}
	// Names and addresses read from the API are stored like those of a
	// webhook: without the control characters the store cannot take.
	in.Clean()
	in.NeedsEnrich = false
	return nil
}

// timeZone prefers the IANA name Zendesk gives beside its own display
// name ("Berlin"), and uses the display name only when it is an IANA name.
func timeZone(u apiUser) string {
	for _, tz := range []string{u.IANATimeZone, u.TimeZone} {
		if tz = strings.TrimSpace(tz); tz == "" || len(tz) > 64 {
			continue
		}
		if _, err := time.LoadLocation(tz); err == nil && tz != "Local" {
			return tz
		}
	}
	return ""
}

// Writeback adds an internal note with the response to the ticket, sets
// the configured custom fields (score, comment) and adds the configured
// tags, in one update.
func (c *Client) Writeback(ctx context.Context, w plaudit.Writeback) error {
	id := note.TicketID(w)
	if !inbound.Digits(id) {
		return plaudit.Permanent("zendesk: ticket id is not valid", fmt.Errorf("zendesk: writeback: ticket id is not a number"))
	}
	type field struct {
		ID    int64 `json:"id"`
		Value any   `json:"value"`
	}
	type comment struct {
		Body   string `json:"body"`
		Public bool   `json:"public"`
	}
	var update struct {
		Ticket struct {
			Comment        comment  `json:"comment"`
			CustomFields   []field  `json:"custom_fields,omitempty"`
			AdditionalTags []string `json:"additional_tags,omitempty"`
		} `json:"ticket"`
	}
	update.Ticket.Comment = comment{Body: note.Text(w), Public: false}
	if c.cfg.RatingFieldID > 0 && w.Response.Score > 0 {
		update.Ticket.CustomFields = append(update.Ticket.CustomFields, field{c.cfg.RatingFieldID, w.Response.Score})
	}
	if c.cfg.CommentFieldID > 0 && strings.TrimSpace(w.Response.Comment) != "" {
		update.Ticket.CustomFields = append(update.Ticket.CustomFields, field{c.cfg.CommentFieldID, w.Response.Comment})
	}
	update.Ticket.AdditionalTags = c.cfg.Tags
	return c.call(ctx, http.MethodPut, "/api/v2/tickets/"+id+".json", update, nil, "update ticket")
}

// call makes one API call with the connector's credentials and decodes a
// 2xx JSON answer into out (when not nil). op names the call in errors.
func (c *Client) call(ctx context.Context, method, path string, payload, out any, op string) error {
	_, err := c.api.Call(ctx, method, path, payload, out, op, func(a httpx.Answer) error { return c.classify(op, a) })
	return err
}

// classify turns a Zendesk answer into Plaudit's error contract (see
// httpx.Classify): a 409 conflict, two updates of one ticket at once, is
// retried, and the refusals an admin can fix get a reason that says what
// to fix. Zendesk's error texts are not kept: they may quote ticket data.
func (c *Client) classify(op string, a httpx.Answer) error {
	if a.Status == http.StatusConflict {
		return fmt.Errorf("zendesk: %s: status %d", op, a.Status)
	}
	return c.api.Refusal(op, a, a.Header.Get("Retry-After"), rejection(a.Status, a.Body))
}

// rejection says why Zendesk refused a request, for tenant admins.
func rejection(code int, answer []byte) string {
	if code == http.StatusUnprocessableEntity {
		if closedTicket(answer) {
			return "ticket is closed (422)"
		}
		if e := errorCode(answer); e != "" {
			return fmt.Sprintf("update rejected (422 %s)", e)
		}
		return "update rejected (422)"
	}
	if r := httpx.Reason(code, "ticket not found", errorCode(answer)); r != "" {
		return r
	}
	return fmt.Sprintf("request rejected (%d)", code)
}

// errorCode reads Zendesk's {"error":"RecordInvalid", …}.
func errorCode(answer []byte) string {
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(answer, &e) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(e.Error, &s) == nil {
		return httpx.SafeCode(s)
	}
	var obj struct {
		Title string `json:"title"`
	}
	if json.Unmarshal(e.Error, &obj) == nil {
		return httpx.SafeCode(strings.ReplaceAll(obj.Title, " ", ""))
	}
	return ""
}

// closedTicket recognizes Zendesk's answer to an update of a closed
// ticket: 422 RecordInvalid, with a detail such as "Status: closed
// prevents ticket update" or a description "Ticket is closed".
func closedTicket(answer []byte) bool {
	s := strings.ToLower(string(answer))
	return strings.Contains(s, "closed prevents") || strings.Contains(s, "ticket is closed") ||
		strings.Contains(s, "status: closed") || strings.Contains(s, "closed ticket")
}
