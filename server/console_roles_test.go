package server_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/server"
)

// Every API operation a console user may call is refused (403) to the
// roles openapi.json's x-plaudit-user-roles leave out, and admitted to
// the others: the server enforces roles on the call, not in the menu.
func TestUserRolesOnEveryAPICall(t *testing.T) {
	site := newConsoleSite(t)
	site.tenant("Nordlicht Reisen", map[string]string{
		"ada@nordlicht.example": "admin", "lea@nordlicht.example": "lead:Berlin", "max@nordlicht.example": "agent"})
	users := map[string]*browser{}
	for role, email := range map[string]string{"admin": "ada@nordlicht.example", "lead": "lea@nordlicht.example", "agent": "max@nordlicht.example"} {
		users[role] = site.browser()
		users[role].signIn(email)
	}
	checked := 0
	for _, path := range sortedKeys(site.doc.Paths.Map()) {
		for method, op := range site.doc.Paths.Value(path).Operations() {
			raw, ok := op.Extensions["x-plaudit-user-roles"].([]any)
			if !ok {
				if strings.HasPrefix(path, "/api/v1/") && !strings.HasPrefix(path, "/api/v1/tenants") {
					t.Errorf("%s %s: no x-plaudit-user-roles", method, path)
				}
				continue
			}
			p := strings.ReplaceAll(path, "{id}", "nosuch")
			for _, role := range []string{"admin", "lead", "agent"} {
				r := users[role].api(method, p, "")
				allowed := slices.ContainsFunc(raw, func(v any) bool { return fmt.Sprint(v) == role })
				switch {
				case allowed && (r.status == 401 || r.status == 403):
					t.Errorf("%s %s as %s: %d, want it allowed: %s", method, p, role, r.status, r.body)
				case !allowed && r.status != 403:
					t.Errorf("%s %s as %s: %d, want 403", method, p, role, r.status)
				}
				checked++
			}
		}
	}
	if checked < 60 {
		t.Fatalf("only %d calls checked", checked)
	}
}

// A lead sees and approves the agents of their team only, and may change
// nothing else about them; an agent user sees themselves.
func TestLeadAndAgentScope(t *testing.T) {
	site := newConsoleSite(t)
	key, _ := site.tenant("Nordlicht Reisen", map[string]string{
		"lea@nordlicht.example": "lead:Berlin", "max@nordlicht.example": "agent"})
	agent := func(email, team string, approved bool) string {
		var a struct{ ID string }
		site.do(call{method: "POST", path: "/api/v1/agents", key: key, json: map[string]any{
			"email": email, "name": email[:3], "team": team, "approved": approved}}, 201).decode(t, &a)
		return a.ID
	}
	maxID := agent("max@nordlicht.example", "Berlin", true)
	newID := agent("nina@nordlicht.example", "Berlin", false)
	otherID := agent("olaf@nordlicht.example", "Hamburg", false)

	lead, self := site.browser(), site.browser()
	lead.signIn("lea@nordlicht.example")
	self.signIn("max@nordlicht.example")
	ids := func(b *browser) []string {
		var list struct{ Data []struct{ ID string } }
		if err := json.Unmarshal([]byte(b.api("GET", "/api/v1/agents", "").body), &list); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range list.Data {
			out = append(out, a.ID)
		}
		slices.Sort(out)
		return out
	}
	want := []string{maxID, newID}
	slices.Sort(want)
	if got := ids(lead); !slices.Equal(got, want) {
		t.Errorf("the lead lists %v, want the team %v", got, want)
	}
	if got := ids(self); !slices.Equal(got, []string{maxID}) {
		t.Errorf("the agent lists %v, want themselves", got)
	}
	if r := lead.api("PATCH", "/api/v1/agents/"+newID, `{"approved":true}`); r.status != 200 {
		t.Errorf("the lead approving their agent: %d %s", r.status, r.body)
	}
	if r := lead.api("PATCH", "/api/v1/agents/"+otherID, `{"approved":true}`); r.status != 404 {
		t.Errorf("the lead approving another team's agent: %d", r.status)
	}
	if r := lead.api("PATCH", "/api/v1/agents/"+maxID, `{"name":"Someone Else"}`); r.status != 403 {
		t.Errorf("the lead renaming an agent: %d", r.status)
	}
	if r := self.api("GET", "/api/v1/agents/"+newID, ""); r.status != 404 {
		t.Errorf("an agent reading a colleague: %d", r.status)
	}
}

// Failed sign-ins are limited per client: past the budget the client is
// refused for the rest of the minute, also with the right token.
func TestConsoleFailedSignInsLimited(t *testing.T) {
	limits := server.DefaultLimits
	limits.AuthFailuresPerClient = 3
	site := newConsoleSite(t, limited(t, limits))
	b := site.browser()
	b.get("/console/login")
	for i := range 4 { // the budget, and the failure that spends it
		if p := b.post("/console/login/operator", url.Values{"token": {"guess"}}); p.status != 401 {
			t.Fatalf("failure %d: %d", i+1, p.status)
		}
	}
	if p := b.post("/console/login/link/made-up", url.Values{}); p.status != 429 {
		t.Fatalf("past the budget, a link: %d", p.status)
	}
	if p := b.post("/console/login/operator", url.Values{"token": {operatorToken}}); p.status != 429 || p.header.Get("Retry-After") == "" {
		t.Fatalf("past the budget, the right token: %d", p.status)
	}
}
