package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/server"
)

// Secrets as a Standard Webhooks sender issues them: "whsec_" and base64.
var (
	stdSigning    = "whsec_" + base64.StdEncoding.EncodeToString([]byte("helpdesk-signing-secret-32bytes!"))
	stdOther      = "whsec_" + base64.StdEncoding.EncodeToString([]byte("somebody-elses-secret-24"))
	stdCbCurrent  = "whsec_" + base64.StdEncoding.EncodeToString([]byte("callback-secret-current-32bytes!"))
	stdCbPrevious = "whsec_" + base64.StdEncoding.EncodeToString([]byte("callback-secret-previous"))
)

// callbackReceiver is the tenant's own endpoint for callbacks. It checks
// every delivery with the Standard Webhooks library, once per secret it
// knows: during a rotation a receiver may hold either secret, so each
// must verify on its own. Successive deliveries are answered from a script
// of status codes (then 200).
type callbackReceiver struct {
	*httptest.Server
	secrets []string

	mu      sync.Mutex
	script  []int
	got     []receivedCallback
	invalid []string
}

type receivedCallback struct {
	ID, Timestamp, Signature string
	Body                     map[string]any
	Status                   int
}

func newCallbackReceiver(t *testing.T, secrets ...string) *callbackReceiver {
	rv := &callbackReceiver{secrets: secrets}
	rv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rv.mu.Lock()
		defer rv.mu.Unlock()
		for _, s := range rv.secrets {
			wh, err := standardwebhooks.NewWebhook(s)
			if err != nil {
				t.Errorf("receiver secret: %v", err)
				return
			}
			if err := wh.Verify(body, r.Header); err != nil {
				rv.invalid = append(rv.invalid, err.Error())
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
		}
		status := http.StatusOK
		if len(rv.script) > 0 {
			status, rv.script = rv.script[0], rv.script[1:]
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			rv.invalid = append(rv.invalid, "not JSON")
		}
		rv.got = append(rv.got, receivedCallback{ID: r.Header.Get("webhook-id"), Timestamp: r.Header.Get("webhook-timestamp"),
			Signature: r.Header.Get("webhook-signature"), Body: m, Status: status})
		w.WriteHeader(status)
	}))
	t.Cleanup(rv.Close)
	return rv
}

func (rv *callbackReceiver) Script(statuses ...int) {
	rv.mu.Lock()
	rv.script = statuses
	rv.mu.Unlock()
}

func (rv *callbackReceiver) Got() ([]receivedCallback, []string) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]receivedCallback(nil), rv.got...), append([]string(nil), rv.invalid...)
}

// signStandard signs body as a Standard Webhooks sender does.
func signStandard(t *testing.T, secret, id string, at time.Time, body []byte) map[string]string {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign(id, at, body)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"Content-Type":      "application/json",
		"webhook-id":        id,
		"webhook-timestamp": strconv.FormatInt(at.Unix(), 10),
		"webhook-signature": sig,
	}
}

// deliveryAttemptSchema is the OpenAPI schema the delivery log's entries
// must match.
func deliveryAttemptSchema(t *testing.T) *openapi3.Schema {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(server.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	ref := doc.Components.Schemas["DeliveryAttempt"]
	if ref == nil || ref.Value == nil {
		t.Fatal("openapi.json has no DeliveryAttempt schema")
	}
	return ref.Value
}

func TestStandardWebhooks(t *testing.T) { runStandardWebhooks(t, nil) }

func TestStandardWebhooksOnRedisAndPostgres(t *testing.T) {
	runStandardWebhooks(t, map[string]string{
		"REDIS_URL":          testenv.RedisURL(t),
		"DATABASE_URL":       testenv.DatabaseURL(t),
		"PLAUDIT_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	})
}

// runStandardWebhooks drives a standard connector as the sending system,
// the customer and the callback receiver meet it: a signed trigger body →
// email → answer → signed callback, retried when the receiver fails, with
// the delivery log showing each attempt.
func runStandardWebhooks(t *testing.T, env map[string]string) {
	sg := newFakeSendGrid(t)
	rv := newCallbackReceiver(t, stdCbCurrent, stdCbPrevious)
	if env == nil {
		env = map[string]string{}
	}
	env["SENDGRID_API_KEY"] = "SG.test-key"
	env["SENDGRID_API_URL"] = sg.URL
	g := startGateway(t, "serve", env)
	admin := newTenant(t, g, "Nordlicht Reisen", nil)
	reader := newKey(t, g, admin, "read", "live")
	agent := g.must(201, "POST", "/api/v1/agents", admin, map[string]any{
		"email": "jonas.weber@nordlicht.example", "name": "Jonas Weber", "approved": true,
		"external_ids": map[string]string{"standard": "emp-17"},
	})
	con := g.must(201, "POST", "/api/v1/connectors", admin, map[string]any{
		"kind": "standard", "name": "Ticketing",
		"config": map[string]any{"signing_secret": stdSigning, "callback_url": rv.URL + "/plaudit/callbacks",
			"callback_secret": stdCbCurrent, "callback_secret_previous": stdCbPrevious},
	})
	conID := str(con["id"])
	for _, secret := range []string{stdSigning, stdCbCurrent, stdCbPrevious} {
		if strings.Contains(string(mustJSON(t, con)), secret) {
			t.Errorf("the connector answer shows a secret")
		}
	}
	hook := "/hooks/" + conID
	body := mustJSON(t, map[string]any{"ext_interaction_id": "INC-4711", "channel": "chat",
		"customer": map[string]any{"name": "Anna Schneider", "email": "anna.schneider@example.org", "language": "de"},
		"employee": map[string]any{"custom_id": "emp-17"}})
	now := time.Now()

	// Refused, with no effect: another secret, no signature, a stale one,
	// and a signed body that is not a trigger body.
	if r := g.do("POST", hook, "", body, signStandard(t, stdOther, "msg_1", now, body)); r.Status != 401 {
		t.Errorf("wrong secret: %d %s, want 401", r.Status, r.Body)
	}
	if r := g.do("POST", hook, "", body, nil); r.Status != 401 {
		t.Errorf("no signature: %d, want 401", r.Status)
	}
	if r := g.do("POST", hook, "", body, signStandard(t, stdSigning, "msg_1", now.Add(-6*time.Minute), body)); r.Status != 401 {
		t.Errorf("stale timestamp: %d, want 401", r.Status)
	}
	tampered := []byte(strings.Replace(string(body), "INC-4711", "INC-4712", 1))
	h := signStandard(t, stdSigning, "msg_1", now, body)
	if r := g.do("POST", hook, "", tampered, h); r.Status != 401 {
		t.Errorf("body changed after signing: %d, want 401", r.Status)
	}
	bad := []byte(`{"channel":"chat","customer":{"email":"anna.schneider@example.org"},"employee":{"custom_id":"emp-17"}}`)
	if r := g.do("POST", hook, "", bad, signStandard(t, stdSigning, "msg_0", now, bad)); r.Status != 400 || !strings.Contains(errorMessage(t, r), "ext_interaction_id") {
		t.Errorf("signed body without ext_interaction_id: %d %s, want 400 naming the field", r.Status, r.Body)
	}

	// The delivery, a replay of it, and the same webhook-id signed anew.
	r := g.do("POST", hook, "", body, signStandard(t, stdSigning, "msg_1", now, body))
	if r.Status != 202 || r.JSON(t)["accepted"] != 1.0 {
		t.Fatalf("webhook: %d %s", r.Status, r.Body)
	}
	for _, at := range []time.Time{now, now.Add(time.Second)} {
		r := g.do("POST", hook, "", body, signStandard(t, stdSigning, "msg_1", at, body))
		if r.Status != 202 || r.JSON(t)["duplicates"] != 1.0 || r.JSON(t)["accepted"] != 0.0 {
			t.Errorf("replayed webhook-id: %d %s, want 202 with one duplicate", r.Status, r.Body)
		}
	}
	token := awaitMail(t, sg, "anna.schneider@example.org")
	time.Sleep(500 * time.Millisecond)
	if n := len(sg.Mails()); n != 1 {
		t.Fatalf("%d emails, want 1 (a replay must have no effect)", n)
	}
	req := requestFor(t, g, reader, "INC-4711")
	if req["agent_id"] != agent["id"] || req["language"] != "de" || req["connector_id"] != conID {
		t.Errorf("request %v: want agent %v (external_ids.standard), German, from the connector", req, agent["id"])
	}

	// The customer answers; the receiver fails once, then takes it.
	rv.Script(http.StatusInternalServerError)
	answerPage(t, g, token, url.Values{"score": {"4"}})
	eventually(t, 20*time.Second, "the callback to be retried and delivered", func() bool {
		got, _ := rv.Got()
		return len(got) >= 2
	})
	got, invalid := rv.Got()
	if len(invalid) > 0 {
		t.Fatalf("the receiver could not verify callbacks: %v", invalid)
	}
	if got[0].Status != 500 || got[1].Status != 200 {
		t.Errorf("receiver answered %d then %d, want 500 then 200", got[0].Status, got[1].Status)
	}
	resp := list(t, g.must(200, "GET", "/api/v1/responses", reader, nil))[0]
	if got[0].ID != got[1].ID || got[0].ID != str(resp["id"])+":1" {
		t.Errorf("webhook-ids %q and %q, want both %s:1 (a retry keeps its id)", got[0].ID, got[1].ID, resp["id"])
	}
	if n := len(strings.Fields(got[1].Signature)); n != 2 {
		t.Errorf("signature header %q: want one signature per callback secret during the rotation", got[1].Signature)
	}
	cb := got[1].Body
	data, _ := cb["data"].(map[string]any)
	agentData, _ := data["agent"].(map[string]any)
	if cb["type"] != "feedback.response.created" || data["response_id"] != resp["id"] || data["ext_interaction_id"] != "INC-4711" ||
		data["score"] != 4.0 || data["update"] != false || data["test"] != false || agentData["email"] != "jonas.weber@nordlicht.example" {
		t.Errorf("callback body %v", cb)
	}
	eventually(t, 5*time.Second, "writeback_status done", func() bool {
		return list(t, g.must(200, "GET", "/api/v1/responses", reader, nil))[0]["writeback_status"] == "done"
	})

	// What the customer adds later follows as version 2, once.
	answerPage(t, g, token, url.Values{"step": {"more"}, "comment": {"Sehr freundlich"}, "excellence": {"friendly"}})
	eventually(t, 10*time.Second, "the update's callback", func() bool {
		got, _ := rv.Got()
		return len(got) >= 3
	})
	time.Sleep(500 * time.Millisecond)
	got, _ = rv.Got()
	if len(got) != 3 {
		t.Fatalf("%d callbacks, want 3 (failed, delivered, update)", len(got))
	}
	upd, _ := got[2].Body["data"].(map[string]any)
	if got[2].ID != str(resp["id"])+":2" || upd["update"] != true || upd["comment"] != "Sehr freundlich" {
		t.Errorf("update callback %s %v", got[2].ID, got[2].Body)
	}

	// The delivery log: each attempt, newest first, for the admin only.
	path := "/api/v1/connectors/" + conID + "/deliveries"
	log := list(t, g.must(200, "GET", path, admin, nil))
	if len(log) != 3 {
		t.Fatalf("delivery log has %d attempts, want 3: %v", len(log), log)
	}
	schema := deliveryAttemptSchema(t)
	for i, want := range []struct {
		version, attempt, status float64
		outcome                  string
	}{{2, 1, 200, "delivered"}, {1, 2, 200, "delivered"}, {1, 1, 500, "retrying"}} {
		d := log[i]
		if d["version"] != want.version || d["attempt"] != want.attempt || d["status_code"] != want.status || d["outcome"] != want.outcome ||
			d["response_id"] != resp["id"] || d["connector_id"] != conID || d["event_type"] != "feedback.response.created" {
			t.Errorf("log[%d] = %v, want version %v attempt %v: %s %v", i, d, want.version, want.attempt, want.outcome, want.status)
		}
		if err := schema.VisitJSON(d); err != nil {
			t.Errorf("log[%d] does not match the OpenAPI schema: %v", i, err)
		}
	}
	if e := str(log[2]["error"]); !strings.Contains(e, "500") {
		t.Errorf("failed attempt's error %q, want the status", e)
	}
	if n := len(list(t, g.must(200, "GET", path+"?limit=1", admin, nil))); n != 1 {
		t.Errorf("limit=1: %d attempts", n)
	}
	if r := g.do("GET", path, reader, nil, nil); r.Status != 403 {
		t.Errorf("read key: %d, want 403", r.Status)
	}
	if r := g.do("GET", path+"?limit=0", admin, nil, nil); r.Status != 400 || !strings.Contains(errorMessage(t, r), "limit") {
		t.Errorf("limit=0: %d %s, want 400 naming limit", r.Status, r.Body)
	}
	if r := g.do("GET", "/api/v1/connectors/con_nosuch/deliveries", admin, nil, nil); r.Status != 404 {
		t.Errorf("unknown connector: %d, want 404", r.Status)
	}
	other := newTenant(t, g, "Other", nil)
	if r := g.do("GET", path, other, nil, nil); r.Status != 404 {
		t.Errorf("another tenant's admin reads the log: %d, want 404", r.Status)
	}
	if strings.Contains(string(mustJSON(t, log)), "Sehr freundlich") || strings.Contains(string(mustJSON(t, log)), "anna") {
		t.Errorf("the delivery log carries personal data: %v", log)
	}

	noPersonalData(t, g, "anna.schneider@example.org", "Anna Schneider", "Sehr freundlich")
}
