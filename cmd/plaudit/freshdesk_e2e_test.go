package main

import (
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit/internal/fakeapi"
)

// connectorFixture reads a fixture of a connector kind's own tests.
func connectorFixture(t *testing.T, kind, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../connectors/" + kind + "/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// awaitCall waits for the fake vendor API to receive method path and
// returns the JSON body of the last such call.
func awaitCall(t *testing.T, api *fakeapi.Server, method, path string) map[string]any {
	t.Helper()
	var body map[string]any
	eventually(t, 15*time.Second, method+" "+path, func() bool {
		for _, c := range api.Calls() {
			if c.Method == method && c.Path == path {
				body = nil
				_ = json.Unmarshal([]byte(c.Body), &body)
			}
		}
		return body != nil
	})
	return body
}

// hookPath is the path of a connector's webhook_url, as the API gives it.
func hookPath(t *testing.T, con map[string]any) string {
	t.Helper()
	u, err := url.Parse(str(con["webhook_url"]))
	if err != nil || !strings.HasPrefix(u.Path, "/hooks/") {
		t.Fatalf("webhook_url %v", con["webhook_url"])
	}
	return u.Path
}

// TestFreshdesk drives a freshdesk connector as a Freshdesk automation,
// the customer and the Freshdesk API meet it: deliveries without the
// webhook secret are refused, the recommended body with it becomes an
// email in the requester's language, and the answer becomes a private
// note and a rating field on the ticket.
func TestFreshdesk(t *testing.T) {
	sg := newFakeSendGrid(t)
	fd := fakeapi.New(t, map[string]fakeapi.Answer{
		"GET /api/v2/tickets/73021?include=requester": fakeapi.OK(connectorFixture(t, "freshdesk", "api-ticket-73021.json")),
		"GET /api/v2/contacts/43012345678":            fakeapi.OK(connectorFixture(t, "freshdesk", "api-contact-43012345678.json")),
		"PUT /api/v2/tickets/73021":                   fakeapi.OK(connectorFixture(t, "freshdesk", "api-ticket-73021.json")),
		"POST /api/v2/tickets/73021/notes":            {Status: 201, Body: `{"id":43100000001,"private":true}`},
	}, `{"code":"not_found"}`)
	g := startGateway(t, "serve", map[string]string{"SENDGRID_API_KEY": "SG.test-key", "SENDGRID_API_URL": sg.URL})
	admin := newTenant(t, g, "Nordlicht Reisen", nil)
	reader := newKey(t, g, admin, "read", "live")
	agent := g.must(201, "POST", "/api/v1/agents", admin, map[string]any{
		"email": "jonas.weber@nordlicht.example", "name": "Jonas Weber", "approved": true,
		"external_ids": map[string]string{"freshdesk": "43008826190"},
	})
	const secret = "whk-9d41c6e2b7a84f55"
	con := g.must(201, "POST", "/api/v1/connectors", admin, map[string]any{
		"kind": "freshdesk", "name": "Freshdesk",
		"config": map[string]any{"domain": "nordlicht", "base_url": fd.URL, "api_key": "fd-api-key-5xQ2",
			"webhook_secret": secret, "rating_field": "cf_rating"},
	})
	if strings.Contains(string(mustJSON(t, con)), secret) || strings.Contains(string(mustJSON(t, con)), "fd-api-key-5xQ2") {
		t.Errorf("the connector answer shows a secret")
	}
	hook := hookPath(t, con)
	body := connectorFixture(t, "freshdesk", "freshdesk-ticket-resolved.json")
	headers := map[string]string{"Content-Type": "application/json", "X-Plaudit-Secret": secret}

	if r := g.do("POST", hook, "", body, map[string]string{"Content-Type": "application/json"}); r.Status != 401 {
		t.Errorf("no secret: %d, want 401", r.Status)
	}
	if r := g.do("POST", hook, "", body, map[string]string{"X-Plaudit-Secret": "whk-somebody-elses-0000"}); r.Status != 401 {
		t.Errorf("wrong secret: %d, want 401", r.Status)
	}
	if r := g.do("POST", hook, "", []byte(`{"ticket":{"id":"{{ticket.id}}","status":"Resolved"}}`), headers); r.Status != 400 ||
		!strings.Contains(errorMessage(t, r), "ticket.id") {
		t.Errorf("unfilled placeholder: %d %s, want 400 naming ticket.id", r.Status, r.Body)
	}
	r := g.do("POST", hook, "", body, headers)
	if r.Status != 202 || r.JSON(t)["accepted"] != 1.0 {
		t.Fatalf("delivery: %d %s", r.Status, r.Body)
	}
	// Freshdesk's retry of the same delivery is no second request.
	if r := g.do("POST", hook, "", body, headers); r.Status != 202 || r.JSON(t)["duplicates"] != 1.0 {
		t.Errorf("retry: %d %s, want a duplicate", r.Status, r.Body)
	}

	token := awaitMail(t, sg, "anna.schneider@example.org")
	// The page opens once the request is marked sent, just after the mail left.
	eventually(t, 5*time.Second, "the request marked sent", func() bool {
		return str(requestFor(t, g, reader, "73021")["status"]) == "sent"
	})
	req := requestFor(t, g, reader, "73021")
	if req["agent_id"] != agent["id"] || req["language"] != "de" {
		t.Errorf("request %v: want agent %v (external_ids.freshdesk) and German (the contact's language)", req, agent["id"])
	}

	answerPage(t, g, token, url.Values{"score": {"5"}})
	note := awaitCall(t, fd, "POST", "/api/v2/tickets/73021/notes")
	put := awaitCall(t, fd, "PUT", "/api/v2/tickets/73021")
	if fields, _ := put["custom_fields"].(map[string]any); fields["cf_rating"] != 5.0 {
		t.Errorf("ticket update %v, want cf_rating 5", put)
	}
	if note["private"] != true || !strings.HasPrefix(str(note["body"]), "Customer feedback via Plaudit: 5/5") {
		t.Errorf("note %v, want a private note with the score", note)
	}
	eventually(t, 5*time.Second, "writeback_status done", func() bool {
		return list(t, g.must(200, "GET", "/api/v1/responses", reader, nil))[0]["writeback_status"] == "done"
	})
	noPersonalData(t, g, "anna.schneider@example.org", "Anna Schneider", secret)
}
