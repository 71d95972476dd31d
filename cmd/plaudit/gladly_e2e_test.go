package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit/internal/fakeapi"
)

// TestGladly drives a gladly connector as a Gladly webhook, the customer
// and the Gladly API meet it: deliveries without the webhook's basic-auth
// credentials are refused, a CONVERSATION/CLOSED event (ids only) becomes
// an email to the customer the API names, and the answer becomes a note
// and a custom attribute on the conversation.
func TestGladly(t *testing.T) {
	const conv, customer = "aGaHXjD4li-moMR8LbULZb", "THx8Z8y-ScuMoqBH8Awtng"
	sg := newFakeSendGrid(t)
	gl := fakeapi.New(t, map[string]fakeapi.Answer{
		"GET /api/v1/conversations/" + conv + "/items":                                                fakeapi.OK(connectorFixture(t, "gladly", "api-conversation-items.json")),
		"GET /api/v1/customer-profiles/" + customer:                                                   fakeapi.OK(connectorFixture(t, "gladly", "api-customer-profile.json")),
		"GET /api/v1/agents/zGaHXjD4SR-moMR9LbULDa":                                                   fakeapi.OK(connectorFixture(t, "gladly", "api-agent.json")),
		"GET /api/v1/conversations/" + conv:                                                           fakeapi.OK(connectorFixture(t, "gladly", "api-conversation.json")),
		"POST /api/v1/conversations/" + conv + "/notes":                                               {Status: 201},
		"POST /api/v1/customer-history/" + customer + "/conversations/" + conv + "/custom-attributes": {Status: 204},
	}, `{"errors":[{"code":"not_exist"}]}`)
	g := startGateway(t, "serve", map[string]string{"SENDGRID_API_KEY": "SG.test-key", "SENDGRID_API_URL": sg.URL})
	admin := newTenant(t, g, "Nordlicht Reisen", nil)
	reader := newKey(t, g, admin, "read", "live")
	agent := g.must(201, "POST", "/api/v1/agents", admin, map[string]any{
		"email": "jonas.weber@nordlicht.example", "name": "Jonas Weber", "approved": true,
	})
	const password = "fxdUfTcejVxVs9bQ8DizKccq"
	con := g.must(201, "POST", "/api/v1/connectors", admin, map[string]any{
		"kind": "gladly", "name": "Gladly",
		"config": map[string]any{"base_url": gl.URL, "api_user": "plaudit-api@nordlicht.example", "api_token": "gl-api-token-7Qm2",
			"webhook_username": "plaudit-webhook", "webhook_password": password, "rating_attribute": "csatScore"},
	})
	if strings.Contains(string(mustJSON(t, con)), password) {
		t.Errorf("the connector answer shows a secret")
	}
	hook := hookPath(t, con)
	body := connectorFixture(t, "gladly", "gladly-conversation-closed.json")
	auth := func(user, pass string) map[string]string {
		return map[string]string{"Content-Type": "application/json", "Authorization": "Basic " + b64(user+":"+pass)}
	}

	if r := g.do("POST", hook, "", body, map[string]string{"Content-Type": "application/json"}); r.Status != 401 {
		t.Errorf("no credentials: %d, want 401", r.Status)
	}
	if r := g.do("POST", hook, "", body, auth("plaudit-webhook", "not-the-password-0000")); r.Status != 401 {
		t.Errorf("wrong password: %d, want 401", r.Status)
	}
	if r := g.do("POST", hook, "", []byte(`{"id":"e9","type":"CONVERSATION/CLOSED","content":{}}`), auth("plaudit-webhook", password)); r.Status != 400 ||
		!strings.Contains(errorMessage(t, r), "content.conversationId") {
		t.Errorf("no conversation: %d %s, want 400 naming content.conversationId", r.Status, r.Body)
	}
	r := g.do("POST", hook, "", body, auth("plaudit-webhook", password))
	if r.Status != 202 || r.JSON(t)["accepted"] != 1.0 {
		t.Fatalf("delivery: %d %s", r.Status, r.Body)
	}
	if r := g.do("POST", hook, "", body, auth("plaudit-webhook", password)); r.Status != 202 || r.JSON(t)["duplicates"] != 1.0 {
		t.Errorf("Gladly's retry: %d %s, want a duplicate", r.Status, r.Body)
	}

	// The event names ids only: the address and the agent come from the API.
	token := awaitMail(t, sg, "anna.schneider@example.org")
	// The page opens once the request is marked sent, just after the mail left.
	eventually(t, 5*time.Second, "the request marked sent", func() bool {
		return str(requestFor(t, g, reader, conv)["status"]) == "sent"
	})
	req := requestFor(t, g, reader, conv)
	if req["agent_id"] != agent["id"] {
		t.Errorf("request %v: want agent %v (matched by the email the API gave)", req, agent["id"])
	}

	answerPage(t, g, token, url.Values{"score": {"4"}})
	note := awaitCall(t, gl, "POST", "/api/v1/conversations/"+conv+"/notes")
	attrs := awaitCall(t, gl, "POST", "/api/v1/customer-history/"+customer+"/conversations/"+conv+"/custom-attributes")
	if got := str(attrs["add"]); got != "[map[key:csatScore value:4]]" {
		t.Errorf("custom attributes %v", attrs)
	}
	if content, _ := note["content"].(map[string]any); !strings.HasPrefix(str(content["body"]), "Customer feedback via Plaudit: 4/5") {
		t.Errorf("note %v", note)
	}
	eventually(t, 5*time.Second, "writeback_status done", func() bool {
		return list(t, g.must(200, "GET", "/api/v1/responses", reader, nil))[0]["writeback_status"] == "done"
	})
	noPersonalData(t, g, "anna.schneider@example.org", "Anna Schneider", password)
}
