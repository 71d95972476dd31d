package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// simulateWith runs `plaudit simulate args…` with env and returns its exit
// code and output.
func simulateWith(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr syncBuffer
	code := run(t.Context(), append([]string{"simulate"}, args...), envOf(env), &stdout, &stderr)
	return code, stdout.String() + stderr.String()
}

func TestSimulateHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"zendesk", "-h"}, {"twilio", "-help"}} {
		code, out := simulateWith(t, nil, args...)
		if code != 0 || !strings.Contains(out, "Usage") {
			t.Errorf("simulate %v: exit %d, want 0 and the usage:\n%s", args, code, out)
		}
	}
	if _, out := simulateWith(t, nil, "zendesk", "-h"); !strings.Contains(out, "a new one on every call") {
		t.Errorf("the ticket flag does not say that its default changes:\n%s", out)
	}
	if code, out := simulateWith(t, nil); code != 1 || !strings.Contains(out, "sendgrid-inbound") {
		t.Errorf("simulate alone: exit %d, want 1 and the kinds:\n%s", code, out)
	}
	if code, _ := simulateWith(t, nil, "freshservice"); code != 1 {
		t.Errorf("an unknown kind: exit %d, want 1", code)
	}
}

// outboxCount is how many messages /dev/outbox lists.
func outboxCount(g *gateway) int {
	return strings.Count(string(g.do("GET", "/dev/outbox", "", nil, nil).Body), `href="/dev/outbox/ob_`)
}

// TestSimulateTickets: simulate zendesk and simulate standard post signed
// tickets that lead to a message in the outbox; each call without -ticket
// is a new ticket; and simulate finds the gateway where serve puts it by
// default (PLAUDIT_ADDR alone).
func TestSimulateTickets(t *testing.T) {
	env := map[string]string{"PLAUDIT_ADDR": freeAddr(t), "PLAUDIT_DATA_DIR": t.TempDir(), "PLAUDIT_ADMIN_TOKEN": operatorToken}
	g := startGatewayAt(t, "serve", env)
	key := str(g.must(201, "POST", "/api/v1/tenants", operatorToken, map[string]any{
		"name": "Local", "settings": map[string]any{"delay_seconds": 0, "suppression_days": 0}})["api_key"])
	g.must(201, "POST", "/api/v1/agents", key, map[string]any{"email": "max@example.com", "name": "Max Mustermann",
		"external_ids": map[string]any{"zendesk": 1001, "standard": "1001"}})
	zd := str(g.must(201, "POST", "/api/v1/connectors", key, map[string]any{"kind": "zendesk", "name": "Zendesk",
		"config": map[string]any{"subdomain": "acme", "email": "a@acme.example", "api_token": "t", "signing_secret": "my-signing-secret"}})["id"])
	std := str(g.must(201, "POST", "/api/v1/connectors", key, map[string]any{"kind": "standard", "name": "Tickets",
		"config": map[string]any{"signing_secret": standardSecret}})["id"])
	simEnv := map[string]string{"PLAUDIT_ADDR": env["PLAUDIT_ADDR"]} // no PLAUDIT_PUBLIC_URL: the default
	for i, args := range [][]string{
		{"zendesk", "-connector", zd, "-secret", "my-signing-secret"},
		{"zendesk", "-connector", zd, "-secret", "my-signing-secret"},
		{"standard", "-connector", std, "-secret", standardSecret},
	} {
		code, out := simulateWith(t, simEnv, args...)
		if code != 0 || !strings.Contains(out, "202") {
			t.Fatalf("simulate %s: exit %d:\n%s", args[0], code, out)
		}
		eventually(t, 15*time.Second, "the message in the outbox", func() bool { return outboxCount(g) == i+1 })
	}
	if reqs := list(t, g.must(200, "GET", "/api/v1/feedback-requests", key, nil)); len(reqs) != 3 || reqs[0]["ticket_id"] == reqs[1]["ticket_id"] {
		t.Errorf("three calls: %d requests, want three tickets of their own", len(reqs))
	}
	if code, out := simulateWith(t, simEnv, "zendesk", "-connector", zd, "-secret", "wrong"); code != 1 || !strings.Contains(out, "401") {
		t.Errorf("a wrong secret: exit %d, want 1 and the 401:\n%s", code, out)
	}
}

// standardSecret is a Standard Webhooks secret (whsec_ and base64).
const standardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// TestSimulateReplies: an SMS reply (simulate twilio, signed with the auth
// token) and an email reply (simulate sendgrid-inbound, to the Reply-To
// the outbox shows) are recorded as the customers' answers.
func TestSimulateReplies(t *testing.T) {
	env := map[string]string{"PLAUDIT_ADDR": freeAddr(t), "PLAUDIT_DATA_DIR": t.TempDir(), "PLAUDIT_ADMIN_TOKEN": operatorToken,
		"TWILIO_AUTH_TOKEN": "localtoken", "TWILIO_FROM": "+15005550006",
		"PLAUDIT_INBOUND_EMAIL_DOMAIN": "reply.localhost", "SENDGRID_INBOUND_TOKEN": "parse-token"}
	g := startGatewayAt(t, "serve", env)
	key := str(g.must(201, "POST", "/api/v1/tenants", operatorToken, map[string]any{"name": "Local", "settings": map[string]any{
		"delay_seconds": 0, "quiet_hours": map[string]string{"start": "00:00", "end": "00:00"}}})["api_key"])
	g.must(201, "POST", "/api/v1/agents", key, map[string]any{"email": "max@example.com", "name": "Max Mustermann"})
	for ticket, customer := range map[string]map[string]any{
		"SMS-1":  {"phone": "+4915112345678"},
		"MAIL-1": {"email": "erika@example.com"},
	} {
		g.must(202, "POST", "/api/v1/interactions", key, map[string]any{"ext_interaction_id": ticket, "channel": "phone",
			"customer": customer, "employee": map[string]any{"email": "max@example.com"}})
	}
	eventually(t, 15*time.Second, "both messages in the outbox", func() bool { return outboxCount(g) == 2 })
	var replyTo string
	for _, m := range regexp.MustCompile(`href="(/dev/outbox/ob_[0-9a-f]+)"`).FindAllStringSubmatch(string(g.do("GET", "/dev/outbox", "", nil, nil).Body), -1) {
		if r := regexp.MustCompile(`reply&#43;[A-Za-z0-9_-]+@reply\.localhost`).Find(g.do("GET", m[1], "", nil, nil).Body); r != nil {
			replyTo = strings.ReplaceAll(string(r), "&#43;", "+")
		}
	}
	if replyTo == "" {
		t.Fatal("the outbox shows no Reply-To for the email")
	}

	simEnv := map[string]string{"PLAUDIT_ADDR": env["PLAUDIT_ADDR"], "TWILIO_AUTH_TOKEN": "localtoken",
		"TWILIO_FROM": "+15005550006", "SENDGRID_INBOUND_TOKEN": "parse-token"}
	if code, out := simulateWith(t, simEnv, "twilio", "-from", "+4915112345678", "-body", "4"); code != 0 || !strings.Contains(out, "<Response>") {
		t.Errorf("simulate twilio: exit %d:\n%s", code, out)
	}
	if code, out := simulateWith(t, simEnv, "sendgrid-inbound", "-to", replyTo, "-text", "5\nVery kind."); code != 0 {
		t.Errorf("simulate sendgrid-inbound: exit %d:\n%s", code, out)
	}
	for ticket, score := range map[string]float64{"SMS-1": 4, "MAIL-1": 5} {
		eventually(t, 10*time.Second, "the answer to "+ticket, func() bool {
			rs := list(t, g.must(200, "GET", "/api/v1/responses?ticket="+ticket, key, nil))
			return len(rs) == 1 && rs[0]["score"] == score
		})
	}
	if code, out := simulateWith(t, map[string]string{"PLAUDIT_ADDR": env["PLAUDIT_ADDR"], "TWILIO_AUTH_TOKEN": "other"},
		"twilio", "-from", "+4915112345678"); code != 1 || !strings.Contains(out, "403") {
		t.Errorf("another auth token: exit %d, want 1 and the 403:\n%s", code, out)
	}
}
