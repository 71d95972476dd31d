package server_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit/connectors/front"
	"github.com/plaudit/plaudit/server"
)

// newTenantAdmin makes a tenant and returns its admin key.
func (h *apiHarness) newTenantAdmin(name string) string {
	h.t.Helper()
	r := h.do(call{method: "POST", path: "/api/v1/tenants", key: operatorToken, json: map[string]any{"name": name}}, 201)
	var created struct {
		APIKey string `json:"api_key"`
	}
	r.decode(h.t, &created)
	return created.APIKey
}

// newConnector makes a connector as a tenant admin does and returns its
// id and the path of its webhook_url.
func (h *apiHarness) newConnector(admin, kind string, config map[string]any) (id, hook string) {
	h.t.Helper()
	r := h.do(call{method: "POST", path: "/api/v1/connectors", key: admin, valid: true,
		json: map[string]any{"kind": kind, "config": config}}, 201)
	var con struct {
		ID         string `json:"id"`
		WebhookURL string `json:"webhook_url"`
	}
	r.decode(h.t, &con)
	return con.ID, strings.TrimPrefix(con.WebhookURL, publicURL)
}

const (
	frontSecret     = "front-app-secret"
	gladlyUser      = "plaudit-webhook"
	gladlyPassword  = "gladly-webhook-password"
	intercomSecret  = "intercom-client-secret"
	frontChallenge  = "8f3b2c1d-sync-challenge"
	gladlyPingEvent = `{"id":"ev-ping-1","type":"PING","timestamp":"2026-11-28T09:41:00.000Z","content":{}}`
)

// handshakeConnectors makes an Intercom, a Front, a Gladly and a Zendesk
// connector for one tenant and returns their webhook paths by kind.
func (h *apiHarness) handshakeConnectors() map[string]string {
	admin := h.newTenantAdmin("Nordlicht Reisen")
	hooks := map[string]string{}
	for kind, config := range map[string]map[string]any{
		"intercom": {"access_token": "intercom-token", "client_secret": intercomSecret, "admin_id": "7340219"},
		"front":    {"api_token": "front-token", "app_secret": frontSecret},
		"gladly": {"base_url": "https://nordlicht.gladly.com", "api_user": "api@nordlicht.example", "api_token": "gladly-token",
			"webhook_username": gladlyUser, "webhook_password": gladlyPassword},
		"zendesk": {"subdomain": "nordlicht", "email": "api@nordlicht.example", "api_token": "t", "signing_secret": "s"},
	} {
		_, hooks[kind] = h.newConnector(admin, kind, config)
	}
	return hooks
}

// frontSync is Front's sync request at ts, signed with secret.
func frontSync(secret string, ts time.Time) (body string, header map[string]string) {
	body = `{"type":"sync","authorization":{"id":"cmp_1a2b3"},"payload":{}}`
	stamp := fmt.Sprint(ts.UnixMilli())
	return body, map[string]string{
		front.HeaderChallenge: frontChallenge,
		front.HeaderTimestamp: stamp,
		front.HeaderSignature: front.Sign([]byte(secret), stamp, []byte(body)),
	}
}

func basicAuth(user, password string) map[string]string {
	return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))}
}

// TestHandshakes: each helpdesk's check of a new webhook URL passes
// through the real server, and a forged one is refused: Intercom's HEAD
// gets 200, Front's signed sync gets its challenge back, Gladly's PING
// with the webhook's credentials gets 200; a sync with a wrong signature
// or an old timestamp, and a PING without the credentials or without the
// URL's secret, get 401 and no answer meant for the helpdesk.
func TestHandshakes(t *testing.T) {
	h := newAPIHarness(t)
	hooks := h.handshakeConnectors()

	// Intercom: HEAD when the URL is saved in the Developer Hub.
	r := h.do(call{method: "HEAD", path: hooks["intercom"]}, 200)
	if len(r.body) != 0 {
		t.Errorf("HEAD answered with a body: %q", r.body)
	}
	h.do(call{method: "HEAD", path: "/hooks/con_nosuch"}, 404)
	// A kind without a HEAD check answers HEAD as any route without it.
	r = h.do(call{method: "HEAD", path: hooks["zendesk"]}, 405)
	if r.header.Get("Allow") != "POST" {
		t.Errorf("405 with Allow %q, want POST", r.header.Get("Allow"))
	}
	// HEAD is no way past the signature of a delivery.
	h.do(call{method: "POST", path: hooks["intercom"], json: `{"type":"notification_event"}`}, 401)

	// Front: the sync challenge, signed like every delivery.
	body, header := frontSync(frontSecret, time.Now())
	r = h.do(call{method: "POST", path: hooks["front"], json: body, header: header, valid: true}, 200)
	var echo struct{ Challenge string }
	r.decode(t, &echo)
	if echo.Challenge != frontChallenge || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("sync answer %q (%s), want the challenge echoed as JSON", r.body, r.header.Get("Content-Type"))
	}
	for name, secret := range map[string]string{"forged": "not-the-app-secret", "unsigned": ""} {
		body, header := frontSync(secret, time.Now())
		if secret == "" {
			delete(header, front.HeaderSignature)
		}
		r = h.do(call{method: "POST", path: hooks["front"], json: body, header: header}, 401)
		if strings.Contains(string(r.body), frontChallenge) {
			t.Errorf("%s sync: the challenge was echoed: %s", name, r.body)
		}
	}
	body, header = frontSync(frontSecret, time.Now().Add(-10*time.Minute))
	r = h.do(call{method: "POST", path: hooks["front"], json: body, header: header}, 401)
	wantMessage(t, r, "stale")

	// Gladly: the PING, to the webhook_url with its secret, with the
	// webhook's basic-auth credentials.
	if strings.Count(hooks["gladly"], "/") != 3 {
		t.Fatalf("gladly webhook_url path %q carries no secret", hooks["gladly"])
	}
	r = h.do(call{method: "POST", path: hooks["gladly"], json: gladlyPingEvent, header: basicAuth(gladlyUser, gladlyPassword), valid: true}, 200)
	var pong struct{ OK bool }
	if json.Unmarshal(r.body, &pong) != nil || !pong.OK {
		t.Errorf("PING answer %s", r.body)
	}
	h.do(call{method: "POST", path: hooks["gladly"], json: gladlyPingEvent, header: basicAuth(gladlyUser, "not-the-password-at-all")}, 401)
	h.do(call{method: "POST", path: hooks["gladly"], json: gladlyPingEvent}, 401)
	id := strings.Split(hooks["gladly"], "/")[2]
	r = h.do(call{method: "POST", path: "/hooks/" + id, json: gladlyPingEvent, header: basicAuth(gladlyUser, gladlyPassword)}, 401)
	wantMessage(t, r, "webhook URL")
	h.do(call{method: "POST", path: "/hooks/" + id + "/not-the-secret", json: gladlyPingEvent, header: basicAuth(gladlyUser, gladlyPassword)}, 401)
}

// TestForgedHandshakesSpendOnlyTheSendersBudget: handshakes that fail
// verification count against the sender's address like forged
// deliveries, and the helpdesk's own handshake from its address passes
// all along.
func TestForgedHandshakesSpendOnlyTheSendersBudget(t *testing.T) {
	limits := server.DefaultLimits
	limits.HookFailuresPerClient = 3
	h := limitedHarness(t, limits)
	hooks := h.handshakeConnectors()
	attacker, helpdesk := h.from("127.0.0.2"), h.from("127.0.0.3")

	for kind, forge := range map[string]func() (string, map[string]string){
		"front": func() (string, map[string]string) { return frontSync("not-the-app-secret", time.Now()) },
		"gladly": func() (string, map[string]string) {
			return gladlyPingEvent, basicAuth(gladlyUser, "not-the-password-at-all")
		},
	} {
		var got []int
		for range 5 {
			body, header := forge()
			got = append(got, attacker.post(hooks[kind], []byte(body), header).status)
		}
		if fmt.Sprint(got) != "[401 401 401 401 429]" {
			t.Errorf("%s: 5 forged handshakes from one address: %v, want 401 until the budget of 3 is spent, then 429", kind, got)
		}
	}
	body, header := frontSync(frontSecret, time.Now())
	if a := helpdesk.post(hooks["front"], []byte(body), header); a.status != http.StatusOK {
		t.Errorf("Front's own sync after the forgeries: %d", a.status)
	}
	if a := helpdesk.post(hooks["gladly"], []byte(gladlyPingEvent), basicAuth(gladlyUser, gladlyPassword)); a.status != http.StatusOK {
		t.Errorf("Gladly's own PING after the forgeries: %d", a.status)
	}
	if a := helpdesk.send("HEAD", hooks["intercom"], nil, nil); a.status != http.StatusOK {
		t.Errorf("Intercom's HEAD: %d", a.status)
	}
}
