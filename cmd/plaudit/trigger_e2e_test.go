package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit/internal/testenv"
)

// Helpers shared by the end-to-end tests of the direct trigger API, the
// standard connector and the Salesforce connector.

// newTenant creates a tenant through the operator API and returns its
// admin key.
func newTenant(t *testing.T, g *gateway, name string, settings map[string]any) string {
	t.Helper()
	base := map[string]any{"delay_seconds": 0, "brand_name": name, "privacy_url": "https://nordlicht.example/privacy",
		"from_email": "feedback@nordlicht.example"}
	for k, v := range settings {
		base[k] = v
	}
	tenant := g.must(201, "POST", "/api/v1/tenants", operatorToken, map[string]any{"name": name, "settings": base})
	return str(tenant["api_key"])
}

// newKey creates an API key of role and mode and returns its secret.
func newKey(t *testing.T, g *gateway, admin, role, mode string) string {
	t.Helper()
	k := g.must(201, "POST", "/api/v1/api-keys", admin, map[string]any{"name": role + " " + mode, "role": role, "mode": mode})
	return str(k["api_key"])
}

// recipient is the To address of a mail the fake SendGrid got.
func recipient(mail map[string]any) string {
	ps, _ := mail["personalizations"].([]any)
	if len(ps) == 0 {
		return ""
	}
	to, _ := ps[0].(map[string]any)["to"].([]any)
	if len(to) == 0 {
		return ""
	}
	return str(to[0].(map[string]any)["email"])
}

// mailsTo returns the mails sent to addr.
func mailsTo(sg *fakeSendGrid, addr string) []map[string]any {
	var out []map[string]any
	for _, m := range sg.Mails() {
		if recipient(m) == addr {
			out = append(out, m)
		}
	}
	return out
}

// awaitMail waits for the one mail to addr and returns its page token.
func awaitMail(t *testing.T, sg *fakeSendGrid, addr string) string {
	t.Helper()
	eventually(t, 15*time.Second, "the email to "+addr, func() bool { return len(mailsTo(sg, addr)) >= 1 })
	links := scoreLink.FindAllStringSubmatch(htmlOf(t, mailsTo(sg, addr)[0]), -1)
	if len(links) != 5 {
		t.Fatalf("the email to %s has %d score links, want 5", addr, len(links))
	}
	return links[0][2]
}

// answerPage posts the feedback page as the customer's browser does.
func answerPage(t *testing.T, g *gateway, token string, form url.Values) {
	t.Helper()
	r := g.do("POST", "/f/"+token, "", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("page POST: %d %s", r.Status, r.Body)
	}
}

// errorMessage returns error.message of a JSON error answer.
func errorMessage(t *testing.T, r apiResult) string {
	t.Helper()
	e, _ := r.JSON(t)["error"].(map[string]any)
	return str(e["message"])
}

// noPersonalData checks the gateway's logs for the given values.
func noPersonalData(t *testing.T, g *gateway, values ...string) {
	t.Helper()
	logs := g.Logs.String()
	for _, v := range values {
		if strings.Contains(logs, v) {
			t.Errorf("logs contain personal data %q", v)
		}
	}
}

// requestFor returns the feedback request for ticket, once the worker
// has decided on it.
func requestFor(t *testing.T, g *gateway, key, ticket string) map[string]any {
	t.Helper()
	var out map[string]any
	eventually(t, 15*time.Second, "the decision on "+ticket, func() bool {
		reqs := list(t, g.must(200, "GET", "/api/v1/feedback-requests?ticket="+url.QueryEscape(ticket), key, nil))
		if len(reqs) == 0 {
			return false
		}
		out = reqs[0]
		return true
	})
	return out
}

func TestTriggerAPI(t *testing.T) { runTriggerAPI(t, nil) }

func TestTriggerAPIOnRedisAndPostgres(t *testing.T) {
	runTriggerAPI(t, map[string]string{
		"REDIS_URL":          testenv.RedisURL(t),
		"DATABASE_URL":       testenv.DatabaseURL(t),
		"PLAUDIT_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	})
}

// runTriggerAPI drives POST /api/v1/interactions as a client company's own
// system would: keys of each role, bad bodies, repeats, languages, test
// mode, and a reopen.
func runTriggerAPI(t *testing.T, env map[string]string) {
	sg := newFakeSendGrid(t)
	if env == nil {
		env = map[string]string{}
	}
	env["SENDGRID_API_KEY"] = "SG.test-key"
	env["SENDGRID_API_URL"] = sg.URL
	g := startGateway(t, "serve", env)
	admin := newTenant(t, g, "Nordlicht Reisen", map[string]any{"default_language": "en", "test_recipient": "qa@nordlicht.example"})
	trigger := newKey(t, g, admin, "trigger", "live")
	reader := newKey(t, g, admin, "read", "live")
	testKey := newKey(t, g, admin, "trigger", "test")
	agent := g.must(201, "POST", "/api/v1/agents", admin, map[string]any{
		"email": "jonas.weber@nordlicht.example", "name": "Jonas Weber", "approved": true,
		"external_ids": map[string]string{"api": "emp-17"},
	})

	body := func(id, email, language string) map[string]any {
		return map[string]any{"ext_interaction_id": id, "channel": "chat",
			"customer": map[string]any{"name": "Anna Schneider", "email": email, "language": language},
			"employee": map[string]any{"custom_id": "emp-17"}}
	}

	// Who may trigger: trigger and admin keys, by Bearer or X-Api-Key.
	for _, c := range []struct {
		name   string
		header map[string]string
		status int
		code   string
	}{
		{"no key", nil, 401, "unauthorized"},
		{"unknown key", map[string]string{"Authorization": "Bearer pk_live_nosuchkey"}, 401, "unauthorized"},
		{"basic auth", map[string]string{"Authorization": "Basic " + b64("x:"+trigger)}, 401, "unauthorized"},
		{"read key", map[string]string{"Authorization": "Bearer " + reader}, 403, "forbidden"},
		{"read key as X-Api-Key", map[string]string{"X-Api-Key": reader}, 403, "forbidden"},
	} {
		r := g.do("POST", "/api/v1/interactions", "", body("T-0", "nobody@example.org", "en"), c.header)
		if r.Status != c.status || r.ErrorCode(t) != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.Body, c.status, c.code)
		}
	}
	if r := g.do("POST", "/api/v1/interactions", "", body("T-1", "lea.martin@example.org", "fr-ca"), map[string]string{"X-Api-Key": trigger}); r.Status != 202 {
		t.Errorf("trigger key as X-Api-Key: %d %s", r.Status, r.Body)
	}
	first := g.must(202, "POST", "/api/v1/interactions", trigger, body("T-2", "anna.schneider@example.org", "de-AT"))
	g.must(202, "POST", "/api/v1/interactions", admin, body("T-3", "marie.wagner@example.com", ""))
	if first["duplicate"] != false || first["test"] != false || str(first["id"]) == "" {
		t.Errorf("first answer %v", first)
	}

	// And what each role may read or change.
	for _, c := range []struct {
		method, path, key string
		status            int
	}{
		{"GET", "/api/v1/responses", "", 401},
		{"GET", "/api/v1/responses", trigger, 403},
		{"GET", "/api/v1/responses", reader, 200},
		{"GET", "/api/v1/responses", admin, 200},
		{"GET", "/api/v1/feedback-requests", trigger, 403},
		{"GET", "/api/v1/feedback-requests", reader, 200},
		{"GET", "/api/v1/tenant", reader, 403},
		{"GET", "/api/v1/connectors", trigger, 403},
		{"GET", "/api/v1/agents", reader, 403},
		{"POST", "/api/v1/api-keys", trigger, 403},
		{"GET", "/api/v1/audit-events", reader, 403},
	} {
		var b any
		if c.method == "POST" {
			b = map[string]any{"role": "admin"}
		}
		if r := g.do(c.method, c.path, c.key, b, nil); r.Status != c.status {
			t.Errorf("%s %s with %s: %d, want %d", c.method, c.path, keyName(c.key, trigger, reader, admin), r.Status, c.status)
		}
	}

	// Bad bodies: 400 naming the field, never echoing what was sent.
	for _, c := range []struct {
		name string
		body any
		want string
	}{
		{"not JSON", `{"ext_interaction_id": "T-9",`, "body is not valid JSON"},
		{"no id", map[string]any{"customer": map[string]any{"email": "a@example.org"}, "employee": map[string]any{"email": "x@nordlicht.example"}}, "ext_interaction_id is required"},
		{"no customer", map[string]any{"ext_interaction_id": "T-9", "employee": map[string]any{"custom_id": "emp-17"}}, "customer: email or phone is required"},
		{"bad email", map[string]any{"ext_interaction_id": "T-9", "customer": map[string]any{"email": "anna-at-example"}, "employee": map[string]any{"custom_id": "emp-17"}}, "customer.email is not an email address"},
		{"bad phone", map[string]any{"ext_interaction_id": "T-9", "customer": map[string]any{"phone": "call me"}, "employee": map[string]any{"custom_id": "emp-17"}}, "customer.phone is not a phone number"},
		{"no employee", map[string]any{"ext_interaction_id": "T-9", "customer": map[string]any{"email": "a@example.org"}}, "employee: email or custom_id is required"},
		{"customer not an object", map[string]any{"ext_interaction_id": "T-9", "customer": "a@example.org", "employee": map[string]any{"custom_id": "emp-17"}}, "customer must be an object"},
		{"unknown event", map[string]any{"ext_interaction_id": "T-9", "event": "closed", "customer": map[string]any{"email": "a@example.org"}, "employee": map[string]any{"custom_id": "emp-17"}}, `event must be "solved" or "reopened"`},
	} {
		r := g.do("POST", "/api/v1/interactions", trigger, c.body, nil)
		if r.Status != 400 || r.ErrorCode(t) != "invalid" || !strings.Contains(errorMessage(t, r), c.want) {
			t.Errorf("%s: %d %s, want 400 naming %q", c.name, r.Status, r.Body, c.want)
		}
		if strings.Contains(string(r.Body), "anna-at-example") || strings.Contains(string(r.Body), "call me") {
			t.Errorf("%s: the error repeats the value sent: %s", c.name, r.Body)
		}
	}

	// Idempotent on ext_interaction_id: a repeat answers 200 with the same
	// interaction, and the customer gets one email.
	again := g.must(200, "POST", "/api/v1/interactions", trigger, body("T-2", "anna.schneider@example.org", "de-AT"))
	if again["duplicate"] != true || again["id"] != first["id"] {
		t.Errorf("repeat: %v, want the first interaction (%v) as a duplicate", again, first["id"])
	}
	annaToken := awaitMail(t, sg, "anna.schneider@example.org")
	awaitMail(t, sg, "lea.martin@example.org")
	awaitMail(t, sg, "marie.wagner@example.com")
	time.Sleep(500 * time.Millisecond) // a second email would come now
	if n := len(mailsTo(sg, "anna.schneider@example.org")); n != 1 {
		t.Errorf("anna got %d emails, want 1", n)
	}

	// Languages: de-AT is German, fr-ca French; none is the tenant's
	// default.
	for ticket, want := range map[string]string{"T-1": "fr", "T-2": "de", "T-3": "en"} {
		r := requestFor(t, g, reader, ticket)
		if r["language"] != want || r["status"] != "sent" || r["agent_id"] != agent["id"] || r["test"] != false {
			t.Errorf("request for %s: %v, want sent in %s to agent %v", ticket, r, want, agent["id"])
		}
	}

	// Test mode: the whole path runs, but the message goes to the
	// tenant's test recipient, and the result stays out of reports. The
	// same ext_interaction_id as a live interaction is no duplicate.
	tr := g.must(202, "POST", "/api/v1/interactions", testKey, body("T-2", "anna.schneider@example.org", "de"))
	if tr["test"] != true || tr["duplicate"] != false || tr["id"] == first["id"] {
		t.Errorf("test-mode answer %v", tr)
	}
	qaToken := awaitMail(t, sg, "qa@nordlicht.example")
	time.Sleep(300 * time.Millisecond)
	if n := len(mailsTo(sg, "anna.schneider@example.org")); n != 1 {
		t.Errorf("a test-mode request reached the customer (%d emails)", n)
	}
	answerPage(t, g, qaToken, url.Values{"score": {"2"}})
	answerPage(t, g, annaToken, url.Values{"score": {"5"}})
	live := list(t, g.must(200, "GET", "/api/v1/responses", reader, nil))
	if len(live) != 1 || str(live[0]["score"]) != "5" || live[0]["test"] != false || live[0]["writeback_status"] != "none" {
		t.Errorf("responses = %v, want only the live one, with nothing to write back", live)
	}
	all := list(t, g.must(200, "GET", "/api/v1/responses?include_test=true", reader, nil))
	if len(all) != 2 {
		t.Fatalf("include_test=true: %d responses, want 2", len(all))
	}
	for _, r := range all {
		if (str(r["score"]) == "2") != (r["test"] == true) {
			t.Errorf("response %v: test flag wrong", r)
		}
	}

	// Without a test recipient a test-mode interaction is recorded as not
	// sent, with the reason.
	g.must(200, "PATCH", "/api/v1/tenant", admin, map[string]any{"settings": map[string]any{"test_recipient": ""}})
	g.must(202, "POST", "/api/v1/interactions", testKey, body("T-4", "kim@example.org", ""))
	if r := requestFor(t, g, reader, "T-4"); r["status"] != "skipped" || r["reason"] != "no_test_recipient" {
		t.Errorf("test mode without a test recipient: %v", r)
	}

	// A reopen cancels a request that has not gone out, and is not taken
	// for a repeat of the solve.
	g.must(200, "PATCH", "/api/v1/tenant", admin, map[string]any{"settings": map[string]any{"delay_seconds": 3600}})
	g.must(202, "POST", "/api/v1/interactions", trigger, body("T-5", "ola@example.org", ""))
	if r := requestFor(t, g, reader, "T-5"); r["status"] != "scheduled" {
		t.Fatalf("request for T-5: %v, want scheduled", r)
	}
	reopen := body("T-5", "ola@example.org", "")
	reopen["event"] = "reopened"
	if r := g.must(202, "POST", "/api/v1/interactions", trigger, reopen); r["duplicate"] != false {
		t.Errorf("reopen taken for a repeat: %v", r)
	}
	eventually(t, 10*time.Second, "the request to be canceled", func() bool {
		return requestFor(t, g, reader, "T-5")["status"] == "canceled"
	})
	if r := g.must(200, "POST", "/api/v1/interactions", trigger, reopen); r["duplicate"] != true {
		t.Errorf("second reopen: %v, want a duplicate", r)
	}

	noPersonalData(t, g, "anna.schneider@example.org", "Anna Schneider", "lea.martin@", "marie.wagner@", "qa@nordlicht.example", "anna-at-example")
}

func keyName(key, trigger, reader, admin string) string {
	switch key {
	case "":
		return "no key"
	case trigger:
		return "trigger key"
	case reader:
		return "read key"
	case admin:
		return "admin key"
	}
	return "a key"
}

// TestLastAdminKeyCannotBeDeleted keeps a tenant configurable: only the
// operator creates tenants, so a tenant without an admin key would be lost.
func TestLastAdminKeyCannotBeDeleted(t *testing.T) {
	g := startGateway(t, "serve", nil)
	tenant := g.must(201, "POST", "/api/v1/tenants", operatorToken, map[string]any{"name": "Solo"})
	key, keyID := str(tenant["api_key"]), str(tenant["api_key_id"])
	r := g.do("DELETE", "/api/v1/api-keys/"+keyID, key, nil, nil)
	if r.Status != 409 || r.ErrorCode(t) != "conflict" {
		t.Fatalf("deleting the last admin key: %d %s, want 409", r.Status, r.Body)
	}
	second := g.must(201, "POST", "/api/v1/api-keys", key, map[string]any{"name": "backup", "role": "admin"})
	g.must(204, "DELETE", "/api/v1/api-keys/"+keyID, str(second["api_key"]), nil)
	if r := g.do("GET", "/api/v1/tenant", key, nil, nil); r.Status != 401 {
		t.Errorf("a deleted key still works: %d", r.Status)
	}
}
