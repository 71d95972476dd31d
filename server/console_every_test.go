package server_test

import (
	"net/url"
	"strings"
	"testing"
)

// consoleRoutes are the console's routes of one method, with ids filled
// in, leaving out sign-in and sign-out (which have no session yet).
func (s *consoleSite) consoleRoutes(method string) []string {
	var out []string
	for _, r := range s.app.GetRoutes(true) {
		p := r.Path
		if r.Method != method || !strings.HasPrefix(p, "/console") || strings.HasPrefix(p, "/console/login") ||
			strings.HasPrefix(p, "/console/logout") || strings.HasPrefix(p, "/console/sso") {
			continue
		}
		out = append(out, strings.ReplaceAll(p, ":id", "nosuch"))
	}
	return out
}

// Every console form refuses a request without the session's CSRF token,
// before it looks at anything else.
func TestConsoleEveryFormNeedsCSRF(t *testing.T) {
	site := newConsoleSite(t)
	site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	b := site.browser()
	b.signIn("ada@nordlicht.example")
	forms := site.consoleRoutes("POST")
	if len(forms) < 20 {
		t.Fatalf("only %d console forms found", len(forms))
	}
	for _, path := range forms {
		if p := b.post(path, url.Values{"csrf": {"forged"}}); p.status != 403 || !strings.Contains(p.body, "CSRF token") {
			t.Errorf("POST %s with a forged token: %d", path, p.status)
		}
		if p := b.do("POST", path, url.Values{"csrf": {""}}); p.status != 403 {
			t.Errorf("POST %s without a token: %d", path, p.status)
		}
	}
}

// Every console page answers each role as the role table says: admins
// everything of the tenant, leads their agents and responses, agents their
// responses and profile; the others are refused (403) or sent on.
func TestConsolePagesByRole(t *testing.T) {
	site := newConsoleSite(t)
	site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin",
		"lea@nordlicht.example": "lead:Berlin", "max@nordlicht.example": "agent"})
	lead := map[string]bool{"/console/": true, "/console/agents": true, "/console/responses": true, "/console/agents/nosuch": true, "/console/responses/nosuch": true,
		"/console/rewards": true} // their team's rewards; teams are the admins'

	agent := map[string]bool{"/console/": true, "/console/responses": true, "/console/profile": true, "/console/agents": true, "/console/responses/nosuch": true}
	// The Reports section's pages: every role, each in its scope.
	for _, p := range []string{"/console/reports", "/console/reports/responses", "/console/reports/csat.csv", "/console/reports/response-rate.csv",
		"/console/leaderboard", "/console/leaderboard.csv", "/console/leaderboard/tv", "/console/stream"} {
		lead[p], agent[p] = true, true
	}
	pages := site.consoleRoutes("GET")
	for role, email := range map[string]string{"admin": "ada@nordlicht.example", "lead": "lea@nordlicht.example", "agent": "max@nordlicht.example"} {
		b := site.browser()
		b.signIn(email)
		for _, path := range pages {
			p := b.get(path)
			allowed := map[string]bool{"admin": path != "/console/tenants" && path != "/console/profile", "lead": lead[path], "agent": agent[path]}[role]
			switch {
			case allowed && (p.status == 403 || p.status == 401 || p.status >= 500):
				t.Errorf("%s at %s: %d, want it shown", role, path, p.status)
			case !allowed && p.status != 403:
				t.Errorf("%s at %s: %d, want 403", role, path, p.status)
			}
		}
	}
	anon := site.browser()
	for _, path := range pages {
		want := "/console/login?next=" + url.QueryEscape(path) // back here after sign-in
		if path == "/console/" {
			want = "/console/login"
		}
		if p := anon.get(path); p.status != 303 || p.location != want {
			t.Errorf("signed out at %s: %d to %q", path, p.status, p.location)
		}
	}
}
