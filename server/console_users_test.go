package server_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// An admin adds, changes and removes users in the console; a lead
// without a team is refused with the error next to the field; an admin
// cannot remove themselves; the new user can sign in.
func TestConsoleUsers(t *testing.T) {
	site := newConsoleSite(t)
	site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin", "max@nordlicht.example": "agent"})
	admin := site.browser()
	admin.signIn("ada@nordlicht.example")
	admin.get("/console/users")
	p := admin.post("/console/users", url.Values{"email": {"lea@nordlicht.example"}, "role": {"lead"}})
	if p.status != 400 || !strings.Contains(p.body, `id="e-team"`) {
		t.Fatalf("a lead without a team: %d %s", p.status, p.body)
	}
	if p := admin.post("/console/users", url.Values{"email": {"lea@nordlicht.example"}, "role": {"lead"}, "team": {"Berlin"}}); p.status != 303 {
		t.Fatalf("add user: %d %s", p.status, p.body)
	}
	lea := site.browser()
	lea.signIn("lea@nordlicht.example")
	if p := lea.get("/console/users"); p.status != 403 {
		t.Fatalf("a lead at the users page: %d", p.status)
	}
	list := admin.get("/console/users")
	id := regexp.MustCompile(`<label for="role-(usr_[A-Za-z0-9_-]+)" class="inline">Role of lea@`).FindStringSubmatch(list.body)
	if id == nil {
		t.Fatalf("lea is not listed: %s", list.body)
	}
	if p := admin.post("/console/users/"+id[1], url.Values{"role": {"admin"}, "team": {""}}); p.status != 303 {
		t.Fatalf("promote: %d %s", p.status, p.body)
	}
	if p := lea.get("/console/users"); p.status != 200 {
		t.Fatalf("the promoted user at the users page: %d (a role change applies at once)", p.status)
	}
	me := regexp.MustCompile(`<label for="role-(usr_[A-Za-z0-9_-]+)" class="inline">Role of ada@`).FindStringSubmatch(list.body)
	if p := admin.post("/console/users/"+me[1]+"/delete", url.Values{}); p.status != 409 || !strings.Contains(p.body, "cannot delete yourself") {
		t.Fatalf("deleting oneself: %d", p.status)
	}
	if p := admin.post("/console/users/"+id[1]+"/delete", url.Values{}); p.status != 303 {
		t.Fatalf("remove: %d", p.status)
	}
	if p := lea.get("/console/"); p.status != 303 {
		t.Fatalf("a removed user's session: %d", p.status)
	}
}
