package server_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// An admin makes a trigger key in the console (shown once, and it works
// on the API), and cannot revoke the tenant's last live admin key.
func TestConsoleAPIKeys(t *testing.T) {
	site := newConsoleSite(t)
	site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	b := site.browser()
	b.signIn("ada@nordlicht.example")
	b.get("/console/api-keys")
	if p := b.post("/console/api-keys", url.Values{"name": {"CI"}, "role": {"owner"}, "mode": {"live"}}); p.status != 400 || !strings.Contains(p.body, `id="e-role"`) {
		t.Fatalf("a bad role: %d %s", p.status, p.body)
	}
	p := b.post("/console/api-keys", url.Values{"name": {"CI"}, "role": {"trigger"}, "mode": {"live"}})
	secret := regexp.MustCompile(`<pre>(pk_live_[A-Za-z0-9_-]+)</pre>`).FindStringSubmatch(p.body)
	if p.status != 201 || secret == nil {
		t.Fatalf("create: %d %s", p.status, p.body)
	}
	site.do(call{method: "GET", path: "/api/v1/responses", key: secret[1]}, 403) // a trigger key reads nothing
	site.do(call{method: "POST", path: "/api/v1/interactions", key: secret[1], json: map[string]any{
		"ext_interaction_id": "T-1", "customer": map[string]any{"email": "anna@example.org"}, "employee": map[string]any{"email": "max@example.org"}}}, anyStatus)
	if again := b.get("/console/api-keys"); strings.Contains(again.body, secret[1]) {
		t.Fatal("the key is shown again")
	}
	admin := regexp.MustCompile(`action="(/console/api-keys/key_[A-Za-z0-9_-]+/delete)" class="inline">[^<]*<input[^>]*><button type="submit" class="danger">Revoke pk_live_[A-Za-z0-9_-]+…</button></form></td></tr>`).FindAllStringSubmatch(b.get("/console/api-keys").body, -1)
	if len(admin) != 2 {
		t.Fatalf("%d revoke buttons", len(admin))
	}
	if p := b.post(admin[0][1], url.Values{}); p.status != 409 || !strings.Contains(p.body, "last live admin key") {
		t.Fatalf("revoking the last admin key: %d", p.status)
	}
	if p := b.post(admin[1][1], url.Values{}); p.status != 200 || !strings.Contains(p.body, "Key revoked.") {
		t.Fatalf("revoking the trigger key: %d", p.status)
	}
	site.do(call{method: "POST", path: "/api/v1/interactions", key: secret[1], json: map[string]any{"ext_interaction_id": "T-2"}}, 401)
}
