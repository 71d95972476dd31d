package server_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/server"
)

// fakeZendeskAPI answers GET /api/v2/users/me.json by the API token it is
// called with: "good-token" is an agent, "slow-token" gets no answer in
// time, any other is refused as Zendesk refuses it. It records the
// Authorization headers.
func fakeZendeskAPI(t *testing.T) (url string, auths func() []string) {
	var mu sync.Mutex
	var seen []string
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		_, token, _ := r.BasicAuth()
		switch token {
		case "good-token":
			io.WriteString(w, `{"user":{"id":38417722455,"name":"Plaudit","role":"agent"}}`)
		case "slow-token":
			<-release
		default:
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"Couldn't authenticate you"}`)
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return srv.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

type testResult struct {
	OK      bool
	Message string
	Error   *struct{ Code, Message string }
}

// TestConnectorTest: POST /api/v1/connectors/{id}/test calls the helpdesk
// with the credentials stored now and answers 200 with ok, or with what
// to fix in plain words; a helpdesk that does not answer in time is
// "unavailable"; a standard connector without callback_url has nothing
// to test; every test is audited without a credential.
func TestConnectorTest(t *testing.T) {
	h := newAPIHarness(t, func(c *server.Config) { c.ConnectorTestTimeout = 300 * time.Millisecond })
	api, auths := fakeZendeskAPI(t)
	admin := h.newTenantAdmin("Nordlicht Reisen")
	_, reader := h.newKey(admin, "read", "live", 201)
	_, testAdmin := h.newKey(admin, "admin", "test", 201)
	id, _ := h.newConnector(admin, "zendesk", map[string]any{"subdomain": "nordlicht", "base_url": api,
		"email": "api@nordlicht.example", "api_token": "good-token", "signing_secret": "s"})
	path := "/api/v1/connectors/" + id + "/test"
	run := func() testResult {
		t.Helper()
		var res testResult
		h.do(call{method: "POST", path: path, key: admin, valid: true}, 200).decode(t, &res)
		return res
	}

	if res := run(); !res.OK || res.Error != nil || res.Message != "" {
		t.Errorf("good credentials: %+v, want ok", res)
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("api@nordlicht.example/token:good-token"))
	if got := auths(); len(got) != 1 || got[0] != "GET /api/v2/users/me.json "+wantAuth {
		t.Errorf("the fake Zendesk saw %q, want one users/me with the stored credentials", got)
	}

	// A changed token is tested at once: the test does not use the
	// driver cached for webhooks.
	h.do(call{method: "PATCH", path: "/api/v1/connectors/" + id, key: admin, json: map[string]any{"config": map[string]any{"api_token": "revoked-token"}}}, 200)
	res := run()
	if res.OK || res.Error == nil || res.Error.Code != plaudit.EInvalid ||
		!strings.HasPrefix(res.Error.Message, "Zendesk refused the API token (401): check config.email and config.api_token") {
		t.Errorf("revoked token: %+v", res)
	}
	h.do(call{method: "PATCH", path: "/api/v1/connectors/" + id, key: admin, json: map[string]any{"config": map[string]any{"api_token": "slow-token"}}}, 200)
	start := time.Now()
	res = run()
	if res.OK || res.Error == nil || res.Error.Code != plaudit.EUnavailable || !strings.Contains(res.Error.Message, "did not answer within 300ms") {
		t.Errorf("helpdesk not answering: %+v", res)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the test took %s: not bounded by its timeout", d)
	}

	// A standard connector that only receives: nothing to call.
	std, _ := h.newConnector(admin, "standard", map[string]any{"signing_secret": "whsec_" + base64.StdEncoding.EncodeToString([]byte("signing-secret-of-32-bytes-long!"))})
	var nothing testResult
	h.do(call{method: "POST", path: "/api/v1/connectors/" + std + "/test", key: admin, valid: true}, 200).decode(t, &nothing)
	if !nothing.OK || !strings.HasPrefix(nothing.Message, "nothing to test: this connector has no callback_url") {
		t.Errorf("standard without callback_url: %+v", nothing)
	}

	// Who may ask.
	h.do(call{method: "POST", path: "/api/v1/connectors/con_nosuch/test", key: admin}, 404)
	h.do(call{method: "POST", path: path, key: reader}, 403)
	r := h.do(call{method: "POST", path: path, key: testAdmin}, 403)
	wantMessage(t, r, "test key")
	h.do(call{method: "POST", path: path}, 401)
	if n := len(auths()); n != 3 {
		t.Errorf("the helpdesk was called %d times, want 3: refused requests call nothing", n)
	}

	// Audited, by outcome, without the token or the message.
	var audit struct{ Data []plaudit.AuditEvent }
	r = h.do(call{method: "GET", path: "/api/v1/audit-events", key: admin}, 200)
	r.decode(t, &audit)
	var details []string
	for _, e := range audit.Data {
		if e.Action == "connector.test" {
			details = append(details, e.Target+" "+e.Detail)
		}
	}
	want := []string{std + " ok=true", id + " ok=false code=unavailable", id + " ok=false code=invalid", id + " ok=true"}
	if strings.Join(details, "|") != strings.Join(want, "|") {
		t.Errorf("audit of the tests %q, want %q (newest first)", details, want)
	}
	for _, secret := range []string{"good-token", "revoked-token", "slow-token", api} {
		if strings.Contains(string(r.body), secret) {
			t.Errorf("the audit log shows %q", secret)
		}
	}
}
