package note

import (
	"html"
	"strings"

	"github.com/plaudit/plaudit"
)

// Fields are the values a response writes into a helpdesk's own fields
// (custom fields, attributes, properties), keyed by the names the
// connector is configured with: the score under rating when there is a
// score, the comment under comment when there is one. An empty name, or
// nothing to write, leaves its entry out; nil when nothing is left.
func Fields(rating, comment string, r plaudit.Response) map[string]any {
	out := map[string]any{}
	if rating != "" && r.Score > 0 {
		out[rating] = r.Score
	}
	if c := strings.TrimSpace(r.Comment); comment != "" && c != "" {
		out[comment] = r.Comment
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// TicketID is the helpdesk's id of the ticket or conversation a
// writeback is about: the interaction's, else the request's or the
// response's copy of it.
func TicketID(w plaudit.Writeback) string {
	for _, id := range []string{w.Interaction.ExternalID, w.Request.TicketID, w.Response.TicketID} {
		if id = strings.TrimSpace(id); id != "" {
			return id
		}
	}
	return ""
}

// HTML is Text as HTML paragraphs, one a line, escaped: for helpdesks
// that read a note's body as HTML (Intercom, Help Scout), where the
// text's line breaks would otherwise be lost and a comment's "<" taken
// for markup.
func HTML(w plaudit.Writeback) string {
	var b strings.Builder
	for _, line := range strings.Split(Text(w), "\n") {
		b.WriteString("<p>" + html.EscapeString(line) + "</p>")
	}
	return b.String()
}
