package server_test

import (
	"encoding/base64"
	"os"
	"strings"
	"testing"
)

// TestPathSecretOfFreshdeskAndGladly: Freshdesk and Gladly deliveries
// carry no signature, only a secret header or basic auth the admin typed
// into the helpdesk. Whoever learns the connector id must still not get a
// delivery through with those alone: only the connector's webhook_url,
// secret path included, takes one. A rotated secret retires the old URL.
func TestPathSecretOfFreshdeskAndGladly(t *testing.T) {
	h := newAPIHarness(t)
	w := h.tenantWorld("Nordlicht", "paths")
	const secret = "whk-9d41c6e2b7a84f55"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("plaudit:"+secret))
	for _, c := range []struct {
		kind    string
		config  map[string]any
		fixture string
		header  map[string]string
	}{
		{"freshdesk", map[string]any{"domain": "nordlicht", "api_key": "fd-api-key-5xQ2", "webhook_secret": secret},
			"freshdesk/testdata/freshdesk-ticket-resolved.json", map[string]string{"X-Plaudit-Secret": secret}},
		{"gladly", map[string]any{"base_url": "https://nordlicht.gladly.com", "api_user": "api@nordlicht.example",
			"api_token": "gl-api-token-7Hq", "webhook_username": "plaudit", "webhook_password": secret},
			"gladly/testdata/gladly-conversation-closed.json", map[string]string{"Authorization": basic}},
	} {
		body, err := os.ReadFile("../connectors/" + c.fixture)
		if err != nil {
			t.Fatal(err)
		}
		r := h.do(call{method: "POST", path: "/api/v1/connectors", key: w.admin, json: map[string]any{"kind": c.kind, "config": c.config}, undocumented: true}, 201)
		var con struct {
			ID         string `json:"id"`
			WebhookURL string `json:"webhook_url"`
		}
		r.decode(t, &con)
		hook := strings.TrimPrefix(con.WebhookURL, publicURL)
		pathSecret := strings.TrimPrefix(hook, "/hooks/"+con.ID+"/")
		if pathSecret == hook || len(pathSecret) < 40 {
			t.Fatalf("%s webhook_url %q: want /hooks/{id}/{secret}", c.kind, con.WebhookURL)
		}
		for _, path := range []string{"/hooks/" + con.ID, "/hooks/" + con.ID + "/not-the-secret",
			"/hooks/" + con.ID + "/" + pathSecret[:len(pathSecret)-1], "/hooks/" + con.ID + "/" + strings.ToUpper(pathSecret)} {
			if r := h.do(call{method: "POST", path: path, json: body, header: c.header}, 401); strings.Contains(string(r.body), pathSecret) {
				t.Errorf("%s: the refusal quotes the secret: %s", c.kind, r.body)
			}
		}
		r = h.do(call{method: "POST", path: hook, json: body, header: c.header}, 202)
		if string(r.body) != `{"accepted":1,"duplicates":0}` {
			t.Errorf("%s delivery to its webhook_url: %s", c.kind, r.body)
		}
		// The path secret does not stand in for the kind's own check.
		h.do(call{method: "POST", path: hook, json: body}, 401)

		r = h.do(call{method: "POST", path: "/api/v1/connectors/" + con.ID + "/webhook-secret", key: w.admin, undocumented: true}, 200)
		var rotated struct {
			WebhookURL string `json:"webhook_url"`
		}
		r.decode(t, &rotated)
		h.do(call{method: "POST", path: hook, json: body, header: c.header}, 401)
		r = h.do(call{method: "POST", path: strings.TrimPrefix(rotated.WebhookURL, publicURL), json: body, header: c.header}, 202)
		if string(r.body) != `{"accepted":0,"duplicates":1}` {
			t.Errorf("%s redelivery to the rotated webhook_url: %s", c.kind, r.body)
		}
	}
}
