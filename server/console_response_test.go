package server_test

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

// One response's page, linked from helpdesk notes: an admin sees any, a
// lead their team's, an agent their own; any other is not found (404),
// the same as an id that does not exist.
func TestConsoleResponsePage(t *testing.T) {
	site := newConsoleSite(t)
	key, tn := site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin",
		"lea@nordlicht.example": "lead:Berlin", "max@nordlicht.example": "agent"})
	agent := func(email, team string) string {
		var a struct{ ID string }
		site.do(call{method: "POST", path: "/api/v1/agents", key: key, json: map[string]any{"email": email, "name": "Agent " + email[:4], "team": team}}, 201).decode(t, &a)
		return a.ID
	}
	maxID, olaf := agent("max@nordlicht.example", "Berlin"), agent("olaf@nordlicht.example", "Hamburg")
	mine := site.respond(tn.ID, maxID, "T-1", 4, "Max knew the ferry times by heart")
	other := site.respond(tn.ID, olaf, "T-2", 2, "Olaf was in a hurry")

	for email, want := range map[string]map[string]bool{
		"ada@nordlicht.example": {mine.ID: true, other.ID: true},
		"lea@nordlicht.example": {mine.ID: true},
		"max@nordlicht.example": {mine.ID: true},
	} {
		b := site.browser()
		b.signIn(email)
		for _, r := range []plaudit.Response{mine, other} {
			p := b.get("/console/responses/" + r.ID)
			switch {
			case want[r.ID] && (p.status != 200 || !strings.Contains(p.body, html.EscapeString(r.Comment)) || !strings.Contains(p.body, r.TicketID)):
				t.Errorf("%s at %s: %d, want the response shown", email, r.ID, p.status)
			case !want[r.ID] && (p.status != 404 || strings.Contains(p.body, html.EscapeString(r.Comment))):
				t.Errorf("%s at another's %s: %d, want 404 and nothing of it", email, r.ID, p.status)
			}
		}
		if p := b.get("/console/responses/rsp_nosuch"); p.status != 404 {
			t.Errorf("%s at an unknown response: %d", email, p.status)
		}
	}

	admin := site.browser()
	admin.signIn("ada@nordlicht.example")
	p := admin.get("/console/responses/" + other.ID)
	if !strings.Contains(p.body, "Agent olaf") || !strings.Contains(p.body, "2 of 5") || !strings.Contains(p.body, "Reason to exclude") {
		t.Fatalf("the admin's page of a response: %s", p.body)
	}
	p = admin.post("/console/responses/"+other.ID+"/exclusion", url.Values{"reason": {plaudit.ExcludeNotAboutAgent}, "back": {"response"}})
	if p.status != 303 || p.location != "/console/responses/"+other.ID+"?saved=1" {
		t.Fatalf("excluding from the response's page: %d to %q", p.status, p.location)
	}
	if p := admin.get(p.location); !strings.Contains(p.body, "Excluded") || !strings.Contains(p.body, "Count it again") {
		t.Fatalf("after excluding: %s", p.body)
	}
}

var responseLink = regexp.MustCompile(`href="/console/responses/(rsp_[A-Za-z0-9_-]+)"`)
var olderHref = regexp.MustCompile(`<a href="([^"]+)" rel="next">Older</a>`)

// The responses list pages past its first 200 through "Older" links (plain
// links, keeping the filters): every response once, none left out.
func TestConsoleResponsesOlderPages(t *testing.T) {
	site := newConsoleSite(t)
	key, tn := site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	var a, b struct{ ID string }
	site.do(call{method: "POST", path: "/api/v1/agents", key: key, json: map[string]any{"email": "max@nordlicht.example", "name": "Max"}}, 201).decode(t, &a)
	site.do(call{method: "POST", path: "/api/v1/agents", key: key, json: map[string]any{"email": "olaf@nordlicht.example", "name": "Olaf"}}, 201).decode(t, &b)
	want := map[string]bool{}
	for i := range 205 {
		want[site.respond(tn.ID, a.ID, fmt.Sprintf("T-%d", i), 5, "").ID] = true
	}
	site.respond(tn.ID, b.ID, "T-olaf", 3, "")

	admin := site.browser()
	admin.signIn("ada@nordlicht.example")
	seen := map[string]bool{}
	path, pages := "/console/responses?agent="+a.ID, 0
	for path != "" {
		pages++
		p := admin.get(path)
		if p.status != 200 {
			t.Fatalf("%s: %d %s", path, p.status, p.body)
		}
		for _, m := range responseLink.FindAllStringSubmatch(p.body, -1) {
			if seen[m[1]] || !want[m[1]] {
				t.Fatalf("page %d lists %s twice or from another agent", pages, m[1])
			}
			seen[m[1]] = true
		}
		path = ""
		if m := olderHref.FindStringSubmatch(p.body); m != nil {
			path = html.UnescapeString(m[1])
			if !strings.Contains(path, "agent="+a.ID) {
				t.Fatalf("the Older link drops the filter: %s", path)
			}
		}
		if pages > 1 && !strings.Contains(p.body, ">Newest</a>") {
			t.Fatalf("page %d has no link back to the newest", pages)
		}
	}
	if pages != 2 || len(seen) != len(want) {
		t.Fatalf("%d pages, %d of %d responses", pages, len(seen), len(want))
	}
	if p := admin.get("/console/responses?before=yesterday"); p.status != 400 {
		t.Fatalf("a forged place in the list: %d", p.status)
	}
}

// The audit log pages past its first 500 the same way.
func TestConsoleAuditOlderPages(t *testing.T) {
	site := newConsoleSite(t)
	_, tn := site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	for range 520 {
		if err := site.store.AddAudit(t.Context(), &plaudit.AuditEvent{TenantID: tn.ID, Actor: "key:test", Action: "agent.update", Target: "agt_x"}); err != nil {
			t.Fatal(err)
		}
	}
	admin := site.browser()
	admin.signIn("ada@nordlicht.example")
	all, err := site.store.ListAudit(t.Context(), tn.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile(`<tr><td>`)
	p := admin.get("/console/audit")
	first := len(rows.FindAllString(p.body, -1))
	m := olderHref.FindStringSubmatch(p.body)
	if first != 500 || m == nil {
		t.Fatalf("first page: %d rows, older link %v", first, m)
	}
	p = admin.get(html.UnescapeString(m[1]))
	second := len(rows.FindAllString(p.body, -1))
	if p.status != 200 || first+second != len(all) || olderHref.MatchString(p.body) {
		t.Fatalf("second page: %d, %d rows of %d in all", p.status, second, len(all))
	}
}
