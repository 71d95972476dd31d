package hubspot

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/connconfig"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
)

func TestTest(t *testing.T) {
	missingContacts := `{"status":"error","message":"This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.","correlationId":"3c5f9e1a-7b2d-4a8e-b1c6-0f9d8e7a6b5c","errors":[{"message":"One or more of the following scopes are required.","context":{"requiredGranularScopes":["crm.objects.contacts.read"]}}],"links":{"scopes":"https://developers.hubspot.com/scopes"},"category":"MISSING_SCOPES"}`
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request)
		code   string
		msg    string
	}{
		{"all well", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"results":[]}`) }, "", ""},
		{"bad token", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			io.WriteString(w, `{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}`)
		}, plaudit.EInvalid, "HubSpot refused the access token (401): copy the private app's access token into access_token again"},
		{"no contacts scope", func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/crm/v3/objects/contacts") {
				w.WriteHeader(403)
				io.WriteString(w, missingContacts)
				return
			}
			io.WriteString(w, `{"results":[]}`)
		}, plaudit.EInvalid, "the HubSpot private app lacks the scope crm.objects.contacts.read (403): add it under the app's Scopes and copy the new token"},
		{"no owners scope, unnamed", func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/crm/v3/owners") {
				w.WriteHeader(403)
				return
			}
			io.WriteString(w, `{"results":[]}`)
		}, plaudit.EInvalid, "the HubSpot private app lacks the scope crm.objects.owners.read (403): add it under the app's Scopes and copy the new token"},
		{"wrong base_url", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }, plaudit.EInvalid,
			"no HubSpot API answers at base_url (404): leave base_url empty for https://api.hubapi.com"},
		{"throttled", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(429) }, plaudit.EUnavailable,
			"HubSpot is rate limiting this account (429): try again in a minute"},
		{"down", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) }, plaudit.EUnavailable,
			"HubSpot is not answering properly (502): try again later"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &conntest.API{Answer: tc.answer}
			c := newClient(t, f.Start(t), nil)
			err := c.Test(context.Background())
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				want := "GET /crm/v3/objects/tickets?limit=1,GET /crm/v3/objects/contacts?limit=1,GET /crm/v3/owners?limit=1"
				if strings.Join(f.Reqs, ",") != want || f.Auth[0] != "Bearer "+testToken {
					t.Errorf("requests %q, auth %q", f.Reqs, f.Auth)
				}
				return
			}
			conntest.WantError(t, err, tc.code, tc.msg)
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error %q carries the token", err)
			}
		})
	}
}

func TestTestUnreachable(t *testing.T) {
	conntest.CheckUnreachable(t, func(client *http.Client) error {
		return build(t, "http://127.0.0.1:1", nil, client).Test(context.Background())
	}, "HubSpot could not be reached: check base_url, or try again later")
}

func TestValidate(t *testing.T) {
	k := Kind()
	good := map[string]string{SecretAccessToken: testToken, SecretAppSecret: testSecret}
	conntest.CheckValidate(t, k, []conntest.ValidateCase{
		{Config: `{}`, Secrets: good},
		{Config: ``, Secrets: good},
		{Config: `{"closed_stages":["4","88012345"],"rating_property":"plaudit_score","comment_property":"plaudit_comment","tags":["plaudit"]}`, Secrets: good},
		{Config: `{"base_url":"https://proxy.example/hubspot/"}`, Secrets: good},
		{Config: `{"base_url":"http://127.0.0.1:8080"}`, Secrets: good},
		{Config: `{"base_url":"http://api.hubapi.com"}`, Secrets: good, Msg: "config.base_url must be an https URL"},
		{Config: `{"closed_stages":"4"}`, Secrets: good, Msg: "config.closed_stages must be an array"},
		{Config: `{"closed_stages":[]}`, Secrets: good, Msg: "config.closed_stages must name at least one pipeline stage"},
		{Config: `{"closed_stages":["Closed won"]}`, Secrets: good, Msg: "config.closed_stages must hold pipeline stage ids (such as \"4\")"},
		{Config: `{"closed_stages":[4]}`, Secrets: good, Msg: "config.closed_stages must be a string"},
		{Config: `{"rating_property":"Plaudit Score"}`, Secrets: good, Msg: "config.rating_property must be a ticket property's internal name (lower case, digits, underscores)"},
		{Config: `{"comment_property":"x-y"}`, Secrets: good, Msg: "config.comment_property must be a ticket property's internal name (lower case, digits, underscores)"},
		{Config: `{"rating_property":"p","comment_property":"p"}`, Secrets: good, Msg: "config.comment_property must differ from config.rating_property"},
		{Config: `{"tags":["two words"]}`, Secrets: good, Msg: "config.tags must be words without spaces, at most 80 characters each"},
		{Config: `{"portal_id":"1"}`, Secrets: good, Msg: "config.portal_id is not a known setting"},
		{Config: `[]`, Secrets: good, Msg: "config must be a JSON object"},
		{Config: `{}`, Secrets: map[string]string{SecretAppSecret: "s"}, Msg: "config.access_token is required"},
		{Config: `{}`, Secrets: map[string]string{SecretAccessToken: "t"}, Msg: "config.app_secret is required"},
		{Config: `{}`, Secrets: map[string]string{SecretAccessToken: "pat na1", SecretAppSecret: "s"}, Msg: "config.access_token must not contain spaces"},
		{Config: `{}`, Secrets: map[string]string{SecretAccessToken: strings.Repeat("t", connconfig.MaxSecret+1), SecretAppSecret: "s"}, Msg: "config.access_token is too long"},
		// Secrets still in the config (not yet split) are not unknown keys.
		{Config: `{"access_token":"t"}`, Secrets: good},
	})
	if _, err := NewClient(plaudit.Connector{Config: json.RawMessage(`{}`), Secrets: good}, plaudit.DriverDeps{}); err == nil {
		t.Error("NewClient without an HTTP client succeeded")
	}
	c := newClient(t, "", nil)
	if c.cfg.BaseURL != DefaultBaseURL || !c.closed["4"] || len(c.closed) != 1 {
		t.Errorf("defaults: base %q, closed %v", c.cfg.BaseURL, c.closed)
	}
}
