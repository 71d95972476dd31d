package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/zendesk"
	"github.com/plaudit/plaudit/server"
)

// TestAuditTrail: every change an admin makes, and every export and
// erasure, leaves an event naming the key that acted, what it did and on
// what, and none holds personal data or secrets in clear.
func TestAuditTrail(t *testing.T) {
	h := newAPIHarness(t)
	w := h.tenantWorld("Nordlicht Reisen", "nordlicht")
	r := h.do(call{method: "GET", path: "/api/v1/api-keys", key: w.admin}, 200)
	var keys struct {
		Data []struct{ ID, Name string }
	}
	r.decode(t, &keys)
	adminID := ""
	for _, k := range keys.Data {
		if k.Name == "admin" {
			adminID = k.ID
		}
	}
	if adminID == "" {
		t.Fatalf("no admin key in %s", r.body)
	}

	// One of each change, with its expected event.
	type want struct{ action, target, detail string }
	var wants []want
	admin := w.admin
	do := func(method, path string, body any, status int) reply {
		t.Helper()
		return h.do(call{method: method, path: path, key: admin, json: body}, status)
	}
	do("PATCH", "/api/v1/tenant", map[string]any{"settings": map[string]any{"test_recipient": "qa-secret@example.org", "retention_days": 30}}, 200)
	wants = append(wants, want{"tenant.settings.update", w.id, "retention_days,test_recipient"})
	r = do("POST", "/api/v1/api-keys", map[string]any{"role": "trigger"}, 201)
	var k struct{ ID string }
	r.decode(t, &k)
	wants = append(wants, want{"api_key.create", k.ID, "role=trigger mode=live"})
	do("DELETE", "/api/v1/api-keys/"+k.ID, nil, 204)
	wants = append(wants, want{"api_key.delete", k.ID, ""})
	r = do("POST", "/api/v1/connectors", map[string]any{"kind": "standard", "config": map[string]any{"signing_secret": "whsec_" + strings.Repeat("QUJD", 8)}}, 201)
	var con struct{ ID string }
	r.decode(t, &con)
	wants = append(wants, want{"connector.create", con.ID, "kind=standard"})
	do("PATCH", "/api/v1/connectors/"+con.ID, map[string]any{"name": "CRM", "config": map[string]any{"signing_secret": "whsec_" + strings.Repeat("WFla", 8)}}, 200)
	wants = append(wants, want{"connector.update", con.ID, "fields=config,name config=signing_secret"})
	do("DELETE", "/api/v1/connectors/"+con.ID, nil, 204)
	wants = append(wants, want{"connector.delete", con.ID, ""})
	r = do("POST", "/api/v1/agents", map[string]any{"email": "lena.secret@agents.example", "name": "Lena Geheim", "bio": "Private bio"}, 201)
	var ag struct{ ID string }
	r.decode(t, &ag)
	wants = append(wants, want{"agent.create", ag.ID, ""})
	do("PATCH", "/api/v1/agents/"+ag.ID, map[string]any{"bio": "Another private bio"}, 200)
	wants = append(wants, want{"agent.update", ag.ID, "fields=bio"})
	do("PATCH", "/api/v1/agents/"+ag.ID, map[string]any{"approved": false}, 200)
	wants = append(wants, want{"agent.deactivate", ag.ID, "fields=approved"})
	do("PATCH", "/api/v1/agents/"+ag.ID, map[string]any{"approved": true}, 200)
	wants = append(wants, want{"agent.activate", ag.ID, "fields=approved"})
	do("DELETE", "/api/v1/agents/"+ag.ID, nil, 204)
	wants = append(wants, want{"agent.delete", ag.ID, ""})
	do("GET", "/api/v1/data-subjects?email="+url.QueryEscape(sharedCustomer), nil, 200)
	wants = append(wants, want{"data_subject.export", "", ""})
	do("DELETE", "/api/v1/data-subjects?email="+url.QueryEscape(sharedCustomer), nil, 200)
	wants = append(wants, want{"data_subject.erase", "", ""})

	r = h.do(call{method: "GET", path: "/api/v1/audit-events?limit=1000", key: admin}, 200)
	var events struct{ Data []plaudit.AuditEvent }
	r.decode(t, &events)
	slices.Reverse(events.Data) // oldest first
	// The set-up's own events come first; ours follow in order.
	if len(events.Data) < len(wants) {
		t.Fatalf("%d audit events, want at least %d: %s", len(events.Data), len(wants), r.body)
	}
	got := events.Data[len(events.Data)-len(wants):]
	for i, w := range wants {
		e := got[i]
		if e.Action != w.action || e.Actor != "key:"+adminID || (w.target != "" && e.Target != w.target) || e.Detail != w.detail || e.CreatedAt.IsZero() {
			t.Errorf("event %d = %+v, want %s by key:%s on %q, detail %q", i, e, w.action, adminID, w.target, w.detail)
		}
		if strings.HasPrefix(w.action, "data_subject.") && !strings.HasPrefix(e.Target, "email:") {
			t.Errorf("%s target %q: want the keyed hash of the address", w.action, e.Target)
		}
	}
	for _, secret := range []string{sharedCustomer, "shared.customer", "qa-secret", "Lena", "lena.secret", "Private bio", "WFla", "QUJD", "Customer nordlicht", "Comment nordlicht"} {
		if bytes.Contains(r.body, []byte(secret)) {
			t.Errorf("audit events show %q in clear: %s", secret, r.body)
		}
	}
}

// TestDeleteTenant: a client company leaves at once: its keys stop
// working, its webhooks and pages are gone, the other tenant is untouched,
// and the anonymous aggregates stay only when asked for.
func TestDeleteTenant(t *testing.T) {
	h := newAPIHarness(t)
	ctx := context.Background()
	a := h.tenantWorld("Nordlicht Reisen", "nordlicht")
	b := h.tenantWorld("Südwind Touristik", "suedwind")
	c := h.tenantWorld("Ostsee Fähren", "ostsee")

	// A webhook to A's connector, so that it is cached when A goes.
	hook := []byte(`{"ticket":{"id":"1","status":"Solved"},"requester":{"email":"x@example.org"},"assignee":{"email":"jonas.weber@agents.example"}}`)
	signed := func() map[string]string {
		ts := time.Now().UTC().Format(time.RFC3339)
		return map[string]string{zendesk.HeaderSignature: zendesk.Sign([]byte("secret-nordlicht"), ts, hook), zendesk.HeaderSignatureTimestamp: ts}
	}
	h.do(call{method: "POST", path: "/hooks/" + a.connector, json: hook, header: signed()}, 202)

	h.do(call{method: "DELETE", path: "/api/v1/tenants/" + a.id}, 401)
	h.do(call{method: "DELETE", path: "/api/v1/tenants/" + a.id, key: a.admin}, 401)
	h.do(call{method: "DELETE", path: "/api/v1/tenants/" + a.id + "?keep_aggregates=perhaps", key: operatorToken}, 400)
	r := h.do(call{method: "DELETE", path: "/api/v1/tenants/" + a.id + "?keep_aggregates=true", key: operatorToken, valid: true}, 200)
	var receipt struct {
		ID             string    `json:"id"`
		Deleted        bool      `json:"deleted"`
		KeepAggregates bool      `json:"keep_aggregates"`
		DeletedAt      time.Time `json:"deleted_at"`
	}
	r.decode(t, &receipt)
	if receipt.ID != a.id || !receipt.Deleted || !receipt.KeepAggregates || receipt.DeletedAt.IsZero() {
		t.Errorf("receipt %s", r.body)
	}
	h.do(call{method: "DELETE", path: "/api/v1/tenants/" + a.id, key: operatorToken}, 404)

	h.do(call{method: "GET", path: "/api/v1/tenant", key: a.admin}, 401)
	h.do(call{method: "GET", path: "/api/v1/responses", key: a.reader}, 401)
	h.do(call{method: "POST", path: "/hooks/" + a.connector, json: hook, header: signed()}, 404)
	h.do(call{method: "GET", path: "/f/" + a.token}, 404)
	if _, err := h.store.GetTenant(ctx, a.id); !plaudit.IsNotFound(err) {
		t.Errorf("tenant after deletion: %v", err)
	}
	if rows, err := h.store.AggregateScores(ctx, a.id, time.Now().AddDate(0, 0, -2)); err != nil || len(rows) != 1 {
		t.Errorf("kept aggregates: %v, %v", rows, err)
	}
	h.do(call{method: "GET", path: "/api/v1/responses", key: b.admin}, 200)
	h.do(call{method: "GET", path: "/f/" + b.token}, 200)

	h.do(call{method: "DELETE", path: "/api/v1/tenants/" + c.id, key: operatorToken}, 200)
	if rows, _ := h.store.AggregateScores(ctx, c.id, time.Now().AddDate(0, 0, -2)); len(rows) != 0 {
		t.Errorf("aggregates of a tenant deleted without keep_aggregates: %v", rows)
	}
}

// TestReportScores: per agent and day, from the aggregates, which survive
// the erasure of the answers they were made from.
func TestReportScores(t *testing.T) {
	h := newAPIHarness(t)
	ctx := context.Background()
	w := h.tenantWorld("Nordlicht Reisen", "nordlicht")
	day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
	for i, r := range []plaudit.Response{
		{AgentID: "agt_max", Score: 5, Reward: true, Excellence: []string{"fast", "friendly"}},
		{AgentID: "agt_max", Score: 4, Excellence: []string{"fast"}},
		{AgentID: "agt_max", Score: 2, Improvement: []string{"speed"}},
		{AgentID: "agt_lena", Score: 3},
		{AgentID: "agt_lena", Score: 1, Test: true},
	} {
		r.TenantID, r.ID = w.id, "rsp_"+string(rune('a'+i))
		d, ch := day(1), plaudit.ChannelEmail
		if i == 2 {
			d, ch = day(2), plaudit.ChannelSMS
		}
		if err := h.store.RecordAggregate(ctx, r, ch, d); err != nil {
			t.Fatal(err)
		}
	}
	// The world's own answer is today; ask from March on, up to before it.
	h.do(call{method: "GET", path: "/api/v1/reports/scores", key: w.admin}, 200)
	h.do(call{method: "GET", path: "/api/v1/reports/scores?since=soon", key: w.reader}, 400)
	r := h.do(call{method: "GET", path: "/api/v1/reports/scores?since=2026-03-01&agent=agt_max", key: w.reader, valid: true}, 200)
	var rep struct {
		Since string `json:"since"`
		Data  []struct {
			Day         string         `json:"day"`
			AgentID     string         `json:"agent_id"`
			Responses   int            `json:"responses"`
			Average     float64        `json:"average_score"`
			Scores      []int          `json:"score_counts"`
			Rewards     int            `json:"rewards"`
			Channels    map[string]int `json:"channels"`
			Excellence  map[string]int `json:"excellence"`
			Improvement map[string]int `json:"improvement"`
		} `json:"data"`
	}
	r.decode(t, &rep)
	if rep.Since != "2026-03-01" || len(rep.Data) != 2 {
		t.Fatalf("report %s", r.body)
	}
	d0, d1 := rep.Data[0], rep.Data[1]
	if d0.Day != "2026-03-01" || d0.Responses != 2 || d0.Average != 4.5 || !slices.Equal(d0.Scores, []int{0, 0, 0, 1, 1}) ||
		d0.Rewards != 1 || d0.Channels["email"] != 2 || d0.Excellence["fast"] != 2 || d0.Excellence["friendly"] != 1 {
		t.Errorf("first row %+v", d0)
	}
	if d1.Day != "2026-03-02" || d1.Responses != 1 || d1.Average != 2 || d1.Channels["sms"] != 1 || d1.Improvement["speed"] != 1 {
		t.Errorf("second row %+v", d1)
	}
	r = h.do(call{method: "GET", path: "/api/v1/reports/scores?since=2026-03-01&agent=agt_lena&include_test=true", key: w.admin, valid: true}, 200)
	r.decode(t, &rep)
	if len(rep.Data) != 1 || rep.Data[0].Responses != 2 || rep.Data[0].Average != 2 {
		t.Errorf("with test answers: %s", r.body)
	}
	r = h.do(call{method: "GET", path: "/api/v1/reports/scores?since=2026-03-01&agent=agt_lena", key: w.admin}, 200)
	r.decode(t, &rep)
	if len(rep.Data) != 1 || rep.Data[0].Responses != 1 {
		t.Errorf("test answers counted: %s", r.body)
	}

	// Erasing the person keeps their answer in the report.
	before := h.do(call{method: "GET", path: "/api/v1/reports/scores", key: w.admin}, 200)
	h.do(call{method: "DELETE", path: "/api/v1/data-subjects?email=" + url.QueryEscape(sharedCustomer), key: w.admin}, 200)
	after := h.do(call{method: "GET", path: "/api/v1/reports/scores", key: w.admin}, 200)
	if !bytes.Equal(before.body, after.body) || !bytes.Contains(after.body, []byte(w.agent)) {
		t.Errorf("report changed by an erasure:\n%s\n%s", before.body, after.body)
	}
}

// TestPagePrivacy: the feedback page sets no cookie, loads nothing from
// elsewhere, sends no referrer, links the controller's privacy notice and
// says who processes the answer for whom; without its agent (deleted
// since) it still works and shows no one else.
func TestPagePrivacy(t *testing.T) {
	h := newAPIHarness(t)
	w := h.tenantWorld("Nordlicht Reisen", "nordlicht")
	headers := func(r reply) {
		t.Helper()
		csp := r.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "img-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if r.header.Get("Referrer-Policy") != "no-referrer" || r.header.Get("Set-Cookie") != "" {
			t.Errorf("Referrer-Policy %q, Set-Cookie %q", r.header.Get("Referrer-Policy"), r.header.Get("Set-Cookie"))
		}
		for _, attr := range []string{`src="http`, `src="//`, `href="//`} {
			if bytes.Contains(r.body, []byte(attr)) {
				t.Errorf("page loads something from elsewhere (%s)", attr)
			}
		}
	}
	check := func(r reply) {
		t.Helper()
		headers(r)
		if !bytes.Contains(r.body, []byte(`href="https://nordlicht.example/privacy"`)) {
			t.Error("page lacks the privacy notice link")
		}
		if !bytes.Contains(r.body, []byte("processed by Plaudit on behalf of Nordlicht Reisen")) {
			t.Error("page does not say who processes the answer for whom")
		}
	}
	r := h.do(call{method: "GET", path: "/f/" + w.token}, 200)
	check(r)
	if !bytes.Contains(r.body, []byte("Bio of nordlicht")) {
		t.Error("page lacks the agent card")
	}
	h.do(call{method: "DELETE", path: "/api/v1/agents/" + w.agent, key: w.admin}, 204)
	r = h.do(call{method: "GET", path: "/f/" + w.token}, 200)
	check(r)
	if bytes.Contains(r.body, []byte("Jonas")) || bytes.Contains(r.body, []byte("Bio of")) || bytes.Contains(r.body, []byte(`class="agent"`)) {
		t.Errorf("page shows a deleted agent: %s", r.body)
	}
	headers(h.do(call{method: "GET", path: "/f/nosuchtoken"}, 404))
}

// TestAccessLogHoldsNoPersonalData: the access log names the route
// pattern, never the path's token, the query's address or the client's IP
// address.
func TestAccessLogHoldsNoPersonalData(t *testing.T) {
	var logs bytes.Buffer
	srv := server.New(server.Config{
		PublicURL: publicURL,
		Log:       slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	for _, target := range []string{
		"/api/v1/data-subjects?email=anna.schneider%40example.org&phone=%2B4930901820",
		"/hooks/twilio/status?r=req_secretish&t=ten_secretish",
	} {
		method := "GET"
		if strings.HasPrefix(target, "/hooks") {
			method = "POST"
		}
		req := httptest.NewRequest(method, target, nil)
		req.RemoteAddr = "203.0.113.77:51234"
		req.Header.Set("X-Forwarded-For", "198.51.100.23")
		resp, err := srv.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	out := logs.String()
	if !strings.Contains(out, "route=/api/v1/data-subjects") || !strings.Contains(out, "route=/hooks/twilio/status") {
		t.Fatalf("no access log lines to check: %s", out)
	}
	for _, s := range []string{"anna", "example.org", "4930901820", "secretish", "203.0.113.77", "198.51.100.23", "0.0.0.0"} {
		if strings.Contains(out, s) {
			t.Errorf("access log holds %q: %s", s, out)
		}
	}
}
