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

// Suppressions on the privacy page, through the API's code: an admin
// suppresses an address (listed as a hash, never in clear), the API sees
// it, and it is lifted by its address or from its row; each step audited.
func TestConsoleSuppressions(t *testing.T) {
	site := newConsoleSite(t)
	key, tn := site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	b := site.browser()
	b.signIn("ada@nordlicht.example")
	b.get("/console/privacy")
	if p := b.post("/console/privacy/suppressions", url.Values{"suppress_email": {"not-an-address"}}); p.status != 400 || !strings.Contains(p.body, `id="e-suppress_email"`) {
		t.Fatalf("a bad address: %d %s", p.status, p.body)
	}
	listed := func() []string {
		t.Helper()
		var list struct {
			Data []struct {
				AddressHash string `json:"address_hash"`
			}
		}
		site.do(call{method: "GET", path: "/api/v1/suppressions", key: key}, 200).decode(t, &list)
		var out []string
		for _, s := range list.Data {
			out = append(out, s.AddressHash)
		}
		return out
	}
	if n := len(listed()); n != 0 {
		t.Fatalf("the refused form suppressed %d", n)
	}
	for _, form := range []url.Values{{"suppress_email": {"Anna@Example.org"}}, {"suppress_phone": {"+49 30 1234567"}}} {
		if p := b.post("/console/privacy/suppressions", form); p.status != 303 {
			t.Fatalf("suppress %v: %d %s", form, p.status, p.body)
		}
	}
	hashes := listed()
	p := b.get("/console/privacy")
	if len(hashes) != 2 || strings.Contains(p.body, "anna@example.org") || strings.Count(p.body, `name="address_hash"`) != 2 ||
		!strings.Contains(p.body, hashes[0][:16]) {
		t.Fatalf("after suppressing: stored %v; the page: %s", hashes, p.body)
	}
	if p := b.post("/console/privacy/suppressions/lift", url.Values{"lift_email": {"anna@example.org"}}); p.status != 303 {
		t.Fatalf("lift by address: %d %s", p.status, p.body)
	}
	left := listed()
	if len(left) != 1 {
		t.Fatalf("after lifting the email: %v", left)
	}
	b.get("/console/privacy")
	if p := b.post("/console/privacy/suppressions/lift", url.Values{"address_hash": {left[0]}}); p.status != 303 {
		t.Fatalf("lift from the row: %d %s", p.status, p.body)
	}
	if n := len(listed()); n != 0 {
		t.Fatalf("%d left after lifting both", n)
	}
	b.get("/console/privacy")
	if p := b.post("/console/privacy/suppressions/lift", url.Values{"lift_email": {"anna@example.org"}}); p.status != 404 || !strings.Contains(p.body, "no suppression for that address") {
		t.Fatalf("lifting what is not there: %d %s", p.status, p.body)
	}
	events, err := site.store.ListAudit(t.Context(), tn.ID, 20)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range events {
		if strings.HasPrefix(e.Action, "suppression.") {
			actions = append(actions, e.Action)
			if !strings.HasPrefix(e.Actor, "user:") || strings.Contains(e.Target, "anna") {
				t.Errorf("audit event %+v", e)
			}
		}
	}
	if strings.Join(actions, ",") != "suppression.remove,suppression.remove,suppression.add,suppression.add" {
		t.Fatalf("audited: %v", actions)
	}
}
