package front

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
	"github.com/plaudit/plaudit/connectors/internal/note"
	"github.com/plaudit/plaudit/internal/httpx"
)

// apiContact is the part of a Front contact that Enrich reads.
type apiContact struct {
	Name    string `json:"name"`
	Handles []struct {
		Handle string `json:"handle"`
		Source string `json:"source"`
	} `json:"handles"`
}

// handleChannels maps the source of a contact's handle to channel names.
var handleChannels = map[string]string{
	"email": "email", "phone": "sms", "front_chat": "chat", "intercom": "chat", "whatsapp": "whatsapp",
}

// Enrich completes an archive event: it reads the conversation (its
// status now, assignee, recipient, tags), then the recipient's contact
// (name, email and phone handles) and, when the conversation does not
// give it, the assignee's email. A conversation open again since the
// event is taken as reopened; a deleted one asks for nothing.
func (c *Client) Enrich(ctx context.Context, in *plaudit.Interaction) error {
	id := strings.TrimSpace(in.ExternalID)
	if !idRE.MatchString(id) {
		return plaudit.Permanent("front: conversation id is not valid", fmt.Errorf("front: enrich: conversation id is not a Front id"))
	}
	var conv conversation
	if err := c.call(ctx, http.MethodGet, "/conversations/"+id, nil, &conv, "read conversation"); err != nil {
		return err
	}
	in.NeedsEnrich = false
	switch conv.Status.Trim() {
	case "archived", "":
	case "deleted":
		in.Event = plaudit.EventOther
		return nil
	default:
		in.Event = plaudit.EventReopened
		return nil
	}
	in.Tags = tagNames(&conv)
	if a := conv.Assignee; a != nil && idRE.MatchString(a.ID.Trim()) {
		in.Agent = agentOf(a)
	}
	if r := conv.Recipient; r != nil {
		if n := r.Name.Trim(); n != "" {
			in.Customer.Name = inbound.Cut(n, maxText)
		}
		setHandle(in, r.Handle.Trim())
		if err := c.enrichContact(ctx, in, r.Links.Related.Contact.Trim(), r.Handle.Trim()); err != nil {
			return err
		}
	}
	if aid := in.Agent.ExternalID; idRE.MatchString(aid) && in.Agent.Email == "" {
		var t teammate
		if err := c.call(ctx, http.MethodGet, "/teammates/"+aid, nil, &t, "read teammate"); err != nil {
			return err
		}
		in.Agent = agentOf(&t)
	}
	return nil
}

// enrichContact reads the contact the recipient links to: its name, its
// first email and phone handles, and the channel of the recipient's
// handle.
func (c *Client) enrichContact(ctx context.Context, in *plaudit.Interaction, link, recipient string) error {
	cid := path.Base(link)
	if link == "" || !idRE.MatchString(cid) {
		return nil
	}
	var ct apiContact
	if err := c.call(ctx, http.MethodGet, "/contacts/"+cid, nil, &ct, "read contact"); err != nil {
		return err
	}
	if n := strings.TrimSpace(ct.Name); n != "" {
		in.Customer.Name = inbound.Cut(n, maxText)
	}
	for _, h := range ct.Handles {
		v := strings.TrimSpace(h.Handle)
		switch {
		case h.Source == "email" && in.Customer.Email == "":
			in.Customer.Email = inbound.Cut(v, 320)
		case (h.Source == "phone" || h.Source == "whatsapp") && in.Customer.Phone == "" && phoneRE.MatchString(v):
			in.Customer.Phone = v
		}
		if v == recipient && h.Source != "" {
			if ch, ok := handleChannels[h.Source]; ok {
				in.Channel = ch
			} else {
				in.Channel = inbound.Channel(inbound.Cut(h.Source, maxText))
			}
		}
	}
	return nil
}

// Writeback reads the conversation (a deleted one ends the writeback),
// sets the configured custom fields, adds the configured tags, then adds
// the response as a comment, which only teammates see. The comment goes
// last because it alone is not idempotent.
func (c *Client) Writeback(ctx context.Context, w plaudit.Writeback) error {
	id := note.TicketID(w)
	if !idRE.MatchString(id) {
		return plaudit.Permanent("front: conversation id is not valid", fmt.Errorf("front: writeback: conversation id is not a Front id"))
	}
	var conv conversation
	if err := c.call(ctx, http.MethodGet, "/conversations/"+id, nil, &conv, "read conversation"); err != nil {
		return err
	}
	if conv.Status.Trim() == "deleted" {
		return plaudit.Permanent("front: conversation is deleted", fmt.Errorf("front: writeback: conversation is deleted"))
	}
	if fields := note.Fields(c.cfg.RatingField, c.cfg.CommentField, w.Response); fields != nil {
		// Front replaces a conversation's custom fields as a whole: send
		// the ones it has with ours.
		merged := map[string]any{}
		for k, v := range conv.CustomFields {
			merged[k] = v
		}
		for k, v := range fields {
			merged[k] = v
		}
		if err := c.call(ctx, http.MethodPatch, "/conversations/"+id, map[string]any{"custom_fields": merged}, nil, "update conversation"); err != nil {
			return err
		}
	}
	if len(c.cfg.Tags) > 0 {
		ids, err := c.tagIDsOf(ctx)
		if err != nil {
			return err
		}
		if err := c.call(ctx, http.MethodPost, "/conversations/"+id+"/tags", map[string][]string{"tag_ids": ids}, nil, "tag conversation"); err != nil {
			return err
		}
	}
	return c.call(ctx, http.MethodPost, "/conversations/"+id+"/comments", map[string]string{"body": note.Text(w)}, nil, "add comment")
}

// call makes one API call and decodes a 2xx answer into out (when not
// nil); a refusal is classified by Plaudit's error contract.
func (c *Client) call(ctx context.Context, method, p string, payload, out any, op string) error {
	_, err := c.api.Call(ctx, method, p, payload, out, op, func(a httpx.Answer) error {
		return c.api.Refusal(op, a, a.Header.Get("Retry-After"), rejection(a))
	})
	return err
}

// rejection says why Front refused a request, with the title of its
// {"_error":{"title":…}} as the code. Front throttles with 429 and
// Retry-After (seconds); its error messages are not kept: they may quote
// data.
func rejection(a httpx.Answer) string {
	var e struct {
		Error struct {
			Title string `json:"title"`
		} `json:"_error"`
	}
	_ = json.Unmarshal(a.Body, &e)
	return httpx.Reason(a.Status, "conversation not found", httpx.SafeCode(strings.ReplaceAll(e.Error.Title, " ", "_")))
}
