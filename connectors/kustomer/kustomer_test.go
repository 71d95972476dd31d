package kustomer

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
)

const (
	testSecret = "kustomer-webhook-token-3f9a"
	testAPIKey = "eyJhbGciOiJIUzI1NiJ9.eyJvcmciOiI1Zjg0ODFjNiJ9.c2lnbmF0dXJl"
	convID     = "6747a0c3e5b1f00012ab3511"
)

// testNow is two seconds after the fixture's event.
var testNow = time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)

func fixture(t testing.TB, name string) []byte { return conntest.Fixture(t, name) }

func newClient(t testing.TB, baseURL string, extra map[string]any) *Client {
	return build(t, baseURL, extra, conntest.HTTP())
}

// build makes the driver of a connector with the test secrets.
func build(t testing.TB, baseURL string, extra map[string]any, client *http.Client) *Client {
	t.Helper()
	c, err := NewClient(conntest.Connector(Name, baseURL, extra, map[string]string{SecretAPIKey: testAPIKey, SecretWebhookSecret: testSecret}), plaudit.DriverDeps{HTTP: client})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// signed is a delivery as Kustomer sends it.
func signed(body []byte, secret string) plaudit.Delivery {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Kustomer-Webhook-Event", eventUpdate)
	h.Set(HeaderSignature, Sign([]byte(secret), body))
	return plaudit.Delivery{Header: h, Body: body, URL: "https://plaudit.example/hooks/con_1", Now: testNow}
}

// fakeKustomer speaks the part of Kustomer's API the driver uses, from
// the fixtures; answer, when not nil, may answer a request itself (it
// returns true then).
func fakeKustomer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request) bool) *conntest.API {
	return &conntest.API{Answer: func(w http.ResponseWriter, r *http.Request) {
		if answer != nil && answer(w, r) {
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-RateLimit-Limit", "1000")
		w.Header().Set("X-RateLimit-Remaining", "996")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/v1/conversations/"+convID,
			r.Method == http.MethodPatch && r.URL.Path == "/v1/conversations/"+convID:
			w.Write(fixture(t, "api-conversation.json"))
		case r.Method == http.MethodGet && r.URL.Path == "/v1/customers/6747a0c2e5b1f00012ab34b9":
			w.Write(fixture(t, "api-customer.json"))
		case r.Method == http.MethodGet && r.URL.Path == "/v1/users/5f8481f0d4a2b3001c7e9a55":
			w.Write(fixture(t, "api-user.json"))
		case r.Method == http.MethodGet && r.URL.Path == "/v1/auth/tokens/current":
			w.Write(fixture(t, "api-token.json"))
		case r.Method == http.MethodGet && (r.URL.Path == "/v1/conversations" || r.URL.Path == "/v1/customers" || r.URL.Path == "/v1/users"):
			io.WriteString(w, `{"data":[],"links":{"self":"`+r.URL.RequestURI()+`"},"meta":{"pageSize":1,"page":1}}`)
		case r.Method == http.MethodPost && r.URL.Path == "/v1/conversations/"+convID+"/notes":
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"data":{"type":"note","id":"6748b2f0c5a9f0001a3d7e40","attributes":{}}}`)
		case r.Method == http.MethodPost && r.URL.Path == "/v1/conversations/"+convID+"/tags":
			w.Write(fixture(t, "api-conversation.json"))
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"errors":[{"status":404,"code":"not_found","title":"Not Found"}]}`)
		}
	}}
}

// TestSignatureKnownAnswer checks Sign against a signature computed
// independently (Python's hmac): lowercase hex of HMAC-SHA256 over the
// raw body, keyed with the webhook's token.
func TestSignatureKnownAnswer(t *testing.T) {
	body := []byte(`{"id":"6748b1e2c5a9f0001a3d7e21","name":"kustomer.conversation.update"}`)
	const want = "20043d48e2094dce292565d16496778682476bbb5d3966e577d309d209d7a5b4"
	if got := Sign([]byte(testSecret), body); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	for _, sig := range []string{want, strings.ToUpper(want), " " + want + " "} {
		if err := Verify([]byte(testSecret), sig, body); err != nil {
			t.Errorf("Verify(%q): %v", sig, err)
		}
	}
}

func TestReceiveSignature(t *testing.T) {
	c := newClient(t, "", nil)
	body := fixture(t, "kustomer-conversation-done.json")
	ctx := context.Background()

	if _, err := c.Receive(ctx, signed(body, testSecret)); err != nil {
		t.Fatalf("good signature: %v", err)
	}
	// Older webhooks name the header x-kustomer-signature.
	d := signed(body, testSecret)
	d.Header.Set(HeaderSignatureLegacy, d.Header.Get(HeaderSignature))
	d.Header.Del(HeaderSignature)
	if _, err := c.Receive(ctx, d); err != nil {
		t.Fatalf("legacy header: %v", err)
	}

	for name, d := range map[string]plaudit.Delivery{
		"other secret": signed(body, "another-secret"),
		"changed body": func() plaudit.Delivery {
			d := signed(body, testSecret)
			d.Body = []byte(strings.Replace(string(body), `"before": "open"`, `"before": "snoozed"`, 1))
			return d
		}(),
		"not hex": func() plaudit.Delivery {
			d := signed(body, testSecret)
			d.Header.Set(HeaderSignature, "sha256="+d.Header.Get(HeaderSignature))
			return d
		}(),
		"truncated": func() plaudit.Delivery {
			d := signed(body, testSecret)
			d.Header.Set(HeaderSignature, d.Header.Get(HeaderSignature)[:32])
			return d
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.Receive(ctx, d)
			conntest.WantError(t, err, plaudit.EUnauthorized, "signature does not match")
		})
	}
	d = signed(body, testSecret)
	d.Header.Del(HeaderSignature)
	_, err := c.Receive(ctx, d)
	conntest.WantError(t, err, plaudit.EUnauthorized, "signature header is missing")

	// A bad signature is refused before the body is looked at.
	_, err = c.Receive(ctx, signed([]byte("not json"), "wrong"))
	conntest.WantError(t, err, plaudit.EUnauthorized, "")
}

// TestReceiveStale: the signature has no timestamp, but the event's
// signed createdAt does; a replay of an old delivery is refused.
func TestReceiveStale(t *testing.T) {
	c := newClient(t, "", nil)
	body := fixture(t, "kustomer-conversation-done.json")
	for _, tc := range []struct {
		now   time.Time
		stale bool
	}{
		{testNow.Add(time.Hour), false}, // Kustomer retries for about an hour
		{testNow.Add(MaxAge - time.Minute), false},
		{testNow.Add(MaxAge + time.Minute), true},
		{testNow.Add(-4 * time.Minute), false},
		{testNow.Add(-10 * time.Minute), true}, // from the future
	} {
		d := signed(body, testSecret)
		d.Now = tc.now
		_, err := c.Receive(context.Background(), d)
		if tc.stale {
			conntest.WantError(t, err, plaudit.EUnauthorized, "delivery is stale")
		} else if err != nil {
			t.Errorf("now %s: %v", tc.now, err)
		}
	}
}

func TestReceiveFixture(t *testing.T) {
	c := newClient(t, "", nil)
	events, err := c.Receive(context.Background(), signed(fixture(t, "kustomer-conversation-done.json"), testSecret))
	if err != nil {
		t.Fatal(err)
	}
	want := []plaudit.Event{{DedupKey: "6748b1e2c5a9f0001a3d7e21", Interaction: plaudit.Interaction{
		Source: "kustomer", DedupKey: "6748b1e2c5a9f0001a3d7e21", ExternalID: convID, Event: plaudit.EventSolved,
		Channel: "email", Tags: []string{"5f8482a1c7b3e2001d9a4c10", "5f8482a1c7b3e2001d9a4c11"},
		Agent: plaudit.AgentRef{ExternalID: "5f8481f0d4a2b3001c7e9a55"}, NeedsEnrich: true,
	}}}
	if !reflect.DeepEqual(events, want) {
		t.Errorf("events\n got %+v\nwant %+v", events, want)
	}
}

// update is a conversation update event whose status changed from before
// to after (no change when both are empty).
func update(before, after string) string {
	changes := `{"attributes":{"priority":{"op":"replace","before":3,"after":4}}}`
	if before != "" || after != "" {
		changes = `{"attributes":{"status":{"op":"replace","before":"` + before + `","after":"` + after + `"}}}`
	}
	return `{"id":"e1","name":"kustomer.conversation.update","data":{"type":"conversation","id":"c1",
		"attributes":{"status":"` + after + `","channels":["voice"],"assignedUsers":[],"lastDone":{"createdBy":"u9"}}},
		"changes":` + changes + `}`
}

func TestParseVariants(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       string // "conversation event agent", or "" for none
	}{
		{"done", update("open", "done"), "c1 solved u9"},
		{"done from snoozed", update("snoozed", "done"), "c1 solved u9"},
		{"reopened by the customer", update("done", "open"), "c1 reopened u9"},
		{"snoozed after done", update("done", "snoozed"), "c1 reopened u9"},
		{"snoozed", update("open", "snoozed"), ""},
		{"priority changed", update("", ""), ""},
		{"created done", `{"id":"e2","name":"kustomer.conversation.create","data":{"type":"conversation","id":"c2","attributes":{"status":"done"}},"changes":null}`, ""},
		{"customer updated", `{"id":"e3","name":"kustomer.customer.update","data":{"type":"customer","id":"k1","attributes":{"lastDone":"x","channels":"y"}},"changes":{"attributes":{"status":{"before":"a","after":"done"}}}}`, ""},
		{"no changes at all", `{"id":"e4","name":"kustomer.conversation.update","data":{"type":"conversation","id":"c4"}}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, err := Parse([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if len(events) == 1 {
				in := events[0].Interaction
				got = in.ExternalID + " " + in.Event + " " + in.Agent.ExternalID
				if in.Channel != "phone" || in.NeedsEnrich != (in.Event == plaudit.EventSolved) {
					t.Errorf("interaction %+v", in)
				}
			}
			if got != tc.want || len(events) > 1 {
				t.Errorf("got %q (%d events), want %q", got, len(events), tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for body, msg := range map[string]string{
		`[]`:                   "body must be a JSON object",
		`null`:                 "body must be a JSON object",
		`"x"`:                  "body must be a JSON object",
		`{"id":`:               "body is not valid JSON",
		`{"id":{},"name":"x"}`: "id must be a string",
		`{"name":"kustomer.conversation.update","data":{"id":"c1"},"changes":{"attributes":{"status":{"before":"open","after":"done"}}}}`: "id is required",
		`{"id":"e","name":"kustomer.conversation.update","data":{"id":"../customers"},"changes":{}}`:                                      "data.id must be a conversation id",
		`{"id":"e","name":"kustomer.conversation.update","data":{"id":"c1","attributes":{"channels":"email"}}}`:                           "data.attributes.channels must be an array",
		`{"id":"e","name":"kustomer.conversation.update","data":{"id":"c1"},"changes":{"attributes":{"status":"done"}}}`:                  "changes.attributes.status must be an object",
		`{"id":"` + strings.Repeat("e", 201) + `","name":"kustomer.conversation.update","data":{"id":"c1"}}`:                              "id is too long",
	} {
		_, err := Parse([]byte(body))
		var e *plaudit.Error
		if !errors.As(err, &e) || e.Code != plaudit.EInvalid || e.Message != msg {
			t.Errorf("Parse(%.70s) = %v, want %q", body, err, msg)
		}
	}
}

func TestEnrich(t *testing.T) {
	f := fakeKustomer(t, nil)
	c := newClient(t, f.Start(t), nil)
	evs, err := Parse(fixture(t, "kustomer-conversation-done.json"))
	if err != nil {
		t.Fatal(err)
	}
	in := evs[0].Interaction
	if err := c.Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	// The mobile number, though the home number comes first.
	if in.Customer != (plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org", Phone: "+49 151 23456789", Language: "de_DE"}) {
		t.Errorf("customer %+v", in.Customer)
	}
	if plaudit.Language(in.Customer.Language, "en") != "de" {
		t.Errorf("language %q does not map to de", in.Customer.Language)
	}
	if in.Agent != (plaudit.AgentRef{ExternalID: "5f8481f0d4a2b3001c7e9a55", Email: "jonas.weber@nordlicht.example", Name: "Jonas Weber"}) {
		t.Errorf("agent %+v", in.Agent)
	}
	if in.Event != plaudit.EventSolved || in.Channel != "email" || in.NeedsEnrich {
		t.Errorf("interaction %+v", in)
	}
	want := []string{"GET /v1/conversations/" + convID, "GET /v1/customers/6747a0c2e5b1f00012ab34b9", "GET /v1/users/5f8481f0d4a2b3001c7e9a55"}
	if !reflect.DeepEqual(f.Reqs, want) {
		t.Errorf("requests\n got %q\nwant %q", f.Reqs, want)
	}
	for _, a := range f.Auth {
		if a != "Bearer "+testAPIKey {
			t.Errorf("Authorization %q", a)
		}
	}
}

func TestEnrichReopenedSinceEvent(t *testing.T) {
	f := fakeKustomer(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/v1/conversations/c5" {
			io.WriteString(w, `{"data":{"type":"conversation","id":"c5","attributes":{"status":"open","assignedUsers":[]}}}`)
			return true
		}
		return false
	})
	c := newClient(t, f.Start(t), nil)
	in := plaudit.Interaction{ExternalID: "c5", Event: plaudit.EventSolved, NeedsEnrich: true}
	if err := c.Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	if in.Event != plaudit.EventReopened || in.NeedsEnrich || len(f.Reqs) != 1 {
		t.Errorf("interaction %+v, requests %q", in, f.Reqs)
	}
}

func TestEnrichWithoutCustomerOrUser(t *testing.T) {
	// The customer was deleted since and the user removed (404): the
	// conversation is still a solve, with what is known.
	f := fakeKustomer(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/v1/conversations/c6" {
			io.WriteString(w, `{"data":{"type":"conversation","id":"c6","attributes":{"status":"done","channels":["chat"],"assignedUsers":["u404"]},
				"relationships":{"customer":{"data":{"type":"customer","id":"k404"}}}}}`)
			return true
		}
		return false
	})
	c := newClient(t, f.Start(t), nil)
	in := plaudit.Interaction{ExternalID: "c6", Event: plaudit.EventSolved, NeedsEnrich: true}
	if err := c.Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	if in.Event != plaudit.EventSolved || in.Channel != "chat" || in.Customer != (plaudit.Customer{}) ||
		in.Agent != (plaudit.AgentRef{ExternalID: "u404"}) || len(f.Reqs) != 3 {
		t.Errorf("interaction %+v, requests %q", in, f.Reqs)
	}
}

func TestEnrichDeletedConversation(t *testing.T) {
	c := newClient(t, fakeKustomer(t, nil).Start(t), nil)
	in := plaudit.Interaction{ExternalID: "c404", Event: plaudit.EventSolved, NeedsEnrich: true}
	conntest.WantPermanent(t, c.Enrich(context.Background(), &in), "kustomer: conversation not found (404)")
	in.ExternalID = "../users"
	conntest.WantPermanent(t, c.Enrich(context.Background(), &in), "kustomer: conversation id is not valid")
}
