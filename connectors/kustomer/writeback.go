package kustomer

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
	"github.com/plaudit/plaudit/connectors/internal/note"
)

const (
	// maxNote is Kustomer's limit on a note's body, in characters.
	maxNote = 10240
	// maxAttribute is Kustomer's limit on a Str or Txt custom attribute.
	maxAttribute = 1024
)

// Writeback sets the configured custom attributes (score, comment) and
// adds the configured tags, then adds a note with the response to the
// conversation. Notes are internal to Kustomer: the customer never sees
// them. The note goes last, so that a retry after a failed step repeats
// only what is idempotent; a deleted conversation (404) ends the
// writeback.
func (c *Client) Writeback(ctx context.Context, w plaudit.Writeback) error {
	id := note.TicketID(w)
	if !idRE.MatchString(id) {
		return plaudit.Permanent("kustomer: conversation id is not valid", fmt.Errorf("kustomer: writeback: conversation id is not valid"))
	}
	if custom := c.custom(w.Response); len(custom) > 0 {
		payload := map[string]any{"custom": custom}
		if _, err := c.call(ctx, http.MethodPatch, conversationPath+id, payload, nil, "update conversation", "conversation"); err != nil {
			return err
		}
	}
	if len(c.cfg.Tags) > 0 {
		payload := map[string]any{"tags": c.cfg.Tags}
		if _, err := c.call(ctx, http.MethodPost, conversationPath+id+"/tags", payload, nil, "add tags", "conversation"); err != nil {
			return err
		}
	}
	payload := map[string]string{"body": inbound.Cut(note.Text(w), maxNote)}
	_, err := c.call(ctx, http.MethodPost, conversationPath+id+"/notes", payload, nil, "add note", "conversation")
	return err
}

// custom are the conversation custom attributes a response sets: the
// score as a number (…Num) or a string (…Str), the comment as a string.
func (c *Client) custom(r plaudit.Response) map[string]any {
	custom := map[string]any{}
	if a := c.cfg.RatingAttribute; a != "" && r.Score > 0 {
		if strings.HasSuffix(a, "Num") {
			custom[a] = r.Score
		} else {
			custom[a] = fmt.Sprint(r.Score)
		}
	}
	if a := c.cfg.CommentAttribute; a != "" && strings.TrimSpace(r.Comment) != "" {
		custom[a] = inbound.Cut(r.Comment, maxAttribute)
	}
	return custom
}
