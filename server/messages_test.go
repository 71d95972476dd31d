package server_test

import (
	"strings"
	"testing"
)

// TestRefusalsNameTheCredentialNeeded: a tenant key on an operator
// endpoint, or the operator token on a tenant endpoint, is told which
// credential the endpoint needs, and where to get it.
func TestRefusalsNameTheCredentialNeeded(t *testing.T) {
	h := newAPIHarness(t)
	w := h.tenantWorld("Nordlicht", "nordlicht")
	r := h.do(call{method: "POST", path: "/api/v1/tenants", key: w.admin, json: map[string]any{"name": "x"}}, 401)
	if msg := r.errorMessage(t); !strings.Contains(msg, "a tenant API key was sent") || !strings.Contains(msg, "operator token (PLAUDIT_ADMIN_TOKEN)") {
		t.Errorf("tenant key on POST /api/v1/tenants: %q", msg)
	}
	r = h.do(call{method: "GET", path: "/api/v1/agents", key: operatorToken}, 401)
	if msg := r.errorMessage(t); !strings.Contains(msg, "the operator token was sent") || !strings.Contains(msg, "tenant API key") ||
		!strings.Contains(msg, "POST /api/v1/tenants") {
		t.Errorf("operator token on GET /api/v1/agents: %q", msg)
	}
	r = h.do(call{method: "GET", path: "/api/v1/agents", key: "pk_live_nonsense"}, 401)
	if msg := r.errorMessage(t); !strings.Contains(msg, "invalid API key") || !strings.Contains(msg, "tenant API key") {
		t.Errorf("unknown key: %q", msg)
	}
	// The hint reads as it is meant in a terminal: no \u003c for "<".
	r = h.do(call{method: "GET", path: "/api/v1/agents"}, 401)
	if body := string(r.body); !strings.Contains(body, "Authorization: Bearer <key>") || strings.Contains(body, `\u003c`) {
		t.Errorf("missing key: %s", body)
	}
}

// TestExternalIDsTakeNumbers: Zendesk shows user ids as numbers, and an
// admin pastes them as such; they are kept as strings. A fraction or a
// boolean is refused naming the field.
func TestExternalIDsTakeNumbers(t *testing.T) {
	h := newAPIHarness(t)
	w := h.tenantWorld("Nordlicht", "nordlicht")
	r := h.do(call{method: "POST", path: "/api/v1/agents", key: w.admin, valid: true, json: `{"email":"max@example.com",
		"name":"Max Mustermann","external_ids":{"zendesk":1001,"salesforce":"005xx0000012345"}}`}, 201)
	var a struct {
		ID          string            `json:"id"`
		ExternalIDs map[string]string `json:"external_ids"`
	}
	r.decode(t, &a)
	if a.ExternalIDs["zendesk"] != "1001" || a.ExternalIDs["salesforce"] != "005xx0000012345" {
		t.Errorf("external_ids = %v, want zendesk 1001 as a string", a.ExternalIDs)
	}
	h.do(call{method: "PATCH", path: "/api/v1/agents/" + a.ID, key: w.admin, json: `{"external_ids":{"zendesk":38417722455}}`}, 200)
	for _, bad := range []string{`{"zendesk":10.5}`, `{"zendesk":true}`, `{"zendesk":-3}`, `[1001]`} {
		r := h.do(call{method: "PATCH", path: "/api/v1/agents/" + a.ID, key: w.admin, json: `{"external_ids":` + bad + `}`}, 400)
		if msg := r.errorMessage(t); !strings.Contains(msg, "external_ids") {
			t.Errorf("external_ids %s: %q, want the field named", bad, msg)
		}
	}
}

// TestBadJSONSaysWhere: a body written by hand with a slip is refused
// with the line and column where the JSON breaks.
func TestBadJSONSaysWhere(t *testing.T) {
	h := newAPIHarness(t)
	w := h.tenantWorld("Nordlicht", "nordlicht")
	r := h.do(call{method: "POST", path: "/api/v1/agents", key: w.admin, json: "{\"email\":\"max@example.com\",\n  \"name\":\"Max\",}"}, 400)
	if msg := r.errorMessage(t); !strings.Contains(msg, "line 2, column 16") || !strings.Contains(msg, "invalid character '}'") {
		t.Errorf("a trailing comma: %q, want where it is", msg)
	}
	r = h.do(call{method: "POST", path: "/api/v1/agents", key: w.admin, json: `{"email":"max@example.com"`}, 400)
	if msg := r.errorMessage(t); !strings.Contains(msg, "ends too early") || !strings.Contains(msg, "line 1, column 27") {
		t.Errorf("a body cut short: %q", msg)
	}
	r = h.do(call{method: "POST", path: "/api/v1/interactions", key: w.admin, json: "{\"ext_interaction_id\": \"T-1\"\n\"customer\": {}}"}, 400)
	if msg := r.errorMessage(t); !strings.Contains(msg, "line 2, column 1") {
		t.Errorf("trigger body without a comma: %q", msg)
	}
}

// TestOperatorListsTenants: the operator can see which tenants exist
// (it was 405), with their settings and without keys; a tenant key cannot.
func TestOperatorListsTenants(t *testing.T) {
	h := newAPIHarness(t)
	a := h.tenantWorld("Nordlicht", "nordlicht")
	h.tenantWorld("Südwind", "suedwind")
	r := h.do(call{method: "GET", path: "/api/v1/tenants", key: operatorToken, valid: true}, 200)
	var list struct {
		Data []struct {
			ID, Name string
			Settings map[string]any
		}
	}
	r.decode(t, &list)
	if len(list.Data) != 2 || list.Data[0].ID != a.id || list.Data[0].Name != "Nordlicht" || list.Data[1].Name != "Südwind" ||
		list.Data[0].Settings["brand_name"] != "Nordlicht" {
		t.Errorf("tenants = %+v", list.Data)
	}
	if strings.Contains(string(r.body), "pk_live_") {
		t.Error("the list shows an API key")
	}
	h.do(call{method: "GET", path: "/api/v1/tenants", key: a.admin}, 401)
}
