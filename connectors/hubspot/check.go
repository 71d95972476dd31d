package hubspot

import (
	"context"
	"net/http"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/probe"
)

// probes are the reads Plaudit makes with the token, each with the scope
// a private app needs for it: tickets (read the ticket, write properties
// and notes on it), contacts and owners (read the customer and the agent).
var probes = []struct{ path, scope string }{
	{"/crm/v3/objects/tickets?limit=1", "tickets"},
	{"/crm/v3/objects/contacts?limit=1", "crm.objects.contacts.read"},
	{"/crm/v3/owners?limit=1", "crm.objects.owners.read"},
}

// words says what a connector test found, in the terms of this kind.
var words = probe.Words{
	System:       "HubSpot",
	Address:      "base_url",
	Tone:         probe.Plain,
	Unauthorized: "HubSpot refused the access token (401): copy the private app's access token into access_token again",
	NotFound:     "no HubSpot API answers at base_url (404): leave base_url empty for " + DefaultBaseURL,
}

// Test reads one ticket, one contact and one owner with the stored access
// token, and says in plain words what is wrong: a token HubSpot refuses, a
// scope the private app lacks, a base_url where no HubSpot answers.
func (c *Client) Test(ctx context.Context) error {
	for _, p := range probes {
		a, err := c.api.Send(ctx, http.MethodGet, p.path, nil, "test")
		if a.Status == http.StatusForbidden {
			return lacksScope(p.scope, a.Body)
		}
		if err := words.Result(a, err); err != nil {
			return err
		}
	}
	return nil
}

// lacksScope words a 403: the scopes HubSpot says the app lacks, else the
// one the probe needs.
func lacksScope(scope string, answer []byte) error {
	missing := readError(answer).missingScopes()
	if len(missing) == 0 {
		missing = []string{scope}
	}
	return plaudit.Errorf(plaudit.EInvalid, "the HubSpot private app lacks the scope %s (403): add it under the app's Scopes and copy the new token", strings.Join(missing, ", "))
}
