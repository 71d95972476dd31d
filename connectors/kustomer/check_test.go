package kustomer

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
)

func TestTest(t *testing.T) {
	token := func(roles ...string) func(w http.ResponseWriter, r *http.Request) bool {
		return func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != "/v1/auth/tokens/current" {
				return false
			}
			b, _ := json.Marshal(map[string]any{"data": map[string]any{"type": "token", "id": "t1", "attributes": map[string]any{"name": "Plaudit", "roles": roles}}})
			w.Write(b)
			return true
		}
	}
	status := func(code int, prefix string) func(w http.ResponseWriter, r *http.Request) bool {
		return func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.HasPrefix(r.URL.Path, prefix) {
				return false
			}
			w.WriteHeader(code)
			io.WriteString(w, `{"errors":[{"status":`+http.StatusText(code)+`}]}`)
			return true
		}
	}
	for _, tc := range []struct {
		name   string
		config map[string]any
		answer func(w http.ResponseWriter, r *http.Request) bool
		code   string
		msg    string
	}{
		{"all well", nil, nil, "", ""},
		{"all well, roles not listed", nil, token(), "", ""},
		{"legacy roles", map[string]any{"tags": []string{"x"}}, token("org.user.note.write", "org.user.conversation.write"), "", ""},
		{"admin", map[string]any{"tags": []string{"x"}}, token("org.admin"), "", ""},
		{"bad key", nil, status(401, "/v1/auth"), plaudit.EInvalid, "Kustomer refused the API key (401): copy the key's token into api_key again"},
		{"wrong organization host", nil, status(404, "/v1/auth"), plaudit.EInvalid,
			"no Kustomer API answers at base_url (404): use https://{your organization}.api.kustomerapp.com"},
		{"cannot read customers", nil, status(403, "/v1/customers"), plaudit.EInvalid,
			"the Kustomer API key lacks the role org.permission.customer.read (403): make a key with it (a key's roles cannot be changed)"},
		{"cannot read users", nil, status(403, "/v1/users"), plaudit.EInvalid,
			"the Kustomer API key lacks the role org.permission.user.read (403): make a key with it (a key's roles cannot be changed)"},
		{"cannot add notes", nil, token("org.permission.conversation.read"), plaudit.EInvalid,
			"the Kustomer API key lacks the role org.permission.note.create: make a key with it (a key's roles cannot be changed)"},
		{"cannot update conversations", map[string]any{"rating_attribute": "csatScoreNum"}, token("org.permission.note.create"), plaudit.EInvalid,
			"the Kustomer API key lacks the role org.permission.conversation.update: make a key with it (a key's roles cannot be changed)"},
		{"throttled", nil, status(429, "/v1/"), plaudit.EUnavailable, "Kustomer is rate limiting this organization (429): try again in a minute"},
		{"down", nil, status(503, "/v1/"), plaudit.EUnavailable, "Kustomer is not answering properly (503): try again later"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fakeKustomer(t, tc.answer)
			c := newClient(t, f.Start(t), tc.config)
			err := c.Test(context.Background())
			if tc.code != "" {
				conntest.WantError(t, err, tc.code, tc.msg)
				conntest.NoneOf(t, err, testAPIKey)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := "GET /v1/auth/tokens/current,GET /v1/conversations?pageSize=1,GET /v1/customers?pageSize=1,GET /v1/users?pageSize=1"
			if strings.Join(f.Reqs, ",") != want || f.Auth[0] != "Bearer "+testAPIKey {
				t.Errorf("requests %q, auth %q", f.Reqs, f.Auth)
			}
		})
	}
}

func TestTestUnreachable(t *testing.T) {
	conntest.CheckUnreachable(t, func(client *http.Client) error {
		return build(t, "http://127.0.0.1:1", nil, client).Test(context.Background())
	}, "Kustomer could not be reached: check base_url, or try again later")
}

func TestValidate(t *testing.T) {
	k := Kind()
	good := map[string]string{SecretAPIKey: testAPIKey, SecretWebhookSecret: testSecret}
	conntest.CheckValidate(t, k, []conntest.ValidateCase{
		{Config: `{}`, Secrets: good},
		{Config: ``, Secrets: good},
		{Config: `{"base_url":"https://nordlicht.api.kustomerapp.com","rating_attribute":"csatScoreNum","comment_attribute":"csatCommentTxt","tags":["Plaudit rated"]}`, Secrets: good},
		{Config: `{"rating_attribute":"csatScoreStr","comment_attribute":"csatCommentStr"}`, Secrets: good},
		{Config: `{"base_url":"http://127.0.0.1:8080"}`, Secrets: good},
		{Config: `{"base_url":"http://api.kustomerapp.com"}`, Secrets: good, Msg: "config.base_url must be an https URL"},
		{Config: `{"rating_attribute":"csatScore"}`, Secrets: good, Msg: "config.rating_attribute must be a conversation attribute name ending in Num or Str (such as csatScoreNum)"},
		{Config: `{"rating_attribute":"csat score Num"}`, Secrets: good, Msg: "config.rating_attribute must be a conversation attribute name ending in Num or Str (such as csatScoreNum)"},
		{Config: `{"comment_attribute":"csatCommentNum"}`, Secrets: good, Msg: "config.comment_attribute must be a conversation attribute name ending in Str or Txt (such as csatCommentTxt)"},
		{Config: `{"rating_attribute":5}`, Secrets: good, Msg: "config.rating_attribute must be a string"},
		{Config: `{"tags":[" padded"]}`, Secrets: good, Msg: "config.tags must be tag names of at most 80 characters"},
		{Config: `{"tags":"x"}`, Secrets: good, Msg: "config.tags must be an array"},
		{Config: `{"org":"nordlicht"}`, Secrets: good, Msg: "config.org is not a known setting"},
		{Config: `[]`, Secrets: good, Msg: "config must be a JSON object"},
		{Config: `{}`, Secrets: map[string]string{SecretWebhookSecret: "s"}, Msg: "config.api_key is required"},
		{Config: `{}`, Secrets: map[string]string{SecretAPIKey: "k"}, Msg: "config.webhook_secret is required"},
		{Config: `{}`, Secrets: map[string]string{SecretAPIKey: "k k", SecretWebhookSecret: "s"}, Msg: "config.api_key must not contain spaces"},
		{Config: `{}`, Secrets: map[string]string{SecretAPIKey: strings.Repeat("k", 4097), SecretWebhookSecret: "s"}, Msg: "config.api_key is too long"},
		// Secrets still in the config (not yet split) are not unknown keys.
		{Config: `{"api_key":"k"}`, Secrets: good},
	})
	if _, err := NewClient(plaudit.Connector{Config: json.RawMessage(`{}`), Secrets: good}, plaudit.DriverDeps{}); err == nil {
		t.Error("NewClient without an HTTP client succeeded")
	}
	if c := newClient(t, "", nil); c.cfg.BaseURL != DefaultBaseURL {
		t.Errorf("default base %q", c.cfg.BaseURL)
	}
}
