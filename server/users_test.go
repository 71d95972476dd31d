package server_test

import (
	"testing"
)

// newTenantKey creates a tenant through the API and returns its admin key.
func (h *apiHarness) newTenantKey(name string) string {
	h.t.Helper()
	r := h.do(call{method: "POST", path: "/api/v1/tenants", key: operatorToken, json: map[string]any{"name": name}}, 201)
	var out struct {
		APIKey string `json:"api_key"`
	}
	r.decode(h.t, &out)
	return out.APIKey
}

// An admin manages the console's users through the API: each change is
// checked, named in its error, and audited; other roles are refused.
func TestUsersAPI(t *testing.T) {
	h := newAPIHarness(t)
	admin := h.newTenantKey("Nordlicht Reisen")
	other := h.newTenantKey("Other")

	r := h.do(call{method: "POST", path: "/api/v1/users", key: admin, valid: true,
		json: map[string]any{"email": "Lea.Lead@Nordlicht.example", "name": "Lea Lang", "role": "lead", "team": "Berlin"}}, 201)
	var lea struct{ ID, Email, Role, Team string }
	r.decode(t, &lea)
	if lea.Email != "lea.lead@nordlicht.example" || lea.Role != "lead" || lea.Team != "Berlin" {
		t.Fatalf("created %+v", lea)
	}
	wantMessage(t, h.do(call{method: "POST", path: "/api/v1/users", key: admin,
		json: map[string]any{"email": "tom@nordlicht.example", "role": "lead"}}, 400), "team")
	wantMessage(t, h.do(call{method: "POST", path: "/api/v1/users", key: admin,
		json: map[string]any{"email": "tom@nordlicht.example", "role": "owner"}}, 400), "role")
	wantMessage(t, h.do(call{method: "POST", path: "/api/v1/users", key: admin,
		json: map[string]any{"email": "not an address", "role": "admin"}}, 400), "email")
	h.do(call{method: "POST", path: "/api/v1/users", key: admin,
		json: map[string]any{"email": "lea.lead@nordlicht.example", "role": "admin"}}, 409)

	r = h.do(call{method: "PATCH", path: "/api/v1/users/" + lea.ID, key: admin, valid: true,
		json: map[string]any{"role": "agent"}}, 200)
	r.decode(t, &lea)
	if lea.Role != "agent" {
		t.Fatalf("patched role %q", lea.Role)
	}
	// Another tenant's admin neither sees nor changes the user.
	h.do(call{method: "GET", path: "/api/v1/users/" + lea.ID, key: other}, 404)
	h.do(call{method: "DELETE", path: "/api/v1/users/" + lea.ID, key: other}, 404)
	var list struct{ Data []struct{ ID string } }
	h.do(call{method: "GET", path: "/api/v1/users", key: other}, 200).decode(t, &list)
	if len(list.Data) != 0 {
		t.Fatalf("another tenant lists %d users", len(list.Data))
	}

	h.do(call{method: "DELETE", path: "/api/v1/users/" + lea.ID, key: admin}, 204)
	h.do(call{method: "GET", path: "/api/v1/users/" + lea.ID, key: admin}, 404)

	var audit struct {
		Data []struct{ Action, Target, Detail string }
	}
	h.do(call{method: "GET", path: "/api/v1/audit-events", key: admin}, 200).decode(t, &audit)
	var actions []string
	for _, e := range audit.Data {
		if e.Target == lea.ID {
			actions = append(actions, e.Action+" "+e.Detail)
		}
	}
	want := []string{"user.delete ", "user.update fields=role", "user.create role=lead"}
	if len(actions) != len(want) {
		t.Fatalf("audit of the user: %q, want %q", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Errorf("audit %d: %q, want %q", i, actions[i], want[i])
		}
	}
}
