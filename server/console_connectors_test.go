package server_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/connectors"
)

var connectorLink = regexp.MustCompile(`^/console/connectors/(con_[A-Za-z0-9_-]+)\?created=1$`)

// An admin creates a Zendesk connector in the console: a field that is
// wrong is named next to it, secrets never come back to the browser, and
// the connector's page shows the exact webhook URL inside the set-up steps
// and the body to paste. The API sees the same connector.
func TestConsoleCreateZendeskConnector(t *testing.T) {
	site := newConsoleSite(t)
	key, _ := site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin", "lea@nordlicht.example": "lead:Berlin"})
	b := site.browser()
	b.signIn("ada@nordlicht.example")
	if p := b.get("/console/connectors"); p.status != 200 || !strings.Contains(p.body, `<option value="zendesk">Zendesk</option>`) {
		t.Fatalf("connectors: %d %s", p.status, p.body)
	}
	form := url.Values{"kind": {"zendesk"}, "name": {"Zendesk EU"}, "config.email": {"api@nordlicht.example"},
		"config.api_token": {"zd-token-secret-1"}, "config.signing_secret": {"zd-signing-secret-1"}, "config.tags": {"csat, plaudit"}}
	b.get("/console/connectors/new?kind=zendesk")
	p := b.post("/console/connectors", form)
	if p.status != 400 || !strings.Contains(p.body, `id="e-config.subdomain"`) || !strings.Contains(p.body, "config.subdomain is required") {
		t.Fatalf("without a subdomain: %d %s", p.status, p.body)
	}
	if strings.Contains(p.body, "zd-token-secret-1") || strings.Contains(p.body, "zd-signing-secret-1") {
		t.Fatal("the refused form sends the secrets back to the browser")
	}
	if !strings.Contains(p.body, `value="api@nordlicht.example"`) {
		t.Error("the refused form lost what was typed")
	}
	form.Set("config.subdomain", "nordlicht")
	p = b.post("/console/connectors", form)
	m := connectorLink.FindStringSubmatch(p.location)
	if p.status != 303 || m == nil {
		t.Fatalf("create: %d to %q: %s", p.status, p.location, p.body)
	}
	id := m[1]
	page := b.get(p.location)
	hook := publicURL + "/hooks/" + id
	if page.status != 200 || !strings.Contains(page.body, `<pre id="webhook-url">`+hook+`</pre>`) ||
		!strings.Contains(page.body, "Endpoint URL: "+hook+";") || !strings.Contains(page.body, "{{ticket.requester.email}}") {
		t.Fatalf("the connector's page lacks the webhook URL in its steps or the body: %s", page.body)
	}
	var api struct {
		Name, Kind string
		Config     struct {
			Subdomain string
			Tags      []string
		}
		WebhookURL string   `json:"webhook_url"`
		SecretsSet []string `json:"secrets_set"`
	}
	site.do(call{method: "GET", path: "/api/v1/connectors/" + id, key: key}, 200).decode(t, &api)
	if api.Name != "Zendesk EU" || api.Config.Subdomain != "nordlicht" || len(api.Config.Tags) != 2 || api.WebhookURL != hook ||
		strings.Join(api.SecretsSet, ",") != "api_token,signing_secret" {
		t.Fatalf("the API sees %+v", api)
	}

	editZendesk(t, site, b, key, id)
}

// editZendesk changes, disables and deletes the connector id in the
// console: a bad number is named next to its field, secrets left empty
// stay, a lead is refused, and each change is audited.
func editZendesk(t *testing.T, site *consoleSite, b *browser, key, id string) {
	var api struct {
		Name       string
		SecretsSet []string `json:"secrets_set"`
	}
	p := b.post("/console/connectors/"+id, url.Values{"settings": {"1"}, "name": {"Zendesk EU"},
		"config.subdomain": {"nordlicht"}, "config.email": {"api@nordlicht.example"}, "config.rating_field_id": {"twelve"}})
	if p.status != 400 || !strings.Contains(p.body, `id="e-config.rating_field_id"`) {
		t.Fatalf("a bad field id: %d %s", p.status, p.body)
	}
	p = b.post("/console/connectors/"+id, url.Values{"settings": {"1"}, "name": {"Zendesk"},
		"config.subdomain": {"nordlicht"}, "config.email": {"api@nordlicht.example"}, "config.rating_field_id": {"360001"}})
	if p.status != 303 {
		t.Fatalf("edit: %d %s", p.status, p.body)
	}
	site.do(call{method: "GET", path: "/api/v1/connectors/" + id, key: key}, 200).decode(t, &api)
	if api.Name != "Zendesk" || strings.Join(api.SecretsSet, ",") != "api_token,signing_secret" {
		t.Fatalf("after the edit: %+v", api)
	}
	if p := b.post("/console/connectors/"+id, url.Values{"disabled": {"true"}}); p.status != 303 {
		t.Fatalf("disable: %d", p.status)
	}
	if p := b.get("/console/"); !strings.Contains(p.body, "refuses deliveries") {
		t.Errorf("the overview does not show the disabled connector")
	}
	if p := b.post("/console/connectors/"+id+"/delete", url.Values{"csrf": {"forged"}}); p.status != 403 {
		t.Fatalf("delete with a forged token: %d", p.status)
	}
	lead := site.browser()
	lead.signIn("lea@nordlicht.example")
	if p := lead.get("/console/connectors/" + id); p.status != 403 {
		t.Fatalf("a lead at a connector: %d", p.status)
	}
	if p := b.post("/console/connectors/"+id+"/delete", url.Values{}); p.status != 303 {
		t.Fatalf("delete: %d", p.status)
	}
	site.do(call{method: "GET", path: "/api/v1/connectors/" + id, key: key}, 404)
	var audit struct {
		Data []struct{ Action, Detail string }
	}
	site.do(call{method: "GET", path: "/api/v1/audit-events", key: key}, 200).decode(t, &audit)
	raw, _ := json.Marshal(audit.Data)
	for _, want := range []string{"connector.create", "fields=email,name,rating_field_id,subdomain", "fields=disabled", "connector.delete"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the audit log lacks %q: %s", want, raw)
		}
	}
}

// Every kind the server knows has a form and set-up steps in the console.
func TestConsoleGuideForEveryKind(t *testing.T) {
	site := newConsoleSite(t)
	site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	b := site.browser()
	b.signIn("ada@nordlicht.example")
	for _, kind := range connectors.Default().Names() {
		p := b.get("/console/connectors/new?kind=" + kind)
		if p.status != 200 || !strings.Contains(p.body, `<ol class="steps"><li>`) || !strings.Contains(p.body, `name="config.`) {
			t.Errorf("%s: %d, no form or steps", kind, p.status)
		}
	}
}

// The connection test on a connector's page runs the API's test with the
// stored credentials, says the outcome in words next to the button, and
// is audited as the admin's.
func TestConsoleConnectionTest(t *testing.T) {
	site := newConsoleSite(t)
	key, tn := site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	api, auths := fakeZendeskAPI(t)
	var con struct{ ID string }
	site.do(call{method: "POST", path: "/api/v1/connectors", key: key, json: map[string]any{"kind": "zendesk", "name": "Zendesk",
		"config": map[string]any{"subdomain": "nordlicht", "base_url": api, "email": "api@nordlicht.example",
			"api_token": "good-token", "signing_secret": "s"}}}, 201).decode(t, &con)
	b := site.browser()
	b.signIn("ada@nordlicht.example")
	page := "/console/connectors/" + con.ID
	if p := b.get(page); !strings.Contains(p.body, `action="`+page+`/test"`) || strings.Contains(p.body, `id="test-result"`) {
		t.Fatalf("the connector's page has no test button, or a result before any test: %s", p.body)
	}
	p := b.post(page+"/test", url.Values{})
	if p.status != 200 || !strings.Contains(p.body, `id="test-result"`) || !strings.Contains(p.body, "It works.") {
		t.Fatalf("good credentials: %d %s", p.status, p.body)
	}
	if got := auths(); len(got) != 1 || !strings.HasPrefix(got[0], "GET /api/v2/users/me.json Basic ") {
		t.Fatalf("the helpdesk saw %q", got)
	}

	site.do(call{method: "PATCH", path: "/api/v1/connectors/" + con.ID, key: key, json: map[string]any{"config": map[string]any{"api_token": "revoked-token"}}}, 200)
	b.get(page)
	p = b.post(page+"/test", url.Values{})
	if p.status != 200 || !strings.Contains(p.body, "<strong>Error:</strong> the settings need fixing: Zendesk refused the API token (401)") {
		t.Fatalf("a revoked token: %d %s", p.status, p.body)
	}
	if strings.Contains(p.body, "revoked-token") {
		t.Fatal("the page shows the token")
	}
	events, err := site.store.ListAudit(t.Context(), tn.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var tests []string
	for _, e := range events {
		if e.Action == "connector.test" {
			tests = append(tests, e.Actor+" "+e.Detail)
		}
	}
	if len(tests) != 2 || !strings.HasPrefix(tests[0], "user:") || !strings.HasSuffix(tests[0], "ok=false code=invalid") || !strings.HasSuffix(tests[1], "ok=true") {
		t.Fatalf("audited tests: %q", tests)
	}
}
