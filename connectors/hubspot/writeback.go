package hubspot

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
	"github.com/plaudit/plaudit/connectors/internal/note"
)

const (
	notesPath = "/crm/v3/objects/notes"
	// noteToTicket is HubSpot's association type "note to ticket"
	// (HUBSPOT_DEFINED).
	noteToTicket = 228
	// maxNoteBody bounds hs_note_body (HubSpot allows 65,536 characters).
	maxNoteBody = 60000
)

// noteInput is the body of POST /crm/v3/objects/notes.
type noteInput struct {
	Properties   map[string]string `json:"properties"`
	Associations []association     `json:"associations"`
}

type association struct {
	To struct {
		ID string `json:"id"`
	} `json:"to"`
	Types []associationType `json:"types"`
}

type associationType struct {
	Category string `json:"associationCategory"`
	TypeID   int    `json:"associationTypeId"`
}

// Writeback sets the configured ticket properties (score, comment), then
// adds a note with the response to the ticket. Notes are internal to
// HubSpot: the customer never sees them. The properties go first, so that
// a retry after a failed note repeats only what is idempotent, and a
// deleted ticket (404) ends the writeback before a note is made that
// belongs to nothing.
func (c *Client) Writeback(ctx context.Context, w plaudit.Writeback) error {
	id := note.TicketID(w)
	if !inbound.Digits(id) {
		return plaudit.Permanent("hubspot: ticket id is not valid", fmt.Errorf("hubspot: writeback: ticket id is not a number"))
	}
	if props := c.properties(w.Response); len(props) > 0 {
		payload := map[string]any{"properties": props}
		if _, err := c.call(ctx, http.MethodPatch, ticketPath+id, payload, nil, "update ticket", "ticket"); err != nil {
			return err
		}
	} else if _, err := c.call(ctx, http.MethodGet, ticketPath+id+"?properties=hs_pipeline_stage", nil, nil, "read ticket", "ticket"); err != nil {
		return err
	}
	_, err := c.call(ctx, http.MethodPost, notesPath, newNote(id, w), nil, "add note", "ticket")
	return err
}

// properties are the ticket properties a response sets. HubSpot takes
// every property value as a string.
func (c *Client) properties(r plaudit.Response) map[string]string {
	props := map[string]string{}
	if c.cfg.RatingProperty != "" && r.Score > 0 {
		props[c.cfg.RatingProperty] = strconv.Itoa(r.Score)
	}
	if c.cfg.CommentProperty != "" && strings.TrimSpace(r.Comment) != "" {
		props[c.cfg.CommentProperty] = note.CutUTF8(r.Comment, maxNoteBody)
	}
	return props
}

// newNote is the note for a response, associated with the ticket. Its
// body is HTML: the note's lines, escaped, with line breaks.
func newNote(ticketID string, w plaudit.Writeback) noteInput {
	lines := strings.Split(note.Text(w), "\n")
	for i, l := range lines {
		lines[i] = html.EscapeString(l)
	}
	a := association{Types: []associationType{{Category: "HUBSPOT_DEFINED", TypeID: noteToTicket}}}
	a.To.ID = ticketID
	return noteInput{
		Properties: map[string]string{
			"hs_timestamp": noteTime(w).UTC().Format("2006-01-02T15:04:05.000Z"),
			"hs_note_body": note.CutUTF8(strings.Join(lines, "<br>"), maxNoteBody),
		},
		Associations: []association{a},
	}
}

// noteTime is when the customer answered (or changed the answer), which
// places the note on the ticket's timeline.
func noteTime(w plaudit.Writeback) time.Time {
	t := w.Response.CreatedAt
	if w.Update && !w.Response.UpdatedAt.IsZero() {
		t = w.Response.UpdatedAt
	}
	if t.IsZero() {
		t = time.Now()
	}
	return t
}
