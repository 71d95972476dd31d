package kustomer

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
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
	answer, err := c.probe(ctx, "/v1/auth/tokens/current", role{})
	if err != nil {
		return err
	}
	_ = json.Unmarshal(answer, &tok)
	for _, p := range readProbes {
		if _, err := c.probe(ctx, p.path, p.role); err != nil {
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

// probe makes one read and words a failure for a tenant admin.
func (c *Client) probe(ctx context.Context, path string, r role) ([]byte, error) {
	resp, answer, err := c.api.Do(ctx, http.MethodGet, path, nil)
	if err != nil {
		if errors.Is(err, egress.ErrForbiddenAddress) {
			return nil, plaudit.Errorf(plaudit.EInvalid, "base_url points to an address Plaudit may not call")
		}
		return nil, plaudit.Errorf(plaudit.EUnavailable, "Kustomer could not be reached: check base_url, or try again later")
	}
	switch status := resp.StatusCode; {
	case status >= 200 && status < 300:
		return answer, nil
	case status == http.StatusUnauthorized:
		return nil, plaudit.Errorf(plaudit.EInvalid, "Kustomer refused the API key (401): copy the key's token into api_key again")
	case status == http.StatusForbidden && r.name != "":
		return nil, lacksRole(r, " (403)")
	case status == http.StatusNotFound:
		return nil, plaudit.Errorf(plaudit.EInvalid, "no Kustomer API answers at base_url (404): use https://{your organization}.api.kustomerapp.com")
	case status == http.StatusTooManyRequests:
		return nil, plaudit.Errorf(plaudit.EUnavailable, "Kustomer is rate limiting this organization (429): try again in a minute")
	case status >= 500:
		return nil, plaudit.Errorf(plaudit.EUnavailable, "Kustomer is not answering properly (%d): try again later", status)
	default:
		return nil, plaudit.Errorf(plaudit.EInvalid, "Kustomer refused the request (%d)", status)
	}
}

func lacksRole(r role, status string) error {
	return plaudit.Errorf(plaudit.EInvalid, "the Kustomer API key lacks the role %s%s: make a key with it (a key's roles cannot be changed)", r.name, status)
}
