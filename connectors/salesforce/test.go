package salesforce

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/probe"
	"github.com/plaudit/plaudit/internal/httpx"
)

// Words of a connector test, for the token endpoint and for the REST API
// at the instance the token answer names.
var (
	loginWords = probe.Words{
		System:       "Salesforce",
		Address:      "config.login_url",
		Unauthorized: "Salesforce refused the client credentials (401): check config.client_id and config.client_secret",
		Forbidden:    "Salesforce refused the token request (403): check that the app may be used from Plaudit's address",
		NotFound:     "no Salesforce login answers at config.login_url (404): use your My Domain address",
	}
	restWords = probe.Words{
		System:       "Salesforce",
		Address:      "the instance_url of Salesforce's token answer",
		Unauthorized: "Salesforce refused the token it had just issued (401): give the app the OAuth scope api",
		Forbidden:    "the integration user may not use the REST API (403): give it the API Enabled permission",
		NotFound:     "this org has no REST API version config.api_version (404): use one it supports, such as v60.0",
	}
)

// Test gets a new token with the stored credentials, as a writeback
// would, and reads one Case with the configured rating_field and
// comment_field through the REST API: so a wrong client secret, a flow
// not enabled on the app, an integration user without access to Cases and
// a field name the user cannot see each show up before the first
// response does. A token held for writebacks is neither used nor changed.
func (c *Client) Test(ctx context.Context) error {
	a, err := c.postToken(ctx)
	if err != nil {
		return loginWords.Unreachable(err)
	}
	if a.status < 200 || a.status >= 300 {
		return c.tokenRefusal(a)
	}
	tok, err := parseToken(a.body)
	if err != nil {
		return loginWords.NotTheAPI()
	}
	req, err := c.restRequest(ctx, tok, http.MethodGet, "/query?"+url.Values{"q": {c.testQuery()}}.Encode(), nil)
	if err != nil {
		return restWords.Unreachable(err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return restWords.Unreachable(err)
	}
	answer := httpx.ReadBody(resp)
	if err := restRefusal(resp.StatusCode, errorCode(answer)); err != nil {
		return err
	}
	var q struct {
		TotalSize *int `json:"totalSize"`
	}
	if json.Unmarshal(answer, &q) != nil || q.TotalSize == nil {
		return restWords.NotTheAPI()
	}
	return nil
}

// testQuery reads one Case's id and the fields Plaudit writes.
func (c *Client) testQuery() string {
	fields := []string{"Id"}
	for _, f := range []string{c.cfg.RatingField, c.cfg.CommentField} {
		if f != "" {
			fields = append(fields, f)
		}
	}
	return "SELECT " + strings.Join(fields, ", ") + " FROM Case LIMIT 1"
}

// tokenRefusal words the token endpoint's refusal by its OAuth error
// code, for the flow that is configured.
func (c *Client) tokenRefusal(a tokenAnswer) error {
	jwt := c.key != nil
	code := oauthError(a.body)
	switch {
	case code == "invalid_client_id":
		return plaudit.Errorf(plaudit.EInvalid, "Salesforce does not know config.client_id (invalid_client_id): use the consumer key of the app")
	case code == "invalid_client" && !jwt:
		return plaudit.Errorf(plaudit.EInvalid, "Salesforce refused the client credentials (invalid_client): check config.client_id and config.client_secret")
	case code == "invalid_grant" && jwt:
		return plaudit.Errorf(plaudit.EInvalid, "Salesforce refused the JWT (invalid_grant): check config.username, that the app holds the certificate of "+
			"config.private_key, that the user is pre-authorized for the app, and that config.login_url is the JWT's audience")
	case code == "invalid_grant":
		return plaudit.Errorf(plaudit.EInvalid, "Salesforce refused the client credentials flow (invalid_grant): enable it on the app and set its Run As user")
	case code == "unsupported_grant_type":
		return plaudit.Errorf(plaudit.EInvalid, "the app does not allow this flow (unsupported_grant_type): enable the client credentials flow "+
			"(or, with config.private_key, digital signatures) on the app")
	case code == "invalid_request" && !jwt:
		return plaudit.Errorf(plaudit.EInvalid, "Salesforce refused the token request (invalid_request): the client credentials flow needs your "+
			"My Domain address as config.login_url (https://{domain}.my.salesforce.com)")
	case code != "" && a.status < 500 && a.status != http.StatusTooManyRequests:
		return plaudit.Errorf(plaudit.EInvalid, "Salesforce refused the token request (%s)", code)
	}
	return loginWords.Answer(a.status)
}

// restRefusal words a REST refusal by Salesforce's errorCode, then by
// its status; nil for a 2xx answer.
func restRefusal(status int, code string) error {
	if status >= 200 && status < 300 {
		return nil
	}
	switch code {
	case "INVALID_FIELD":
		return plaudit.Errorf(plaudit.EInvalid, "Case has no field named in config.rating_field or config.comment_field that the integration "+
			"user can see (INVALID_FIELD): check the API names and the fields' security")
	case "INVALID_TYPE":
		return plaudit.Errorf(plaudit.EInvalid, "the integration user cannot read Cases (INVALID_TYPE): give it read and edit access to Case")
	case "REQUEST_LIMIT_EXCEEDED":
		return plaudit.Errorf(plaudit.EUnavailable, "the org has spent its API requests for now (REQUEST_LIMIT_EXCEEDED): try again later")
	case "API_DISABLED_FOR_ORG", "API_CURRENTLY_DISABLED":
		return plaudit.Errorf(plaudit.EInvalid, "the org or the integration user may not use the API (%s): the user needs the API Enabled permission", code)
	}
	return restWords.Answer(status)
}
