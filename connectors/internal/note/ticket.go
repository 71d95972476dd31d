package note

import (
	"strings"

	"github.com/plaudit/plaudit"
)

// TicketID is the helpdesk's id of the ticket (case, conversation) a
// writeback goes to: the interaction's, else the request's or the
// response's, which keep it when the interaction was erased.
func TicketID(w plaudit.Writeback) string {
	for _, id := range []string{w.Interaction.ExternalID, w.Request.TicketID, w.Response.TicketID} {
		if id = strings.TrimSpace(id); id != "" {
			return id
		}
	}
	return ""
}
