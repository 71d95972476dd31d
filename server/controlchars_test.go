package server_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/zendesk"
	"github.com/plaudit/plaudit/internal/testenv"
)

// NUL and other control characters get a 4xx that names the field (or
// are dropped from what a helpdesk sends), never a 5xx: PostgreSQL refuses
// NUL in text, and a 503 to a helpdesk is retried for ever.
func TestControlCharactersAreRefusedOrDropped(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { runControlCharacters(t, "") })
	t.Run("postgres", func(t *testing.T) { runControlCharacters(t, testenv.DatabaseURL(t)) })
}

func runControlCharacters(t *testing.T, databaseURL string) {
	h := newAPIHarnessOn(t, databaseURL)
	w := h.tenantWorld("Nordlicht", "nul")

	// The JSON API: each field named, nothing stored.
	for _, c := range []struct {
		method, path, field string
		body                any
	}{
		{"POST", "/api/v1/tenants", "name", `{"name":"Acme\u0000"}`},
		{"POST", "/api/v1/tenants", "settings.brand_name", `{"name":"Acme","settings":{"brand_name":"A\u0000"}}`},
		{"PATCH", "/api/v1/tenant", "name", `{"name":"Acme\u0000"}`},
		{"PATCH", "/api/v1/tenant", "settings.from_name", `{"settings":{"from_name":"A\u0000"}}`},
		{"POST", "/api/v1/agents", "name", `{"email":"nul1@agents.example","name":"Jo\u0000nas"}`},
		{"POST", "/api/v1/agents", "name", `{"email":"nul2@agents.example","name":"Jo\u0007nas"}`},
		{"POST", "/api/v1/agents", "hometown", `{"email":"nul3@agents.example","name":"Jonas","hometown":"K\u0000"}`},
		{"POST", "/api/v1/agents", "bio", `{"email":"nul4@agents.example","name":"Jonas","bio":"b\u0000"}`},
		{"POST", "/api/v1/agents", "name", "{\"email\":\"nul6@agents.example\",\"name\":\"Jo\xffnas\"}"},
		{"POST", "/api/v1/agents", "a key of external_ids", "{\"email\":\"nul7@agents.example\",\"name\":\"Jonas\",\"external_ids\":{\"zen\xffdesk\":\"4711\"}}"},
		{"POST", "/api/v1/agents", "external_ids.zendesk", `{"email":"nul5@agents.example","name":"Jonas","external_ids":{"zendesk":"47\u000011"}}`},
		{"PATCH", "/api/v1/agents/" + w.agent, "name", `{"name":"Jo\u0000nas"}`},
		{"POST", "/api/v1/connectors", "name", `{"kind":"standard","name":"S\u0000","config":{"signing_secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}`},
		{"POST", "/api/v1/connectors", "config.signing_secret", `{"kind":"standard","config":{"signing_secret":"whsec_\u0000"}}`},
		{"PATCH", "/api/v1/connectors/" + w.connector, "name", `{"name":"Z\u0000"}`},
		{"POST", "/api/v1/api-keys", "name", `{"name":"k\u0000","role":"read"}`},
	} {
		key := w.admin
		if c.path == "/api/v1/tenants" {
			key = operatorToken
		}
		r := h.do(call{method: c.method, path: c.path, key: key, json: c.body}, 400)
		wantMessage(t, r, c.field)
	}
	// Query parameters and path segments.
	for _, path := range []string{
		"/api/v1/responses?ticket=73%00021", "/api/v1/feedback-requests?agent=a%00b",
		"/api/v1/data-subjects?email=anna%00@example.org", "/api/v1/responses?ticket=%FF",
	} {
		r := h.do(call{method: "GET", path: path, key: w.admin}, 400)
		if r.status == 400 {
			q, _ := url.ParseQuery(strings.SplitN(path, "?", 2)[1])
			for k := range q {
				wantMessage(t, r, k)
			}
		}
	}
	h.do(call{method: "DELETE", path: "/api/v1/data-subjects?email=anna%00@example.org", key: w.admin}, 400)
	h.do(call{method: "GET", path: "/api/v1/agents/ag%00x", key: w.admin}, 404)

	// The page: the comment is named.
	r := h.do(call{method: "POST", path: "/f/" + w.token, form: url.Values{"comment": {"Danke\x00"}}}, 400)
	if !strings.Contains(string(r.body), "comment") {
		t.Errorf("page answer does not name the comment: %s", r.body)
	}
	h.do(call{method: "POST", path: "/f/" + w.token, form: url.Values{"comment": {"Danke \xff"}}}, 400)
	h.do(call{method: "GET", path: "/f/tok%00en"}, 404)

	hookDeliveries(t, h, w)
	inboundReplies(t, h, w)
}

// hookDeliveries posts what helpdesks and providers send, with NULs and
// control characters: what the store cannot keep is dropped, and the answer
// is never a 5xx, which they retry for ever.
func hookDeliveries(t *testing.T, h *apiHarness, w tenantWorld) {
	// A Zendesk delivery: accepted, with the NUL dropped.
	hook := []byte(`{"ticket":{"id":"91001","status":"Solved","via":"Mail","tags":"billing\u0000","brand":"Nord\u0000licht"},` +
		`"requester":{"id":"1","name":"Anna\u0000 Schneider","email":"anna.nul@example.org","language":"Deutsch\u0000"},` +
		`"assignee":{"id":"2","name":"Jonas\u0000","email":"jonas.weber@agents.example"}}`)
	ts := time.Now().UTC().Format(time.RFC3339)
	h.do(call{method: "POST", path: "/hooks/" + w.connector, json: hook, header: map[string]string{
		zendesk.HeaderSignature:          zendesk.Sign([]byte("secret-nul"), ts, hook),
		zendesk.HeaderSignatureTimestamp: ts,
	}}, 202)
	r := h.do(call{method: "GET", path: "/api/v1/data-subjects?email=anna.nul@example.org", key: w.admin}, 200)
	var held struct{ Interactions []plaudit.Interaction }
	r.decode(t, &held)
	found := false
	for _, in := range held.Interactions {
		if in.ExternalID == "91001" {
			found = true
			if in.Customer.Name != "Anna Schneider" || in.Agent.Name != "Jonas" || in.Brand != "Nordlicht" {
				t.Errorf("stored %q, %q, %q; want the NULs dropped", in.Customer.Name, in.Agent.Name, in.Brand)
			}
		}
	}
	if !found {
		t.Error("the Zendesk delivery with NULs was not stored")
	}

	// Twilio and SendGrid, correctly signed.
	twilioSigned := func(path string, form url.Values) map[string]string {
		return map[string]string{"X-Twilio-Signature": twilioSignature(publicURL+path, form)}
	}
	for _, c := range []struct {
		path   string
		form   url.Values
		status int
	}{
		{"/hooks/twilio/sms", url.Values{"MessageSid": {"SM\x00nul1"}, "From": {"+4930901820"}, "To": {"+15005550006"}, "Body": {"5 da\x00nke"}}, 200},
		{"/hooks/twilio/sms", url.Values{"MessageSid": {"SMnul2"}, "From": {"+49309\x0001820"}, "To": {"+15005550006"}, "Body": {"5"}}, 400}, // names From
		{"/hooks/twilio/status", url.Values{"MessageSid": {"SM\x00\xffnul3"}, "MessageStatus": {"delivered"}}, 204},
	} {
		h.do(call{method: "POST", path: c.path, form: c.form, header: twilioSigned(c.path, c.form)}, c.status)
	}
	events := []byte(`[{"email":"x@example.org","event":"bounce","sg_event_id":"ev\u0000nul","sg_message_id":"m\u0000nul.filter1"}]`)
	h.do(call{method: "POST", path: "/hooks/sendgrid/events", json: events, header: h.sendgridSigned(time.Now(), events)}, 200)
}

// inboundReplies posts email replies through Inbound Parse: a NUL in the
// recipient, which names the request, is refused naming "to" and records
// nothing; in the sender or the text it is dropped and the answer
// recorded. SendGrid retries a 5xx for days.
func inboundReplies(t *testing.T, h *apiHarness, w tenantWorld) {
	ctx := context.Background()
	in := plaudit.Interaction{TenantID: w.id, Source: "api", DedupKey: "nul-reply", ExternalID: "91002", Event: plaudit.EventSolved}
	if _, err := h.store.InsertInteraction(ctx, &in); err != nil {
		t.Fatal(err)
	}
	sent := time.Now().Add(-time.Hour)
	fr := plaudit.FeedbackRequest{TenantID: w.id, InteractionID: in.ID, AgentID: w.agent, TicketID: "91002",
		Channel: plaudit.ChannelEmail, Recipient: "anna.reply@example.org", Language: "de",
		Status: plaudit.RequestSent, DueAt: sent, SentAt: &sent, Attempts: 1}
	if _, err := h.store.CreateRequest(ctx, &fr); err != nil {
		t.Fatal(err)
	}
	auth := map[string]string{fiber.HeaderAuthorization: "Basic " + base64.StdEncoding.EncodeToString([]byte("parse:"+inboundToken))}
	to := "reply+" + fr.Token + "@" + inboundDomain
	for _, bad := range []string{"reply+" + fr.Token + "\x00@" + inboundDomain, to + "\x00", "\x00" + to, "Anna <" + to + ">\x00, x@example.org"} {
		mail := map[string]string{"to": bad, "from": "anna.reply@example.org", "subject": "Re: Wie war's?", "text": "1"}
		r := h.do(call{method: "POST", path: "/hooks/sendgrid/inbound", multipart: mail, header: auth}, 400)
		wantMessage(t, r, `"to"`)
	}
	if _, err := h.store.ResponseByRequest(ctx, w.id, fr.ID); !plaudit.IsNotFound(err) {
		t.Fatalf("a refused reply was recorded: %v", err)
	}
	mail := map[string]string{"to": to, "from": "Anna\x00 <anna.re\x00ply@example.org>", "subject": "Re: Wie war's?\x00",
		"text": "4 Dan\x00ke, sehr \x07freundlich\x00"}
	h.do(call{method: "POST", path: "/hooks/sendgrid/inbound", multipart: mail, header: auth}, 200)
	resp, err := h.store.ResponseByRequest(ctx, w.id, fr.ID)
	if err != nil {
		t.Fatalf("the reply with NULs in its sender and text was not recorded: %v", err)
	}
	if resp.Score != 4 || resp.Comment != "Danke, sehr freundlich" || resp.Source != plaudit.SourceEmail {
		t.Errorf("recorded %d %q from %s; want 4 \"Danke, sehr freundlich\" by email, the control characters dropped", resp.Score, resp.Comment, resp.Source)
	}
}
