package intercom

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
	"github.com/plaudit/plaudit/connectors/internal/note"
	"github.com/plaudit/plaudit/connectors/internal/probe"
	"github.com/plaudit/plaudit/internal/httpx"
)

// apiConversation is the part of GET /conversations/{id} that Enrich
// reads.
type apiConversation struct {
	State           string         `json:"state"`
	AdminAssigneeID inbound.String `json:"admin_assignee_id"`
	Source          struct {
		Type inbound.String `json:"type"`
	} `json:"source"`
	Contacts struct {
		Contacts []struct {
			ID inbound.String `json:"id"`
		} `json:"contacts"`
	} `json:"contacts"`
}

// apiContact is the part of an Intercom contact that Enrich reads.
type apiContact struct {
	Name             string `json:"name"`
	Email            string `json:"email"`
	Phone            string `json:"phone"`
	LanguageOverride string `json:"language_override"`
	BrowserLanguage  string `json:"browser_language"`
	Location         struct {
		CountryCode string `json:"country_code"`
	} `json:"location"`
}

// apiAdmin is the part of an Intercom admin that Enrich reads.
type apiAdmin struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Enrich completes a closed-conversation interaction: it reads the
// conversation (its state now, its contact and assignee), then the
// contact (email, phone, language) and the admin's email. A conversation
// open again since the event is taken as reopened.
func (c *Client) Enrich(ctx context.Context, in *plaudit.Interaction) error {
	id := strings.TrimSpace(in.ExternalID)
	if !inbound.Digits(id) {
		return plaudit.Permanent("intercom: conversation id is not valid", fmt.Errorf("intercom: enrich: conversation id is not a number"))
	}
	var conv apiConversation
	if err := c.get(ctx, "/conversations/"+id, &conv, "read conversation", "conversation not found"); err != nil {
		return err
	}
	if conv.State != "" && conv.State != "closed" {
		in.Event = plaudit.EventReopened
		in.NeedsEnrich = false
		return nil
	}
	if ch := Channel(conv.Source.Type.Trim()); ch != "" {
		in.Channel = ch
	}
	if len(conv.Contacts.Contacts) > 0 {
		if cid := conv.Contacts.Contacts[0].ID.Trim(); idRE.MatchString(cid) {
			var ct apiContact
			if err := c.get(ctx, "/contacts/"+cid, &ct, "read contact", "contact not found"); err != nil {
				return err
			}
			mergeContact(&in.Customer, ct)
		}
	}
	if aid := conv.AdminAssigneeID.Trim(); inbound.Digits(aid) && aid != in.Agent.ExternalID {
		in.Agent = plaudit.AgentRef{ExternalID: aid}
	}
	if aid := in.Agent.ExternalID; inbound.Digits(aid) && in.Agent.Email == "" {
		var ad apiAdmin
		if err := c.get(ctx, "/admins/"+aid, &ad, "read admin", "admin not found"); err != nil {
			return err
		}
		in.Agent.Email = inbound.Cut(strings.TrimSpace(ad.Email), 320)
		if in.Agent.Name == "" {
			in.Agent.Name = inbound.Cut(strings.TrimSpace(ad.Name), maxText)
		}
	}
	in.NeedsEnrich = false
	return nil
}

// mergeContact fills the customer from the contact, keeping what the
// notification said where the contact is silent.
func mergeContact(cu *plaudit.Customer, ct apiContact) {
	set := func(dst *string, v string, n int) {
		if v = strings.TrimSpace(v); v != "" {
			*dst = inbound.Cut(v, n)
		}
	}
	set(&cu.Name, ct.Name, maxText)
	set(&cu.Email, ct.Email, 320)
	set(&cu.Phone, ct.Phone, 40)
	set(&cu.Language, ct.BrowserLanguage, 35)
	set(&cu.Language, ct.LanguageOverride, 35)
	if cc := strings.TrimSpace(ct.Location.CountryCode); len(cc) == 2 {
		cu.Country = strings.ToUpper(cc)
	}
}

// Writeback sets the configured conversation attributes, adds the
// configured tags, then adds the response as a private note in the name
// of admin_id. The note goes last because it alone is not idempotent: a
// retry after a failed attribute update does not leave two notes.
func (c *Client) Writeback(ctx context.Context, w plaudit.Writeback) error {
	id := note.TicketID(w)
	if !inbound.Digits(id) {
		return plaudit.Permanent("intercom: conversation id is not valid", fmt.Errorf("intercom: writeback: conversation id is not a number"))
	}
	if attrs := note.Fields(c.cfg.RatingAttribute, c.cfg.CommentAttribute, w.Response); attrs != nil {
		body := map[string]any{"custom_attributes": attrs}
		if err := c.send(ctx, http.MethodPut, "/conversations/"+id, body, nil, "update conversation", "conversation not found"); err != nil {
			return err
		}
	}
	for _, tag := range c.cfg.Tags {
		if err := c.tag(ctx, id, tag); err != nil {
			return err
		}
	}
	reply := map[string]string{"message_type": "note", "type": "admin", "admin_id": c.cfg.AdminID, "body": note.HTML(w)}
	return c.send(ctx, http.MethodPost, "/conversations/"+id+"/reply", reply, nil, "add note", "conversation not found")
}

// tag adds a tag by name: Intercom tags conversations by tag id, and
// POST /tags with a name creates the tag or returns the one that exists.
func (c *Client) tag(ctx context.Context, conversation, name string) error {
	tid, err := c.tags.ID(ctx, Name, name, idRE.MatchString, func(ctx context.Context, payload, out any) error {
		return c.send(ctx, http.MethodPost, "/tags", payload, out, "create tag", "tag not found")
	})
	if err != nil {
		return err
	}
	return c.send(ctx, http.MethodPost, "/conversations/"+conversation+"/tags",
		map[string]string{"id": tid, "admin_id": c.cfg.AdminID}, nil, "tag conversation", "conversation not found")
}

// Words of a connector test, for the token and for admin_id.
var (
	tokenWords = probe.Words{System: "Intercom", Address: "config.base_url", Tone: probe.Brief,
		Unauthorized: "Intercom refused the access token (401): check config.access_token, and config.base_url for workspaces hosted in Europe or Australia",
		Forbidden:    "the access token lacks a permission (403): give the app read and write access to conversations, contacts and admins"}
	adminWords = probe.Words{System: "Intercom", Address: "config.base_url", Tone: probe.Brief,
		NotFound:  "config.admin_id is not an admin of this Intercom workspace",
		Forbidden: "the access token may not read admins (403): give the app the \"Read admins\" permission"}
)

// Test checks the access token (GET /me) and that admin_id names an
// admin of the same workspace.
func (c *Client) Test(ctx context.Context) error {
	if _, err := tokenWords.Get(ctx, c.api, "/me"); err != nil {
		return err
	}
	_, err := adminWords.Get(ctx, c.api, "/admins/"+url.PathEscape(c.cfg.AdminID))
	return err
}

// get reads path into out.
func (c *Client) get(ctx context.Context, path string, out any, op, notFound string) error {
	return c.send(ctx, http.MethodGet, path, nil, out, op, notFound)
}

// send makes one API call and decodes a 2xx answer into out (when not
// nil). notFound is the reason a 404 gives.
func (c *Client) send(ctx context.Context, method, path string, payload, out any, op, notFound string) error {
	a, err := c.api.Send(ctx, method, path, payload, op)
	if err != nil {
		return err
	}
	if !a.OK() {
		return classify(op, a, notFound, time.Now())
	}
	if out == nil {
		return nil
	}
	if err := c.api.Decode(op, a, out); err != nil {
		// A conversation too long for one answer (httpx.MaxBody) will not
		// get shorter: decide on what the notification said.
		return plaudit.Permanent("intercom: "+op+": answer could not be read", err)
	}
	return nil
}

// classify turns a refused call into Plaudit's error contract. Intercom
// throttles with 429 and X-RateLimit-Reset (a Unix time) rather than
// Retry-After; its error texts are not kept, they may quote data.
func classify(op string, a Answer, notFound string, now time.Time) error {
	retryAfter := a.Header.Get("Retry-After")
	if retryAfter == "" {
		retryAfter = resetIn(a.Header.Get("X-RateLimit-Reset"), now)
	}
	return httpx.Classify(Name, a.Status, retryAfter, fmt.Errorf("intercom: %s: status %d", op, a.Status), rejection(a, notFound))
}

// Answer is httpx.Answer, named here for classify's signature.
type Answer = httpx.Answer

// resetIn turns X-RateLimit-Reset (Unix seconds) into a Retry-After
// value in seconds, or "" when it cannot be read.
func resetIn(reset string, now time.Time) string {
	sec, err := strconv.ParseInt(strings.TrimSpace(reset), 10, 64)
	if err != nil || sec <= 0 {
		return ""
	}
	return strconv.FormatInt(max(sec-now.Unix(), 1), 10)
}

// rejection says why Intercom refused a request, for tenant admins.
func rejection(a Answer, notFound string) string {
	// Intercom's errors: {"type":"error.list","errors":[{"code":…}]}.
	return httpx.Reason(a.Status, notFound, httpx.ErrorCodes(a.Body, "code"))
}
