package zendesk

import (
	"context"
	"encoding/json"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/probe"
)

// words says what a connector test found, in Zendesk's terms.
var words = probe.Words{
	System:  "Zendesk",
	Address: "config.subdomain (or config.base_url)",
	Unauthorized: "Zendesk refused the API token (401): check config.email and config.api_token, and that token access is " +
		"on (Admin Center → Apps and integrations → Zendesk API)",
	Forbidden: "Zendesk denied access (403): the user of config.email may not use the API, or the account limits API access",
	NotFound:  "no Zendesk account answers at this address (404): check config.subdomain",
}

// Test reads the API user (GET /api/v2/users/me): Zendesk answers it for
// any valid credentials, and the user's role says whether it may write
// internal notes, which end users may not.
func (c *Client) Test(ctx context.Context) error {
	body, err := words.Get(ctx, c.api, "/api/v2/users/me.json")
	if err != nil {
		return err
	}
	var me struct {
		User *struct {
			ID   *int64 `json:"id"`
			Role string `json:"role"`
		} `json:"user"`
	}
	if json.Unmarshal(body, &me) != nil || me.User == nil {
		return words.NotTheAPI()
	}
	switch {
	case me.User.ID == nil:
		// Zendesk answers requests it cannot authenticate as the
		// anonymous user, with a 200.
		return plaudit.Errorf(plaudit.EInvalid, "Zendesk did not sign the API user in: check config.email and config.api_token")
	case me.User.Role == "end-user":
		return plaudit.Errorf(plaudit.EInvalid, "config.email is an end user in Zendesk: internal notes need an agent or an admin")
	}
	return nil
}
