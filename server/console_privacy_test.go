package server_test

import (
	"net/url"
	"strings"
	"testing"
)

// An admin exports and erases a data subject in the console: the same
// store calls as the API, audited under a hash; erasure asks for a
// confirmation first.
func TestConsolePrivacyAndAudit(t *testing.T) {
	site := newConsoleSite(t)
	key, _ := site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin", "lea@nordlicht.example": "lead:Berlin"})
	site.do(call{method: "POST", path: "/api/v1/agents", key: key, json: map[string]any{"email": "max@nordlicht.example", "name": "Max Muster"}}, 201)
	site.do(call{method: "POST", path: "/api/v1/interactions", key: key, json: map[string]any{"ext_interaction_id": "T-77",
		"customer": map[string]any{"name": "Anna Schmidt", "email": "anna@example.org"}, "employee": map[string]any{"email": "max@nordlicht.example"}}}, 202)

	b := site.browser()
	b.signIn("ada@nordlicht.example")
	b.get("/console/privacy")
	if p := b.post("/console/privacy/export", url.Values{"email": {"not-an-address"}}); p.status != 400 || !strings.Contains(p.body, `id="e-email"`) {
		t.Fatalf("export with a bad address: %d %s", p.status, p.body)
	}
	p := b.post("/console/privacy/export", url.Values{"email": {"Anna@Example.org"}})
	if p.status != 200 || !strings.Contains(p.body, "Anna Schmidt") || !strings.Contains(p.body, "T-77") {
		t.Fatalf("export: %d %s", p.status, p.body)
	}
	if p := b.post("/console/privacy/erase", url.Values{"erase_email": {"anna@example.org"}}); p.status != 400 || !strings.Contains(p.body, `id="e-confirm"`) {
		t.Fatalf("erase without confirming: %d", p.status)
	}
	if p := b.post("/console/privacy/erase", url.Values{"erase_email": {"nope"}, "confirm": {"yes"}}); p.status != 400 || !strings.Contains(p.body, `id="e-erase_email"`) {
		t.Fatalf("erase with a bad address: %d %s", p.status, p.body)
	}
	if p := b.post("/console/privacy/erase", url.Values{"erase_email": {"anna@example.org"}, "confirm": {"yes"}}); p.status != 200 || !strings.Contains(p.body, "records erased") {
		t.Fatalf("erase: %d %s", p.status, p.body)
	}
	if p := b.post("/console/privacy/export", url.Values{"email": {"anna@example.org"}}); strings.Contains(p.body, "Anna Schmidt") {
		t.Fatal("the export still finds the erased person")
	}
	audit := b.get("/console/audit")
	if audit.status != 200 || !strings.Contains(audit.body, "data_subject.erase") || strings.Contains(audit.body, "anna@example.org") {
		t.Fatalf("the audit page: %d %s", audit.status, audit.body)
	}
	lead := site.browser()
	lead.signIn("lea@nordlicht.example")
	for _, path := range []string{"/console/privacy", "/console/audit"} {
		if p := lead.get(path); p.status != 403 {
			t.Errorf("a lead at %s: %d", path, p.status)
		}
	}
}
