// Package note writes the text of the private note that a response
// becomes on a ticket, the same for every helpdesk.
package note

import (
	"html"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
)

// Text is the internal note written to a ticket for a response, in
// English, the working language of most support teams' tools:
//
//	Customer feedback via Plaudit: 5/5 ★★★★★
//	Comment: quick and kind
//	Strengths: friendly, fast
//	To improve: clarity
//	Reward: yes
//	Response: https://feedback.example.com/console/responses/rsp_…
//
// A later addition to a response already written back starts with
// "Feedback updated via Plaudit". Lines without content are left out.
func Text(w plaudit.Writeback) string {
	r := w.Response
	var b strings.Builder
	if w.Update {
		b.WriteString("Feedback updated via Plaudit: ")
	} else {
		b.WriteString("Customer feedback via Plaudit: ")
	}
	if r.Score >= 1 && r.Score <= 5 {
		b.WriteString(strconv.Itoa(r.Score) + "/5 " + strings.Repeat("★", r.Score) + strings.Repeat("☆", 5-r.Score))
	} else {
		b.WriteString("no score")
	}
	if r.Test {
		b.WriteString(" (test)")
	}
	if c := strings.TrimSpace(r.Comment); c != "" {
		b.WriteString("\nComment: " + c)
	}
	if len(r.Excellence) > 0 {
		b.WriteString("\nStrengths: " + areas(r.Excellence))
	}
	if len(r.Improvement) > 0 {
		b.WriteString("\nTo improve: " + areas(r.Improvement))
	}
	if r.Reward {
		b.WriteString("\nReward: yes")
	}
	if w.ResponseURL != "" {
		b.WriteString("\nResponse: " + w.ResponseURL)
	}
	return b.String()
}

// HTML is Text for helpdesks whose notes are HTML (Freshdesk, Gladly):
// each line escaped, the lines joined by <br>, so that a comment cannot
// add markup and the note keeps its lines.
func HTML(w plaudit.Writeback) string {
	lines := strings.Split(Text(w), "\n")
	for i, l := range lines {
		lines[i] = html.EscapeString(l)
	}
	return strings.Join(lines, "<br>")
}

func areas(ids []string) string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, strings.ReplaceAll(id, "_", " "))
		}
	}
	return strings.Join(out, ", ")
}

// CutUTF8 returns the longest prefix of s that is at most n bytes long and
// ends on a character boundary.
func CutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// TicketID is the helpdesk's id of the ticket (or conversation) a
// writeback is for: the interaction's, else the request's or the
// response's.
func TicketID(w plaudit.Writeback) string {
	for _, id := range []string{w.Interaction.ExternalID, w.Request.TicketID, w.Response.TicketID} {
		if id = strings.TrimSpace(id); id != "" {
			return id
		}
	}
	return ""
}
