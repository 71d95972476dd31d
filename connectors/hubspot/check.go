package hubspot

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
)

// probes are the reads Plaudit makes with the token, each with the scope
// a private app needs for it: tickets (read the ticket, write properties
// and notes on it), contacts and owners (read the customer and the agent).
var probes = []struct{ path, scope string }{
	{"/crm/v3/objects/tickets?limit=1", "tickets"},
	{"/crm/v3/objects/contacts?limit=1", "crm.objects.contacts.read"},
	{"/crm/v3/owners?limit=1", "crm.objects.owners.read"},
}

// Test reads one ticket, one contact and one owner with the stored access
// token, and says in plain words what is wrong: a token HubSpot refuses, a
// scope the private app lacks, a base_url where no HubSpot answers.
func (c *Client) Test(ctx context.Context) error {
	for _, p := range probes {
		resp, answer, err := c.api.Do(ctx, http.MethodGet, p.path, nil)
		if err != nil {
			if errors.Is(err, egress.ErrForbiddenAddress) {
				return plaudit.Errorf(plaudit.EInvalid, "base_url points to an address Plaudit may not call")
			}
			return plaudit.Errorf(plaudit.EUnavailable, "HubSpot could not be reached: check base_url, or try again later")
		}
		if err := testAnswer(resp.StatusCode, p.scope, answer); err != nil {
			return err
		}
	}
	return nil
}

// testAnswer words one probe's answer for a tenant admin.
func testAnswer(status int, scope string, answer []byte) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusUnauthorized:
		return plaudit.Errorf(plaudit.EInvalid, "HubSpot refused the access token (401): copy the private app's access token into access_token again")
	case status == http.StatusForbidden:
		missing := readError(answer).missingScopes()
		if len(missing) == 0 {
			missing = []string{scope}
		}
		return plaudit.Errorf(plaudit.EInvalid, "the HubSpot private app lacks the scope %s (403): add it under the app's Scopes and copy the new token", strings.Join(missing, ", "))
	case status == http.StatusNotFound:
		return plaudit.Errorf(plaudit.EInvalid, "no HubSpot API answers at base_url (404): leave base_url empty for %s", DefaultBaseURL)
	case status == http.StatusTooManyRequests:
		return plaudit.Errorf(plaudit.EUnavailable, "HubSpot is rate limiting this account (429): try again in a minute")
	case status >= 500:
		return plaudit.Errorf(plaudit.EUnavailable, "HubSpot is not answering properly (%d): try again later", status)
	}
	return plaudit.Errorf(plaudit.EInvalid, "HubSpot refused the request (%d)", status)
}
