package note

import (
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
