package server_test

import (
	"bytes"
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// sharedCustomer is a person both tenants know: the same address in two
// client companies is two controllers' data, never one.
const sharedCustomer = "shared.customer@example.org"

// tenantWorld is one tenant with one of everything, made through the API
// as its admin would, plus a request that went out (the worker's part,
// written to the store) answered on the page.
type tenantWorld struct {
	id, name                    string
	admin, reader, readerID     string
	connector, agent            string
	interaction, request, token string
	response                    string
	// private are strings only this tenant's data contains.
	private []string
}

func (h *apiHarness) tenantWorld(name, marker string) tenantWorld {
	t := h.t
	t.Helper()
	ctx := context.Background()
	w := tenantWorld{name: name}
	r := h.do(call{method: "POST", path: "/api/v1/tenants", key: operatorToken, json: map[string]any{
		"name": name, "settings": map[string]any{"brand_name": name, "privacy_url": "https://" + marker + ".example/privacy",
			"test_recipient": "qa-" + marker + "@example.org"},
	}}, 201)
	var created struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	r.decode(t, &created)
	w.id, w.admin = created.ID, created.APIKey
	r = h.do(call{method: "POST", path: "/api/v1/api-keys", key: w.admin, json: map[string]any{"name": "reports", "role": "read"}}, 201)
	var k struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	r.decode(t, &k)
	w.readerID, w.reader = k.ID, k.APIKey
	r = h.do(call{method: "POST", path: "/api/v1/connectors", key: w.admin, json: map[string]any{
		"kind": "zendesk", "name": "Zendesk " + marker,
		"config": map[string]any{"subdomain": marker, "email": "api@" + marker + ".example", "api_token": "token-" + marker, "signing_secret": "secret-" + marker},
	}}, 201)
	var con struct{ ID string }
	r.decode(t, &con)
	w.connector = con.ID
	// The same agent address in both tenants: a 409 here would tell one
	// tenant what the other has.
	r = h.do(call{method: "POST", path: "/api/v1/agents", key: w.admin, json: map[string]any{
		"email": "jonas.weber@agents.example", "name": "Jonas " + marker, "bio": "Bio of " + marker,
		"hometown": "Town " + marker, "external_ids": map[string]string{"zendesk": "4711"},
	}}, 201)
	var ag plaudit.Agent
	r.decode(t, &ag)
	w.agent = ag.ID
	// The same ticket id in both tenants: each is a first delivery.
	r = h.do(call{method: "POST", path: "/api/v1/interactions", key: w.admin, json: map[string]any{
		"ext_interaction_id": "73021", "channel": "email",
		"customer": map[string]any{"name": "Customer " + marker, "email": sharedCustomer},
		"employee": map[string]any{"email": "jonas.weber@agents.example"},
	}}, 202)
	var in struct {
		ID        string `json:"id"`
		Duplicate bool   `json:"duplicate"`
	}
	r.decode(t, &in)
	if in.Duplicate {
		t.Fatalf("%s: the interaction is a duplicate of another tenant's", name)
	}
	w.interaction = in.ID
	sent := time.Now().Add(-time.Hour)
	fr := plaudit.FeedbackRequest{
		TenantID: w.id, InteractionID: w.interaction, AgentID: w.agent, TicketID: "73021",
		Channel: plaudit.ChannelEmail, Recipient: sharedCustomer, Language: "en",
		Status: plaudit.RequestSent, DueAt: sent, SentAt: &sent, ProviderID: "sg-" + marker, Attempts: 1,
	}
	if _, err := h.store.CreateRequest(ctx, &fr); err != nil {
		t.Fatal(err)
	}
	w.request, w.token = fr.ID, fr.Token
	h.do(call{method: "POST", path: "/f/" + w.token, form: url.Values{"score": {"5"}}}, 303)
	h.do(call{method: "POST", path: "/f/" + w.token, form: url.Values{"step": {"more"}, "comment": {"Comment " + marker}}}, 303)
	resp, err := h.store.ResponseByRequest(ctx, w.id, w.request)
	if err != nil {
		t.Fatal(err)
	}
	w.response = resp.ID
	tn, err := h.store.GetTenant(ctx, w.id)
	if err != nil {
		t.Fatal(err)
	}
	if marker == "nordlicht" { // only the first tenant has the person opted out
		if err := h.store.Suppress(ctx, plaudit.Suppression{TenantID: w.id, AddressHash: keyring.AddressHash(tn.HashKey, sharedCustomer), Reason: "email_spam_report"}); err != nil {
			t.Fatal(err)
		}
	}
	h.do(call{method: "GET", path: "/api/v1/data-subjects?email=" + url.QueryEscape(sharedCustomer), key: w.admin}, 200)
	w.private = []string{w.id, w.readerID, w.connector, w.agent, w.interaction, w.request, w.response, w.token,
		"Bio of " + marker, "Comment " + marker, "Customer " + marker, "Town " + marker, "qa-" + marker, "sg-" + marker, marker + ".example"}
	return w
}

// TestTenantIsolation drives every tenant endpoint as one tenant against
// another tenant's data: ids from the other tenant answer 404 exactly as
// ids that do not exist, lists and look-ups show nothing of it, changes
// do not reach it, and nothing in any answer lets one infer it.
func TestTenantIsolation(t *testing.T) {
	h := newAPIHarness(t)
	a := h.tenantWorld("Nordlicht Reisen", "nordlicht")
	b := h.tenantWorld("Südwind Touristik", "suedwind")

	// Everything B is answered, to be searched for A's data at the end.
	var seen []reply
	asB := func(c call, status int) reply {
		t.Helper()
		if c.key == "" {
			c.key = b.admin
		}
		r := h.do(c, status)
		seen = append(seen, r)
		return r
	}

	// A's ids answer B as ids that do not exist.
	notFound := func(method, path, missing string, body any) {
		t.Helper()
		theirs := asB(call{method: method, path: path, json: body}, 404)
		none := asB(call{method: method, path: missing, json: body}, 404)
		if theirs.errorMessage(t) != none.errorMessage(t) {
			t.Errorf("%s %s: %q, but for a missing id %q: the answer tells them apart", method, path, theirs.errorMessage(t), none.errorMessage(t))
		}
	}
	notFound("GET", "/api/v1/connectors/"+a.connector, "/api/v1/connectors/con_nosuch", nil)
	notFound("PATCH", "/api/v1/connectors/"+a.connector, "/api/v1/connectors/con_nosuch", map[string]any{"disabled": true})
	notFound("DELETE", "/api/v1/connectors/"+a.connector, "/api/v1/connectors/con_nosuch", nil)
	notFound("POST", "/api/v1/connectors/"+a.connector+"/test", "/api/v1/connectors/con_nosuch/test", nil)
	notFound("GET", "/api/v1/agents/"+a.agent, "/api/v1/agents/agt_nosuch", nil)
	notFound("PATCH", "/api/v1/agents/"+a.agent, "/api/v1/agents/agt_nosuch", map[string]any{"approved": false})
	notFound("DELETE", "/api/v1/agents/"+a.agent, "/api/v1/agents/agt_nosuch", nil)
	notFound("DELETE", "/api/v1/api-keys/"+a.readerID, "/api/v1/api-keys/key_nosuch", nil)

	// Lists, filters and look-ups by A's ids and tickets show B only B.
	for _, p := range []string{
		"/api/v1/tenant", "/api/v1/api-keys", "/api/v1/connectors", "/api/v1/agents", "/api/v1/audit-events",
		"/api/v1/feedback-requests", "/api/v1/responses", "/api/v1/reports/scores?include_test=true",
	} {
		r := asB(call{method: "GET", path: p}, 200)
		own := false
		for _, s := range b.private {
			own = own || bytes.Contains(r.body, []byte(s))
		}
		if !own {
			t.Errorf("GET %s shows B nothing of its own, so the search for A's data below proves nothing: %s", p, r.body)
		}
	}
	for _, p := range []string{
		"/api/v1/feedback-requests?agent=" + a.agent, "/api/v1/responses?agent=" + a.agent,
		"/api/v1/reports/scores?agent=" + a.agent,
	} {
		r := asB(call{method: "GET", path: p, key: b.reader}, 200)
		if !bytes.Contains(r.body, []byte(`"data":[]`)) {
			t.Errorf("GET %s with B's key: %s, want no data", p, r.body)
		}
	}

	// The person both know: B sees B's records only, and not that A's
	// customer opted out there.
	r := asB(call{method: "GET", path: "/api/v1/data-subjects?email=" + url.QueryEscape(sharedCustomer)}, 200)
	var export struct {
		Interactions []struct{ ID string }
		Suppressed   bool
	}
	r.decode(t, &export)
	if len(export.Interactions) != 1 || export.Interactions[0].ID != b.interaction || export.Suppressed {
		t.Errorf("B's export of the shared customer: %s", r.body)
	}

	// B's changes stay in B.
	asB(call{method: "PATCH", path: "/api/v1/tenant", json: map[string]any{"settings": map[string]any{"retention_days": 7, "brand_name": "Changed by B"}}}, 200)
	r = asB(call{method: "DELETE", path: "/api/v1/data-subjects?email=" + url.QueryEscape(sharedCustomer)}, 200)
	var erased struct{ Erased int }
	r.decode(t, &erased)
	if erased.Erased != 3 {
		t.Errorf("B's erasure: %d rows, want B's 3 (interaction, request, response)", erased.Erased)
	}
	// B's admin deleting its own connector and agent does not touch A's
	// cache entries or page.
	asB(call{method: "DELETE", path: "/api/v1/agents/" + b.agent}, 204)
	asB(call{method: "DELETE", path: "/api/v1/connectors/" + b.connector}, 204)

	// B never saw a byte of A.
	for i, r := range seen {
		for _, s := range a.private {
			if bytes.Contains(r.body, []byte(s)) {
				t.Errorf("answer %d to B contains A's %q: %s", i, s, r.body)
			}
		}
	}

	// A is as it was: settings, keys, connector, agent, the export and the
	// opt-out, and its page still shows A's agent card, not B's.
	r = h.do(call{method: "GET", path: "/api/v1/tenant", key: a.admin}, 200)
	var tn plaudit.Tenant
	r.decode(t, &tn)
	if tn.Settings.RetentionDays != 90 || tn.Settings.BrandName != a.name {
		t.Errorf("A's settings changed by B: %+v", tn.Settings)
	}
	h.do(call{method: "GET", path: "/api/v1/connectors/" + a.connector, key: a.admin}, 200)
	r = h.do(call{method: "GET", path: "/api/v1/agents/" + a.agent, key: a.admin}, 200)
	var ag plaudit.Agent
	r.decode(t, &ag)
	if !ag.Approved {
		t.Error("B's PATCH deactivated A's agent")
	}
	h.do(call{method: "GET", path: "/api/v1/feedback-requests", key: a.reader}, 200)
	r = h.do(call{method: "GET", path: "/api/v1/data-subjects?email=" + url.QueryEscape(sharedCustomer), key: a.admin}, 200)
	var aExport struct {
		Interactions []struct{ ID string }
		Responses    []struct{ Comment string }
		Suppressed   bool
	}
	r.decode(t, &aExport)
	if len(aExport.Interactions) != 1 || len(aExport.Responses) != 1 || aExport.Responses[0].Comment != "Comment nordlicht" || !aExport.Suppressed {
		t.Errorf("A's data after B's erasure of the same person: %s", r.body)
	}
	page := h.do(call{method: "GET", path: "/f/" + a.token}, 200)
	if !bytes.Contains(page.body, []byte("Bio of nordlicht")) || bytes.Contains(page.body, []byte("suedwind")) {
		t.Errorf("A's page does not show A's agent only: %s", page.body)
	}
	r = h.do(call{method: "GET", path: "/api/v1/reports/scores", key: a.reader}, 200)
	if !bytes.Contains(r.body, []byte(a.agent)) {
		t.Errorf("A's report lost A's answer: %s", r.body)
	}
}
