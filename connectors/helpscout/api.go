package helpscout

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
	"github.com/plaudit/plaudit/connectors/internal/note"
	"github.com/plaudit/plaudit/connectors/internal/probe"
	"github.com/plaudit/plaudit/internal/httpx"
)

// apiCustomer is the part of a Mailbox API customer that Enrich reads.
type apiCustomer struct {
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Embedded  struct {
		Emails []struct {
			Value string `json:"value"`
		} `json:"emails"`
		Phones []struct {
			Value string `json:"value"`
		} `json:"phones"`
		Address *struct {
			Country string `json:"country"`
		} `json:"address"`
	} `json:"_embedded"`
}

// Enrich completes a closed conversation: it reads the conversation (its
// status now and its primary customer), then the customer's profile
// (name, first email, first phone, country). A conversation open again
// since the event is taken as reopened.
func (c *Client) Enrich(ctx context.Context, in *plaudit.Interaction) error {
	id := strings.TrimSpace(in.ExternalID)
	if !inbound.Digits(id) {
		return plaudit.Permanent("helpscout: conversation id is not valid", fmt.Errorf("helpscout: enrich: conversation id is not a number"))
	}
	var conv conversation
	if err := c.call(ctx, http.MethodGet, "/v2/conversations/"+id, nil, &conv, "read conversation"); err != nil {
		return err
	}
	in.NeedsEnrich = false
	if ev := StatusEvent(conv.Status.Trim()); ev != plaudit.EventSolved && ev != "" {
		in.Event = ev
		return nil
	}
	p := conv.PrimaryCustomer
	if p == nil || !inbound.Digits(p.ID.Trim()) {
		return nil
	}
	var cu apiCustomer
	if err := c.call(ctx, http.MethodGet, "/v2/customers/"+p.ID.Trim(), nil, &cu, "read customer"); err != nil {
		return err
	}
	if n := strings.TrimSpace(cu.FirstName + " " + cu.LastName); n != "" {
		in.Customer.Name = inbound.Cut(n, maxText)
	}
	if e := cu.Embedded.Emails; in.Customer.Email == "" && len(e) > 0 {
		in.Customer.Email = inbound.Cut(strings.TrimSpace(e[0].Value), 320)
	}
	if ph := cu.Embedded.Phones; len(ph) > 0 {
		in.Customer.Phone = inbound.Cut(strings.TrimSpace(ph[0].Value), 40)
	}
	if a := cu.Embedded.Address; a != nil && len(strings.TrimSpace(a.Country)) == 2 {
		in.Customer.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	}
	return nil
}

// Writeback sets the configured custom fields and adds the configured
// tags (both replace the conversation's whole set in Help Scout, so the
// conversation is read first and its own values kept), then adds the
// response as a private note. The note goes last because it alone is
// not idempotent.
func (c *Client) Writeback(ctx context.Context, w plaudit.Writeback) error {
	id := note.TicketID(w)
	if !inbound.Digits(id) {
		return plaudit.Permanent("helpscout: conversation id is not valid", fmt.Errorf("helpscout: writeback: conversation id is not a number"))
	}
	fields := c.fieldValues(w.Response)
	if len(fields) > 0 || len(c.cfg.Tags) > 0 {
		var conv conversation
		if err := c.call(ctx, http.MethodGet, "/v2/conversations/"+id, nil, &conv, "read conversation"); err != nil {
			return err
		}
		if len(fields) > 0 {
			body := map[string]any{"fields": mergeFields(conv, fields)}
			if err := c.call(ctx, http.MethodPut, "/v2/conversations/"+id+"/fields", body, nil, "update fields"); err != nil {
				return err
			}
		}
		if len(c.cfg.Tags) > 0 {
			body := map[string]any{"tags": mergeTags(conv, c.cfg.Tags)}
			if err := c.call(ctx, http.MethodPut, "/v2/conversations/"+id+"/tags", body, nil, "update tags"); err != nil {
				return err
			}
		}
	}
	return c.call(ctx, http.MethodPost, "/v2/conversations/"+id+"/notes", map[string]string{"text": note.HTML(w)}, nil, "add note")
}

// field is one custom field value as Help Scout takes it.
type field struct {
	ID    int64  `json:"id"`
	Value string `json:"value"`
}

// fieldValues are the configured fields' new values, rating first, as
// strings: Help Scout takes every custom field's value as a string.
func (c *Client) fieldValues(r plaudit.Response) []field {
	values := note.Fields(idKey(c.cfg.RatingFieldID), idKey(c.cfg.CommentFieldID), r)
	var out []field
	for _, id := range []int64{c.cfg.RatingFieldID, c.cfg.CommentFieldID} {
		if v, ok := values[idKey(id)]; ok && id > 0 {
			out = append(out, field{ID: id, Value: fmt.Sprint(v)})
		}
	}
	return out
}

func idKey(id int64) string {
	if id <= 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// mergeFields is the conversation's custom field values with ours in
// place, in the conversation's order, then ours by id.
func mergeFields(conv conversation, ours []field) []field {
	set := map[int64]string{}
	for _, f := range ours {
		set[f.ID] = f.Value
	}
	var out []field
	for _, f := range conv.CustomFields {
		n, err := strconv.ParseInt(f.ID.Trim(), 10, 64)
		if err != nil {
			continue
		}
		if v, ok := set[n]; ok {
			out = append(out, field{n, v})
			delete(set, n)
			continue
		}
		out = append(out, field{n, string(f.Value)})
	}
	for _, f := range ours {
		if _, ok := set[f.ID]; ok {
			out = append(out, f)
		}
	}
	return out
}

// mergeTags is the conversation's tags with the configured ones added.
func mergeTags(conv conversation, add []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range conv.Tags {
		if n := t.Tag.Trim(); n != "" && !seen[strings.ToLower(n)] {
			seen[strings.ToLower(n)] = true
			out = append(out, n)
		}
	}
	for _, n := range add {
		if !seen[strings.ToLower(n)] {
			seen[strings.ToLower(n)] = true
			out = append(out, n)
		}
	}
	return out
}

// words says what a connector test found, in the terms of this kind.
var words = probe.Words{System: "Help Scout", Address: "config.base_url", Tone: probe.Brief,
	Unauthorized: "Help Scout refused the app's token (401): check config.app_id and config.app_secret",
	Forbidden:    "the app may not read users (403): create it as an admin or account owner"}

// Test gets a token with app_id and app_secret, then reads the user the
// app acts as (GET /v2/users/me).
func (c *Client) Test(ctx context.Context) error {
	a, err := c.do(ctx, http.MethodGet, "/v2/users/me", nil, "test")
	var p *plaudit.PermanentError
	if errors.As(err, &p) && strings.Contains(p.Reason, "app_id or app_secret refused") {
		return plaudit.Errorf(plaudit.EInvalid, "Help Scout refused config.app_id or config.app_secret: copy both from Your Profile → My Apps")
	}
	return words.Result(a, err)
}

// call makes one API call (do) and decodes a 2xx answer into out (when
// not nil).
func (c *Client) call(ctx context.Context, method, path string, payload, out any, op string) error {
	a, err := c.do(ctx, method, path, payload, op)
	if err != nil {
		return err
	}
	if !a.OK() {
		return c.api.Refusal(op, a, retryAfter(a.Header), httpx.Reason(a.Status, "conversation not found", ""))
	}
	if out == nil {
		return nil
	}
	return c.api.Decode(op, a, out)
}

// do makes one API call, and once more with a new token when Help Scout
// refuses the cached one (401): tokens can end before their expiry.
func (c *Client) do(ctx context.Context, method, path string, payload any, op string) (httpx.Answer, error) {
	var a httpx.Answer
	for attempt := 0; ; attempt++ {
		c.mu.Lock()
		cached := c.tok != nil
		c.mu.Unlock()
		var err error
		if a, err = c.api.Send(ctx, method, path, payload, op); err != nil {
			return a, err
		}
		if a.Status != http.StatusUnauthorized {
			break
		}
		c.mu.Lock()
		used := c.tok
		c.mu.Unlock()
		c.dropToken(used)
		// A token fetched for this call and refused at once will be
		// refused again: only a cached one earns a second try.
		if !cached || attempt == 1 {
			break
		}
	}
	return a, nil
}
