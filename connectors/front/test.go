package front

import (
	"context"
	"net/http"
	"slices"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/apicall"
)

// Test checks the API token (GET /me), its access to conversations, and
// that the configured custom fields exist on conversations.
func (c *Client) Test(ctx context.Context) error {
	a, err := c.api.Do(ctx, http.MethodGet, c.cfg.BaseURL+"/me", nil, "test token")
	if err := apicall.TestResult("Front", a, err, map[int]string{
		http.StatusUnauthorized: "Front refused the API token (401): check config.api_token",
	}); err != nil {
		return err
	}
	a, err = c.api.Do(ctx, http.MethodGet, c.cfg.BaseURL+"/conversations/custom_fields", nil, "test scope")
	if err := apicall.TestResult("Front", a, err, map[int]string{
		http.StatusUnauthorized: "Front refused the API token (401): check config.api_token",
		http.StatusForbidden:    "the API token lacks a scope (403): give it read and write access to shared resources",
	}); err != nil {
		return err
	}
	var fields struct {
		Results []struct {
			Name string `json:"name"`
		} `json:"_results"`
	}
	if err := apicall.Decode(Name, "test scope", a, &fields); err != nil {
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
