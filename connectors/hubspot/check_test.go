package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
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
			f := &fakeHubSpot{t: t, answer: func(w http.ResponseWriter, r *http.Request) bool { tc.answer(w, r); return true }}
			c := newClient(t, f.start(t), nil)
			err := c.Test(context.Background())
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				want := "GET /crm/v3/objects/tickets?limit=1,GET /crm/v3/objects/contacts?limit=1,GET /crm/v3/owners?limit=1"
				if strings.Join(f.reqs, ",") != want || f.auth[0] != "Bearer "+testToken {
					t.Errorf("requests %q, auth %q", f.reqs, f.auth)
				}
				return
			}
			wantError(t, err, tc.code, tc.msg)
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error %q carries the token", err)
			}
		})
	}
}

func TestTestUnreachable(t *testing.T) {
	raw, _ := json.Marshal(map[string]any{"base_url": "http://127.0.0.1:1"})
	c, err := NewClient(plaudit.Connector{Config: raw, Secrets: map[string]string{SecretAccessToken: "t", SecretAppSecret: "s"}},
		plaudit.DriverDeps{HTTP: egress.NewClient(egress.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, c.Test(context.Background()), plaudit.EInvalid, "base_url points to an address Plaudit may not call")
	c.http = testHTTP()
	wantError(t, c.Test(context.Background()), plaudit.EUnavailable, "HubSpot could not be reached: check base_url, or try again later")
}

func TestValidate(t *testing.T) {
	k := Kind()
	good := map[string]string{SecretAccessToken: testToken, SecretAppSecret: testSecret}
	for _, tc := range []struct {
		config  string
		secrets map[string]string
		msg     string
	}{
		{`{}`, good, ""},
		{``, good, ""},
		{`{"closed_stages":["4","88012345"],"rating_property":"plaudit_score","comment_property":"plaudit_comment","tags":["plaudit"]}`, good, ""},
		{`{"base_url":"https://proxy.example/hubspot/"}`, good, ""},
		{`{"base_url":"http://127.0.0.1:8080"}`, good, ""},
		{`{"base_url":"http://api.hubapi.com"}`, good, "config.base_url must be an https URL"},
		{`{"closed_stages":"4"}`, good, "config.closed_stages must be an array"},
		{`{"closed_stages":[]}`, good, "config.closed_stages must name at least one pipeline stage"},
		{`{"closed_stages":["Closed won"]}`, good, "config.closed_stages must hold pipeline stage ids (such as \"4\")"},
		{`{"closed_stages":[4]}`, good, "config.closed_stages must be a string"},
		{`{"rating_property":"Plaudit Score"}`, good, "config.rating_property must be a ticket property's internal name (lower case, digits, underscores)"},
		{`{"comment_property":"x-y"}`, good, "config.comment_property must be a ticket property's internal name (lower case, digits, underscores)"},
		{`{"rating_property":"p","comment_property":"p"}`, good, "config.comment_property must differ from config.rating_property"},
		{`{"tags":["two words"]}`, good, "config.tags must be words without spaces, at most 80 characters each"},
		{`{"portal_id":"1"}`, good, "config.portal_id is not a known setting"},
		{`[]`, good, "config must be a JSON object"},
		{`{}`, map[string]string{SecretAppSecret: "s"}, "config.access_token is required"},
		{`{}`, map[string]string{SecretAccessToken: "t"}, "config.app_secret is required"},
		{`{}`, map[string]string{SecretAccessToken: "pat na1", SecretAppSecret: "s"}, "config.access_token must not contain spaces"},
		{`{}`, map[string]string{SecretAccessToken: strings.Repeat("t", 513), SecretAppSecret: "s"}, "config.access_token is too long"},
		// Secrets still in the config (not yet split) are not unknown keys.
		{`{"access_token":"t"}`, good, ""},
	} {
		err := k.Validate(json.RawMessage(tc.config), tc.secrets)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("Validate(%s) = %v", tc.config, err)
			}
			continue
		}
		if e := (*plaudit.Error)(nil); !errors.As(err, &e) || e.Code != plaudit.EInvalid || e.Message != tc.msg {
			t.Errorf("Validate(%s) = %v, want %q", tc.config, err, tc.msg)
		}
	}
	if _, err := NewClient(plaudit.Connector{Config: json.RawMessage(`{}`), Secrets: good}, plaudit.DriverDeps{}); err == nil {
		t.Error("NewClient without an HTTP client succeeded")
	}
	c := newClient(t, "", nil)
	if c.cfg.BaseURL != DefaultBaseURL || !c.closed["4"] || len(c.closed) != 1 {
		t.Errorf("defaults: base %q, closed %v", c.cfg.BaseURL, c.closed)
	}
}
