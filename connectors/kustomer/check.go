package kustomer

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/probe"
)

// A role an API key needs, by the name Kustomer gives it now and by its
// legacy name (both still work).
type role struct{ name, legacy string }

var (
	// readProbes are reads Plaudit makes, each with the role it needs.
	readProbes = []struct {
		path string
		role role
	}{
		{"/v1/conversations?pageSize=1", role{"org.permission.conversation.read", "org.user.conversation.read"}},
		{"/v1/customers?pageSize=1", role{"org.permission.customer.read", "org.user.customer.read"}},
		{"/v1/users?pageSize=1", role{"org.permission.user.read", "org.user.user.read"}},
	}
	// Writes cannot be probed without writing; the key's roles tell.
	noteRole   = role{"org.permission.note.create", "org.user.note.write"}
	updateRole = role{"org.permission.conversation.update", "org.user.conversation.write"}
)

// Test checks the stored API key: that Kustomer accepts it, that it may
// read conversations, customers and users, and, as far as the key lists
// its roles, that it may add notes (and update conversations when
// attributes or tags are configured). It says what is wrong in plain
// words.
func (c *Client) Test(ctx context.Context) error {
	var tok struct {
		Data struct {
			Attributes struct {
				Roles []string `json:"roles"`
			} `json:"attributes"`
		} `json:"data"`
	}
	answer, err := c.tryRead(ctx, "/v1/auth/tokens/current", role{})
	if err != nil {
		return err
	}
	_ = json.Unmarshal(answer, &tok)
	for _, p := range readProbes {
		if _, err := c.tryRead(ctx, p.path, p.role); err != nil {
			return err
		}
	}
	roles := tok.Data.Attributes.Roles
	if len(roles) == 0 || slices.Contains(roles, "org.admin") {
		return nil
	}
	need := []role{noteRole}
	if c.cfg.RatingAttribute != "" || c.cfg.CommentAttribute != "" || len(c.cfg.Tags) > 0 {
		need = append(need, updateRole)
	}
	for _, r := range need {
		if !slices.Contains(roles, r.name) && !slices.Contains(roles, r.legacy) {
			return lacksRole(r, "")
		}
	}
	return nil
}

// words says what a connector test found, in the terms of this kind.
var words = probe.Words{
	System:       "Kustomer",
	Address:      "base_url",
	Tone:         probe.Plain,
	Account:      "organization",
	Unauthorized: "Kustomer refused the API key (401): copy the key's token into api_key again",
	NotFound:     "no Kustomer API answers at base_url (404): use https://{your organization}.api.kustomerapp.com",
}

// tryRead makes one read and words a failure for a tenant admin: a 403 is
// the role r (when the read needs one) that the key lacks.
func (c *Client) tryRead(ctx context.Context, path string, r role) ([]byte, error) {
	a, err := c.api.Send(ctx, http.MethodGet, path, nil, "test")
	if a.Status == http.StatusForbidden && r.name != "" {
		return nil, lacksRole(r, " (403)")
	}
	return a.Body, words.Result(a, err)
}

func lacksRole(r role, status string) error {
	return plaudit.Errorf(plaudit.EInvalid, "the Kustomer API key lacks the role %s%s: make a key with it (a key's roles cannot be changed)", r.name, status)
}
