package gladly

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/note"
	"github.com/plaudit/plaudit/connectors/internal/probe"
	"github.com/plaudit/plaudit/internal/httpx"
)

// Writeback adds the response to the conversation as a note, after
// setting the configured custom attributes. The attributes go first
// because adding one that the conversation already has changes nothing:
// a retry after a throttled call adds no second note.
func (c *Client) Writeback(ctx context.Context, w plaudit.Writeback) error {
	id := note.TicketID(w)
	if !idRE.MatchString(id) {
		return plaudit.Permanent("gladly: conversation id is not valid", fmt.Errorf("gladly: writeback: conversation id is not a Gladly id"))
	}
	if err := c.setAttributes(ctx, id, w.Response); err != nil {
		return err
	}
	var n struct {
		Content struct {
			Body string `json:"body"`
		} `json:"content"`
	}
	n.Content.Body = note.HTML(w)
	return c.call(ctx, http.MethodPost, "/api/v1/conversations/"+id+"/notes", n, nil, "add note")
}

// setAttributes adds the score and the comment as conversation custom
// attributes (Gladly's "freeform topics"), when configured. The endpoint
// is addressed through the customer, so the conversation is read first.
func (c *Client) setAttributes(ctx context.Context, id string, r plaudit.Response) error {
	type attribute struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	var add []attribute
	if c.cfg.RatingAttribute != "" && r.Score > 0 {
		add = append(add, attribute{c.cfg.RatingAttribute, strconv.Itoa(r.Score)})
	}
	if c.cfg.CommentAttribute != "" && strings.TrimSpace(r.Comment) != "" {
		add = append(add, attribute{c.cfg.CommentAttribute, r.Comment})
	}
	if len(add) == 0 {
		return nil
	}
	var conv struct {
		CustomerID string `json:"customerId"`
	}
	if err := c.call(ctx, http.MethodGet, "/api/v1/conversations/"+id, nil, &conv, "read conversation"); err != nil {
		return err
	}
	if !idRE.MatchString(conv.CustomerID) {
		return fmt.Errorf("gladly: read conversation: no customer id in the answer")
	}
	body := struct {
		Add []attribute `json:"add"`
	}{add}
	return c.call(ctx, http.MethodPost, "/api/v1/customer-history/"+conv.CustomerID+"/conversations/"+id+"/custom-attributes",
		body, nil, "set custom attributes")
}

// words says what a connector test found, in the terms of this kind.
var words = probe.Words{
	System:       "Gladly",
	Address:      "config.base_url",
	Unauthorized: "Gladly refused the API user or token (401): check config.api_user and config.api_token",
	Forbidden:    "Gladly denied access (403): give config.api_user the API User permission (Settings → Users)",
	NotFound:     "no Gladly organization answers at this address (404): check config.base_url",
}

// Test reads the organization (GET /api/v1/organization), which any API
// user may do.
func (c *Client) Test(ctx context.Context) error {
	return words.GetObject(ctx, c.api, "/api/v1/organization")
}

// call makes one API call and decodes a 2xx answer into out (when not
// nil).
func (c *Client) call(ctx context.Context, method, path string, payload, out any, op string) error {
	_, err := c.api.Call(ctx, method, path, payload, out, op, c.refused(op))
	return err
}

// refused classifies Gladly's refusal of a call by Plaudit's error
// contract; its 301 for a customer profile merged into another is a
// *movedError that carries the new id.
func (c *Client) refused(op string) func(httpx.Answer) error {
	return func(a httpx.Answer) error {
		err := c.api.Refusal(op, a, retryAfter(a.Header), rejection(a.Status, a.Body))
		if id := mergedInto(a.Status, a.Body); id != "" {
			return &movedError{newID: id, err: err}
		}
		return err
	}
}

// mergedInto reads the new id from Gladly's 301 for a customer profile
// merged into another: {"errors":[{"code":"moved","meta":{"new":…}}]}.
func mergedInto(code int, answer []byte) string {
	if code != http.StatusMovedPermanently {
		return ""
	}
	var e struct {
		Errors []struct {
			Code string `json:"code"`
			Meta struct {
				New string `json:"new"`
			} `json:"meta"`
		} `json:"errors"`
	}
	if json.Unmarshal(answer, &e) != nil || len(e.Errors) == 0 || e.Errors[0].Code != "moved" || !idRE.MatchString(e.Errors[0].Meta.New) {
		return ""
	}
	return e.Errors[0].Meta.New
}

// perSecondWait is the wait after a 429 that does not say how long:
// Gladly counts its limits per second (Ratelimit-Remaining-Second), so a
// few seconds are enough, and the queue's own spread keeps the retries
// of many writebacks from landing together.
const perSecondWait = "5"

// retryAfter is Retry-After when Gladly sends it, else a short wait when
// its per-second limit headers show.
func retryAfter(h http.Header) string {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		return v
	}
	if h.Get("Ratelimit-Remaining-Second") != "" || h.Get("Ratelimit-Limit-Second") != "" {
		return perSecondWait
	}
	return ""
}

// rejection says why Gladly refused a request, for tenant admins. Gladly's
// error details are not kept (they may quote customer data); its error
// codes and the attributes they concern are.
func rejection(code int, answer []byte) string {
	switch code {
	case http.StatusUnauthorized:
		return "authentication failed (401): check the API user and token"
	case http.StatusForbidden:
		return "permission denied (403): the API user lacks the API User permission"
	case http.StatusNotFound:
		return "conversation not found (404" + errorCode(answer) + ")"
	case http.StatusMovedPermanently:
		return "customer profile merged into another (301)"
	}
	return "request rejected (" + strconv.Itoa(code) + errorCode(answer) + ")"
}

// errorCode reads Gladly's {"errors":[{"attr":"content","code":"blank"}]}
// as " blank content".
func errorCode(answer []byte) string {
	if s := httpx.ErrorCodes(answer, "code", "attr"); s != "" {
		return " " + s
	}
	return ""
}
