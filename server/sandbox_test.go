package server_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// newKey creates an API key with an admin key and returns its id and
// secret.
func (h *apiHarness) newKey(admin, role, mode string, status int) (id, secret string) {
	h.t.Helper()
	body := map[string]any{"name": role + " key", "role": role}
	if mode != "" {
		body["mode"] = mode
	}
	r := h.do(call{method: "POST", path: "/api/v1/api-keys", key: admin, valid: status == 201, json: body}, status)
	var k struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
		Mode   string `json:"mode"`
	}
	if status == 201 {
		r.decode(h.t, &k)
	}
	return k.ID, k.APIKey
}

// checkTestKey calls every operation that an admin key may call with a
// test admin key: the ones openapi.json marks x-plaudit-test-keys answer
// it, every other one refuses it with 403.
func (h *apiHarness) checkTestKey(key string) {
	t := h.t
	t.Helper()
	for _, path := range sortedKeys(h.doc.Paths.Map()) {
		for method, op := range h.doc.Paths.Value(path).Operations() {
			roles, _ := op.Extensions["x-plaudit-roles"].([]any)
			if !slices.Contains(roles, any(plaudit.RoleAdmin)) {
				continue
			}
			p := strings.ReplaceAll(path, "{id}", "nosuch")
			r := h.do(call{method: method, path: p, key: key}, anyStatus)
			if op.Extensions["x-plaudit-test-keys"] == true {
				if r.status == 401 || r.status == 403 {
					t.Errorf("%s %s with a test key: %d, want it answered (with test data only)", method, path, r.status)
				}
				continue
			}
			if r.status != 403 || !strings.Contains(r.errorMessage(t), "test key") {
				t.Errorf("%s %s with a test key: %d %s, want 403: test keys act on test data only", method, path, r.status, r.body)
			}
		}
	}
}

// testAnswer makes test data as a test key makes it: a test interaction,
// its request (to the test recipient), answered with score.
func (h *apiHarness) testAnswer(w tenantWorld, testKey string, score int) {
	t := h.t
	t.Helper()
	r := h.do(call{method: "POST", path: "/api/v1/interactions", key: testKey, valid: true, json: map[string]any{
		"ext_interaction_id": "TRY-1", "customer": map[string]any{"email": "try@example.org"},
		"employee": map[string]any{"email": "jonas.weber@agents.example"}}}, 202)
	var in struct {
		ID   string `json:"id"`
		Test bool   `json:"test"`
	}
	r.decode(t, &in)
	sent := time.Now().Add(-time.Hour)
	fr := plaudit.FeedbackRequest{TenantID: w.id, InteractionID: in.ID, AgentID: w.agent, TicketID: "TRY-1",
		Channel: plaudit.ChannelEmail, Recipient: "qa-nordlicht@example.org", Language: "en", Test: true,
		Status: plaudit.RequestSent, DueAt: sent, SentAt: &sent, Attempts: 1}
	if _, err := h.store.CreateRequest(context.Background(), &fr); err != nil || !in.Test {
		t.Fatalf("test request: %v (interaction test=%v)", err, in.Test)
	}
	h.do(call{method: "POST", path: "/f/" + fr.Token, form: url.Values{"score": {fmt.Sprint(score)}}}, 303)
}

// TestTestKeysAreASandbox: a pk_test key acts on test data only. It
// cannot make a live key, read live requests or responses, erase live
// data, or reach the connectors (whose webhook URLs carry secrets).
func TestTestKeysAreASandbox(t *testing.T) {
	h := newAPIHarness(t)
	ctx := context.Background()
	w := h.tenantWorld("Nordlicht Reisen", "nordlicht") // live: an answered request
	_, testAdmin := h.newKey(w.admin, "admin", "test", 201)
	h.testAnswer(w, testAdmin, 3)

	h.checkTestKey(testAdmin)

	// No live keys, and no sight or removal of them.
	liveKeys := func() int {
		var l struct{ Data []plaudit.APIKey }
		h.do(call{method: "GET", path: "/api/v1/api-keys", key: w.admin}, 200).decode(t, &l)
		return len(l.Data)
	}
	before := liveKeys()
	r := h.do(call{method: "POST", path: "/api/v1/api-keys", key: testAdmin, json: map[string]any{"role": "admin", "mode": "live"}}, 403)
	wantMessage(t, r, "test key")
	_, made := h.newKey(testAdmin, "read", "", 201)
	if !strings.HasPrefix(made, "pk_test_") || liveKeys() != before+1 {
		t.Errorf("a test key's new key %q: want a test key (pk_test_…)", made[:min(len(made), 8)])
	}
	var keys struct{ Data []plaudit.APIKey }
	h.do(call{method: "GET", path: "/api/v1/api-keys", key: testAdmin}, 200).decode(t, &keys)
	for _, k := range keys.Data {
		if k.Mode != plaudit.ModeTest {
			t.Errorf("a test key lists the live key %s", k.ID)
		}
	}
	h.do(call{method: "DELETE", path: "/api/v1/api-keys/" + w.readerID, key: testAdmin}, 404)
	h.do(call{method: "GET", path: "/api/v1/responses", key: w.reader}, 200)

	// Test requests and responses only, whatever is asked for.
	for _, path := range []string{"/api/v1/feedback-requests", "/api/v1/responses", "/api/v1/responses?include_test=true"} {
		var l struct {
			Data []struct {
				Test bool `json:"test"`
			}
		}
		r = h.do(call{method: "GET", path: path, key: testAdmin}, 200)
		r.decode(t, &l)
		if len(l.Data) != 1 || !l.Data[0].Test || strings.Contains(string(r.body), w.request) || strings.Contains(string(r.body), "Comment nordlicht") {
			t.Errorf("GET %s with a test key: %s, want the test one alone", path, r.body)
		}
	}
	var report struct {
		Data []struct {
			Responses int    `json:"responses"`
			Scores    [5]int `json:"score_counts"`
		}
	}
	h.do(call{method: "GET", path: "/api/v1/reports/scores?include_test=true", key: testAdmin}, 200).decode(t, &report)
	if len(report.Data) != 1 || report.Data[0].Responses != 1 || report.Data[0].Scores[2] != 1 {
		t.Errorf("report for a test key: %+v, want the test answer (a 3) alone", report.Data)
	}

	// No erasure of live data, no live configuration.
	subject := "/api/v1/data-subjects?email=" + url.QueryEscape(sharedCustomer)
	h.do(call{method: "DELETE", path: subject, key: testAdmin}, 403)
	if _, err := h.store.GetResponse(ctx, w.id, w.response); err != nil {
		t.Errorf("the live response after a test key's erasure: %v", err)
	}
	h.do(call{method: "GET", path: "/api/v1/connectors", key: testAdmin}, 403)
	h.do(call{method: "PATCH", path: "/api/v1/tenant", key: testAdmin, json: map[string]any{"settings": map[string]any{"delay_seconds": 1}}}, 403)

	// The live admin key sees both.
	var all struct{ Data []plaudit.Response }
	h.do(call{method: "GET", path: "/api/v1/responses?include_test=true", key: w.admin}, 200).decode(t, &all)
	if len(all.Data) != 2 {
		t.Errorf("the live admin key sees %d responses, want the live and the test one", len(all.Data))
	}
}
