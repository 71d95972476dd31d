package freshdesk

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

func TestReceiveAuthentication(t *testing.T) {
	c := newClient(t, "", nil)
	body := fixture(t, "freshdesk-ticket-resolved.json")
	ctx := context.Background()

	if _, err := c.Receive(ctx, delivery(body, testSecret)); err != nil {
		t.Fatalf("secret header: %v", err)
	}
	// Basic auth with the secret as the password, any user name.
	d := plaudit.Delivery{Header: http.Header{}, Body: body, Now: testNow}
	r := &http.Request{Header: d.Header}
	r.SetBasicAuth("freshdesk", testSecret)
	if _, err := c.Receive(ctx, d); err != nil {
		t.Fatalf("basic auth: %v", err)
	}

	// The action's "API key" authentication: the secret as the user name.
	d = plaudit.Delivery{Header: http.Header{}, Body: body, Now: testNow}
	(&http.Request{Header: d.Header}).SetBasicAuth(testSecret, "X")
	if _, err := c.Receive(ctx, d); err != nil {
		t.Fatalf("basic auth as an API key: %v", err)
	}

	_, err := c.Receive(ctx, delivery(body, "whk-not-the-secret-0000"))
	wantError(t, err, plaudit.EUnauthorized, "webhook secret does not match")
	_, err = c.Receive(ctx, delivery(body, testSecret[:len(testSecret)-1]))
	wantError(t, err, plaudit.EUnauthorized, "webhook secret does not match")

	d = plaudit.Delivery{Header: http.Header{}, Body: body, Now: testNow}
	_, err = c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "webhook secret is missing")

	d = plaudit.Delivery{Header: http.Header{}, Body: body, Now: testNow}
	(&http.Request{Header: d.Header}).SetBasicAuth(testSecret, "wrong-password-000")
	_, err = c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "webhook secret does not match")

	// Refused before the body is looked at.
	_, err = c.Receive(ctx, delivery([]byte("not json"), "wrong"))
	wantError(t, err, plaudit.EUnauthorized, "")
}

func TestReceiveRotation(t *testing.T) {
	c, err := NewClient(plaudit.Connector{Kind: Name, Config: []byte(`{"domain":"nordlicht"}`), Secrets: map[string]string{
		SecretAPIKey: testKey, SecretWebhookSecret: "whk-new-secret-aaaa", SecretWebhookSecretPrevious: testSecret,
	}}, plaudit.DriverDeps{HTTP: http.DefaultClient})
	if err != nil {
		t.Fatal(err)
	}
	body := fixture(t, "freshdesk-ticket-resolved.json")
	for _, s := range []string{"whk-new-secret-aaaa", testSecret} {
		if _, err := c.Receive(context.Background(), delivery(body, s)); err != nil {
			t.Errorf("secret %q during rotation: %v", s, err)
		}
	}
}

func TestReceiveResolved(t *testing.T) {
	c := newClient(t, "", nil)
	events, err := c.Receive(context.Background(), delivery(fixture(t, "freshdesk-ticket-resolved.json"), testSecret))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("%d events", len(events))
	}
	want := plaudit.Interaction{
		Source:     "freshdesk",
		ExternalID: "73021",
		Event:      plaudit.EventSolved,
		Channel:    "email",
		Customer:   plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org", Phone: "+49 30 901820"},
		Agent:      plaudit.AgentRef{Email: "jonas.weber@nordlicht.example", Name: "Jonas Weber"},
		Tags:       []string{"billing", "refund requested", "vip"},
		DedupKey:   "73021:solved:2026-11-28",
		// The language comes from the contact, through the API.
		NeedsEnrich: true,
	}
	if got := events[0].Interaction; !reflect.DeepEqual(got, want) {
		t.Errorf("interaction\n got %+v\nwant %+v", got, want)
	}
	if events[0].DedupKey != want.DedupKey {
		t.Errorf("event dedup key %q", events[0].DedupKey)
	}
}

func TestParseStatuses(t *testing.T) {
	for status, want := range map[string]string{
		"Resolved": plaudit.EventSolved, "Closed": plaudit.EventSolved, "closed": plaudit.EventSolved,
		"4": plaudit.EventSolved, "5": plaudit.EventSolved, "Gelöst": plaudit.EventSolved,
		"Open": plaudit.EventReopened, "Pending": plaudit.EventReopened, "2": plaudit.EventReopened,
		"Waiting on Customer": "", "Waiting on Third Party": "", "6": "", "": "",
	} {
		body := `{"ticket":{"id":"12","status":"` + status + `"}}`
		events, err := Parse([]byte(body), testNow)
		if err != nil {
			t.Fatalf("%s: %v", status, err)
		}
		switch {
		case want == "" && len(events) != 0:
			t.Errorf("status %q gave %+v, want no event", status, events)
		case want != "" && (len(events) != 1 || events[0].Interaction.Event != want):
			t.Errorf("status %q gave %+v, want %s", status, events, want)
		case want == plaudit.EventReopened && events[0].Interaction.NeedsEnrich:
			t.Errorf("a reopen asks for enrichment")
		}
	}
}

func TestParseDedup(t *testing.T) {
	body := fixture(t, "freshdesk-ticket-resolved.json")
	key := func(b []byte, now time.Time) string {
		t.Helper()
		ev, err := Parse(b, now)
		if err != nil || len(ev) != 1 {
			t.Fatalf("Parse: %v %v", ev, err)
		}
		return ev[0].DedupKey
	}
	first := key(body, testNow)
	// Freshdesk's retries (5, 35, 95 minutes later) are the same event.
	if again := key(body, testNow.Add(95*time.Minute)); again != first {
		t.Errorf("a retry got another key: %q, %q", first, again)
	}
	// The same outcome a day later is a new event; so is a reopen.
	if next := key(body, testNow.Add(DedupWindow)); next == first {
		t.Error("a day later got the same key")
	}
	reopened := []byte(strings.Replace(string(body), `"Resolved"`, `"Open"`, 1))
	if r := key(reopened, testNow); r == first || r != "73021:reopened:2026-11-28" {
		t.Errorf("reopen key %q", r)
	}
	// Resolved, then closed by the automation the same day: one event.
	closed := []byte(strings.Replace(string(body), `"Resolved"`, `"Closed"`, 1))
	if k := key(closed, testNow.Add(time.Hour)); k != first {
		t.Errorf("closed after resolved got another key %q", k)
	}
}

func TestParseFields(t *testing.T) {
	events, err := Parse([]byte(`{"ticket":{"id":7,"status":"Closed","source":"Phone","tags":["a, b","c"]},
		"requester":{"name":"  Li  ","email":"","phone":"+1 555 0100","mobile":"+1 555 0199","language":"fr"},
		"agent":{"id":"43008826190","email":"x@y.example"}}`), testNow)
	if err != nil {
		t.Fatal(err)
	}
	in := events[0].Interaction
	if in.ExternalID != "7" || in.Channel != "phone" || !reflect.DeepEqual(in.Tags, []string{"a", "b", "c"}) {
		t.Errorf("ticket %+v", in)
	}
	if in.Customer != (plaudit.Customer{Name: "Li", Phone: "+1 555 0199", Language: "fr"}) {
		t.Errorf("customer %+v (the mobile number goes first)", in.Customer)
	}
	if in.Agent.ExternalID != "43008826190" {
		t.Errorf("agent %+v", in.Agent)
	}
	for source, want := range map[string]string{"Portal": "email", "Chat": "chat", "Feedback Widget": "email",
		"Outbound Email": "email", "WhatsApp": "whatsapp", "3": "phone", "7": "chat", "99": "", "": ""} {
		if got := SourceChannel(source); got != want {
			t.Errorf("SourceChannel(%q) = %q, want %q", source, got, want)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	for body, msg := range map[string]string{
		`not json`:                          "body is not valid JSON",
		`null`:                              "ticket.id is required",
		`[]`:                                "body must be a JSON object",
		`{}`:                                "ticket.id is required",
		`{"ticket":{"status":"Resolved"}}`:  "ticket.id is required",
		`{"ticket":{"id":"{{ticket.id}}"}}`: "ticket.id must be a number",
		`{"ticket":{"id":"-3","status":"Resolved"}}`:                        "ticket.id must be a number",
		`{"ticket":"73021"}`:                                                "ticket must be an object",
		`{"ticket":{"id":{"n":1}}}`:                                         "ticket.id must be a string",
		`{"ticket":{"id":1,"status":"Resolved"},"requester":{"email":[1]}}`: "requester.email must be a string",
		`{"ticket":{"id":1,"tags":{"a":1}}}`:                                "ticket.tags must be a string",
	} {
		_, err := Parse([]byte(body), testNow)
		wantError(t, err, plaudit.EInvalid, msg)
	}
}
