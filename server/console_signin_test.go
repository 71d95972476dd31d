package server_test

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// An admin signs in with a link by email: the link's page shows a button
// (a mail scanner's GET spends nothing), the POST signs in with a new
// HttpOnly, SameSite=Lax, Secure cookie, and the link works once.
func TestConsoleSignInByLink(t *testing.T) {
	site := newConsoleSite(t)
	_, tn := site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	b := site.browser()

	if p := b.get("/console/"); p.status != 303 || p.location != "/console/login" {
		t.Fatalf("the console before sign-in: %d to %q", p.status, p.location)
	}
	b.get("/console/login")
	b.post("/console/login", url.Values{"email": {"ADA@nordlicht.example"}})
	link := site.linkFor("ada@nordlicht.example")
	for range 3 { // scanners open the link, maybe several times
		b.get(link)
	}
	p := b.post(link, url.Values{})
	if p.status != 303 || p.location != "/console/" {
		t.Fatalf("sign-in: %d to %q", p.status, p.location)
	}
	c := b.cookies["plaudit_session"]
	if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != 2 /* http.SameSiteLaxMode */ || c.Path != "/" {
		t.Fatalf("session cookie %+v: want HttpOnly, Secure, SameSite=Lax", c)
	}
	if p := b.get("/console/"); p.status != 200 || !strings.Contains(p.body, "Nordlicht Reisen") || !strings.Contains(p.body, `<html lang="en">`) {
		t.Fatalf("overview: %d %s", p.status, p.body)
	}

	// The link works once.
	other := site.browser()
	other.get(link)
	if p := other.post(link, url.Values{}); p.status != 401 || !strings.Contains(p.body, "unknown, used or expired") {
		t.Fatalf("a used link: %d %s", p.status, p.body)
	}
	events, err := site.store.ListAudit(t.Context(), tn.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range events {
		found = found || (e.Action == "console.sign_in" && e.Detail == "method=link" && strings.HasPrefix(e.Actor, "user:"))
	}
	if !found {
		t.Errorf("sign-in not audited: %+v", events)
	}

	// Signing in again rotates the session: the cookie from before is
	// worth nothing after.
	before := *b.cookies["plaudit_session"]
	b.signIn("ada@nordlicht.example")
	if b.cookies["plaudit_session"].Value == before.Value {
		t.Fatal("the session cookie was not rotated at sign-in")
	}
	stale := site.browser()
	stale.cookies["plaudit_session"] = &before
	if p := stale.get("/console/"); p.status != 303 {
		t.Fatalf("the session from before the new sign-in: %d", p.status)
	}
}

// A link expires after 15 minutes; an unknown address gets the same page
// as a known one and no mail.
func TestConsoleLinkExpiresAndUnknownAddressGetsNoMail(t *testing.T) {
	site := newConsoleSite(t)
	site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	b := site.browser()
	b.get("/console/login")
	known := b.post("/console/login", url.Values{"email": {"ada@nordlicht.example"}})
	unknown := b.post("/console/login", url.Values{"email": {"eve@nordlicht.example"}})
	if known.status != unknown.status || known.body != unknown.body {
		t.Errorf("a known and an unknown address get different answers:\n%s\n%s", known.body, unknown.body)
	}
	link := site.linkFor("ada@nordlicht.example")
	time.Sleep(50 * time.Millisecond)
	msgs, err := site.outbox.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Email != nil && m.Email.To == "eve@nordlicht.example" {
			t.Fatal("an unknown address got mail")
		}
	}
	site.clock.add(16 * time.Minute)
	if p := b.post(link, url.Values{}); p.status != 401 {
		t.Fatalf("a link 16 minutes old: %d", p.status)
	}
	bad := b.post("/console/login", url.Values{"email": {"not an address"}})
	if bad.status != 400 || !strings.Contains(bad.body, `id="e-email"`) || !strings.Contains(bad.body, `aria-invalid="true"`) {
		t.Errorf("a malformed address: %d, the error is not next to the field: %s", bad.status, bad.body)
	}
}

// Every state-changing form needs the session's CSRF token; so does an API
// call made with the session cookie.
func TestConsoleCSRF(t *testing.T) {
	site := newConsoleSite(t)
	site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	b := site.browser()
	b.signIn("ada@nordlicht.example")

	if p := b.post("/console/logout/everywhere", url.Values{"csrf": {"forged"}}); p.status != 403 {
		t.Fatalf("a form with a forged token: %d", p.status)
	}
	if p := b.do("POST", "/api/v1/users", nil, "Content-Type", "application/json"); p.status != 403 {
		t.Fatalf("an API call with the cookie and no CSRF header: %d %s", p.status, p.body)
	}
	if p := b.get("/console/"); p.status != 200 {
		t.Fatalf("still signed in after refused forms: %d", p.status)
	}
	if p := b.post("/console/logout", url.Values{}); p.status != 303 {
		t.Fatalf("sign out with the token: %d", p.status)
	}
	if p := b.get("/console/"); p.status != 303 {
		t.Fatalf("after sign-out: %d", p.status)
	}
}

// A session not used for 30 minutes ends; "sign out on every device"
// ends the user's other sessions too.
func TestConsoleIdleTimeoutAndSignOutEverywhere(t *testing.T) {
	site := newConsoleSite(t)
	site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	laptop, phone := site.browser(), site.browser()
	laptop.signIn("ada@nordlicht.example")
	phone.signIn("ada@nordlicht.example")

	site.clock.add(20 * time.Minute)
	if p := laptop.get("/console/"); p.status != 200 {
		t.Fatalf("after 20 idle minutes: %d", p.status)
	}
	site.clock.add(20 * time.Minute) // the phone has now been idle 40
	if p := phone.get("/console/"); p.status != 303 {
		t.Fatalf("after 40 idle minutes: %d, want the sign-in page", p.status)
	}
	phone.signIn("ada@nordlicht.example")
	if p := laptop.post("/console/logout/everywhere", url.Values{}); p.status != 303 {
		t.Fatalf("sign out everywhere: %d", p.status)
	}
	if p := phone.get("/console/"); p.status != 303 {
		t.Fatalf("the phone after sign-out everywhere: %d", p.status)
	}
}

// The operator signs in with the operator token; a wrong one is refused
// with the error next to the field, and logged for the audit.
func TestConsoleOperatorSignIn(t *testing.T) {
	site := newConsoleSite(t)
	b := site.browser()
	b.get("/console/login")
	p := b.post("/console/login/operator", url.Values{"token": {"guess"}})
	if p.status != 401 || !strings.Contains(p.body, `id="e-token"`) {
		t.Fatalf("a wrong token: %d %s", p.status, p.body)
	}
	if !strings.Contains(site.log.String(), "audit: console sign-in failed") {
		t.Errorf("the failed sign-in is not in the log")
	}
	if strings.Contains(site.log.String(), "guess") {
		t.Errorf("the log holds the token tried")
	}
	p = b.post("/console/login/operator", url.Values{"token": {operatorToken}})
	if p.status != 303 || p.location != "/console/tenants" {
		t.Fatalf("the operator token: %d to %q", p.status, p.location)
	}
}

// The operator sees and creates tenants, with a first admin who can then
// sign in; tenant users cannot reach the page.
func TestConsoleOperatorCreatesTenant(t *testing.T) {
	site := newConsoleSite(t)
	op := site.browser()
	op.get("/console/login")
	op.post("/console/login/operator", url.Values{"token": {operatorToken}})
	if p := op.get("/console/"); p.status != 303 || p.location != "/console/tenants" {
		t.Fatalf("the operator at the overview: %d to %q", p.status, p.location)
	}
	op.get("/console/tenants")
	p := op.post("/console/tenants", url.Values{"name": {"  "}})
	if p.status != 400 || !strings.Contains(p.body, `id="e-name"`) {
		t.Fatalf("a tenant without a name: %d %s", p.status, p.body)
	}
	p = op.post("/console/tenants", url.Values{"name": {"Nordlicht Reisen"}, "admin_email": {"ada@nordlicht.example"}})
	if p.status != 201 || !strings.Contains(p.body, "pk_live_") || !strings.Contains(p.body, "<td>Nordlicht Reisen</td>") {
		t.Fatalf("creating a tenant: %d %s", p.status, p.body)
	}
	ada := site.browser()
	ada.signIn("ada@nordlicht.example")
	if p := ada.get("/console/tenants"); p.status != 403 {
		t.Fatalf("a tenant admin at the tenants page: %d", p.status)
	}
}
