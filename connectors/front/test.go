package front

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/probe"
)

// Words of a connector test, for the token and for its scope.
var (
	tokenWords = probe.Words{System: "Front", Address: "config.base_url", Tone: probe.Brief,
		Unauthorized: "Front refused the API token (401): check config.api_token"}
	scopeWords = probe.Words{System: "Front", Address: "config.base_url", Tone: probe.Brief,
		Unauthorized: tokenWords.Unauthorized,
		Forbidden:    "the API token lacks a scope (403): give it read and write access to shared resources"}
)

// Test checks the API token (GET /me), its access to conversations, and
// that the configured custom fields exist on conversations.
func (c *Client) Test(ctx context.Context) error {
	if _, err := tokenWords.Get(ctx, c.api, "/me"); err != nil {
		return err
	}
	body, err := scopeWords.Get(ctx, c.api, "/conversations/custom_fields")
	if err != nil {
		return err
	}
	var fields struct {
		Results []struct {
			Name string `json:"name"`
		} `json:"_results"`
	}
	if err := json.Unmarshal(body, &fields); err != nil {
		return plaudit.Errorf(plaudit.EUnavailable, "Front's answer could not be read; try again later")
	}
	names := make([]string, 0, len(fields.Results))
	for _, f := range fields.Results {
		names = append(names, f.Name)
	}
	for _, f := range []struct{ key, name string }{{"rating_field", c.cfg.RatingField}, {"comment_field", c.cfg.CommentField}} {
		if f.name != "" && !slices.Contains(names, f.name) {
			return plaudit.Errorf(plaudit.EInvalid, "config.%s: Front has no conversation custom field of that name", f.key)
		}
	}
	return nil
}
