package server_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit/server"
)

// mailsTo counts the sign-in mails to email in the outbox.
func (s *consoleSite) mailsTo(email string) int {
	s.t.Helper()
	msgs, err := s.outbox.List(s.t.Context())
	if err != nil {
		s.t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Email != nil && m.Email.To == email {
			n++
		}
	}
	return n
}

// Login CSRF: the sign-in forms carry a token of a cookie set when the
// form was shown. A page elsewhere that posts an attacker's own sign-in
// link (or the operator form) from a victim's browser signs nobody in and
// spends nothing; the victim's own form, shown again, works.
func TestConsoleSignInFormsNeedTheirToken(t *testing.T) {
	site := newConsoleSite(t)
	site.tenant("Nordlicht Reisen", map[string]string{"mallory@nordlicht.example": "admin", "ada@nordlicht.example": "admin"})
	attacker := site.browser()
	attacker.get("/console/login")
	attacker.post("/console/login", url.Values{"email": {"mallory@nordlicht.example"}})
	link := site.linkFor("mallory@nordlicht.example")
	attacker.get(link)

	victim := site.browser()
	for _, form := range []url.Values{{}, {"csrf": {attacker.csrf}}, {"csrf": {"forged"}}} {
		p := victim.do("POST", link, form)
		if p.status != 403 || victim.cookies["plaudit_session"] != nil || !strings.Contains(p.body, "This sign-in form was not opened here") {
			t.Fatalf("a cross-site post of the attacker's link (%v): %d, session %v", form, p.status, victim.cookies["plaudit_session"])
		}
	}
	victim.get("/console/login") // the victim's own cookie: still not the attacker's token
	if p := victim.do("POST", link, url.Values{"csrf": {attacker.csrf}}); p.status != 403 || victim.cookies["plaudit_session"] != nil {
		t.Fatalf("the attacker's token with the victim's cookie: %d", p.status)
	}
	if p := victim.do("POST", "/console/login/operator", url.Values{"csrf": {attacker.csrf}, "token": {operatorToken}}); p.status != 403 || victim.cookies["plaudit_session"] != nil {
		t.Fatalf("a cross-site operator sign-in: %d", p.status)
	}
	if p := victim.do("POST", "/console/login", url.Values{"csrf": {"forged"}, "email": {"ada@nordlicht.example"}}); p.status != 403 {
		t.Fatalf("a cross-site request for a link: %d", p.status)
	}
	time.Sleep(50 * time.Millisecond)
	if n := site.mailsTo("ada@nordlicht.example"); n != 0 {
		t.Fatalf("a refused form sent %d mails", n)
	}
	// Nothing was spent: the link still signs its owner in from the page.
	if p := attacker.post(link, url.Values{}); p.status != 303 || attacker.cookies["plaudit_session"] == nil {
		t.Fatalf("the link after the refused posts: %d", p.status)
	}
	// The refused page carries a fresh token: sent again, it works.
	expired := site.browser()
	p := expired.do("POST", "/console/login", url.Values{"email": {"ada@nordlicht.example"}})
	if p.status != 403 || expired.csrf == "" {
		t.Fatalf("a form without its cookie: %d", p.status)
	}
	if p := expired.post("/console/login", url.Values{"email": {"ada@nordlicht.example"}}); p.status != 200 {
		t.Fatalf("the form sent again: %d %s", p.status, p.body)
	}
	site.linkFor("ada@nordlicht.example")
	c := expired.cookies["plaudit_login"]
	if c == nil || !c.HttpOnly || c.SameSite != 2 /* Lax */ || c.Path != "/console" {
		t.Fatalf("pre-session cookie %+v", c)
	}
}

// Sign-in mails are limited per address, whichever clients ask: past the
// budget no more mail goes, and the page answers as for any address.
func TestConsoleSignInMailsLimitedPerAddress(t *testing.T) {
	site := newConsoleSite(t, limited(t, server.DefaultLimits, "0.0.0.0/0"))
	site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	var answers []string
	for i := range 8 {
		b := site.browser() // a new browser, from a new address, each time
		client := "192.0.2." + string(rune('1'+i))
		b.do("GET", "/console/login", nil, "X-Forwarded-For", client)
		p := b.do("POST", "/console/login", url.Values{"email": {"ada@nordlicht.example"}}, "X-Forwarded-For", client)
		if p.status != 200 {
			t.Fatalf("request %d: %d", i+1, p.status)
		}
		answers = append(answers, strings.ReplaceAll(p.body, b.csrf, ""))
	}
	stranger := site.browser()
	stranger.get("/console/login")
	p := stranger.post("/console/login", url.Values{"email": {"nobody@nordlicht.example"}})
	for i, a := range answers {
		if a != strings.ReplaceAll(p.body, stranger.csrf, "") {
			t.Fatalf("answer %d differs from an unknown address's", i+1)
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for site.mailsTo("ada@nordlicht.example") < 5 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if n := site.mailsTo("ada@nordlicht.example"); n != 5 {
		t.Fatalf("%d sign-in mails to one address from 8 clients, want 5", n)
	}
	if strings.Contains(site.log.String(), "ada@") {
		t.Fatal("the log names the address")
	}
}

// After sign-in the browser returns to the page that asked for it, through
// the link by mail: the path rides in the link and the form.
func TestConsoleSignInReturnsToThePage(t *testing.T) {
	site := newConsoleSite(t)
	site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	b := site.browser()
	want := "/console/responses?agent=agt_1&since=2026-01-31"
	p := b.get(want)
	if p.status != 303 || p.location != "/console/login?next="+url.QueryEscape(want) {
		t.Fatalf("signed out: %d to %q", p.status, p.location)
	}
	if p := b.get(p.location); !strings.Contains(p.body, `name="next" value="/console/responses?agent=agt_1&amp;since=2026-01-31"`) {
		t.Fatalf("the sign-in page does not carry the page: %s", p.body)
	}
	b.post("/console/login", url.Values{"email": {"ada@nordlicht.example"}, "next": {want}})
	link := site.linkFor("ada@nordlicht.example")
	if !strings.HasSuffix(link, "?next="+url.QueryEscape(want)) {
		t.Fatalf("the mailed link %q does not carry the page", link)
	}
	if p := b.get(link); !strings.Contains(p.body, `name="next"`) {
		t.Fatalf("the link's page does not carry the page: %s", p.body)
	}
	if p := b.post(strings.Split(link, "?")[0], url.Values{"next": {want}}); p.status != 303 || p.location != want {
		t.Fatalf("signed in: %d to %q, want %q", p.status, p.location, want)
	}

	// A next elsewhere is dropped on the way: the overview, or the
	// operator's tenants.
	op := site.browser()
	op.get("/console/login")
	if p := op.post("/console/login/operator", url.Values{"token": {operatorToken}, "next": {"https://evil.example/"}}); p.status != 303 || p.location != "/console/tenants" {
		t.Fatalf("the operator with a next elsewhere: %d to %q", p.status, p.location)
	}
	b2 := site.browser()
	b2.get("/console/login")
	b2.post("/console/login", url.Values{"email": {"ada@nordlicht.example"}, "next": {"//evil.example/"}})
	link = site.linkFor("ada@nordlicht.example")
	if strings.Contains(link, "next") {
		t.Fatalf("the mailed link carries a next elsewhere: %q", link)
	}
	b2.get(link)
	if p := b2.post(link, url.Values{"next": {"/\\evil.example"}}); p.status != 303 || p.location != "/console/" {
		t.Fatalf("signed in with a next elsewhere: %d to %q", p.status, p.location)
	}
}
