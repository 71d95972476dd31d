package hubspot

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
)

const (
	testSecret = "7c1e5a0f-3b2d-4e8a-9f61-0d2c4b7a8e95"
	testToken  = "pat-eu1-5f0e8d3c-2b1a-4c9d-8e7f-6a5b4c3d2e1f"
	testURL    = "https://plaudit.example/hooks/con_1"
)

var testNow = time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)

func fixture(t testing.TB, name string) []byte { return conntest.Fixture(t, name) }

func newClient(t testing.TB, baseURL string, extra map[string]any) *Client {
	return build(t, baseURL, extra, conntest.HTTP())
}

// build makes the driver of a connector with the test secrets.
func build(t testing.TB, baseURL string, extra map[string]any, client *http.Client) *Client {
	t.Helper()
	c, err := NewClient(conntest.Connector(Name, baseURL, extra, map[string]string{SecretAccessToken: testToken, SecretAppSecret: testSecret}), plaudit.DriverDeps{HTTP: client})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// signed is a delivery as HubSpot sends it to testURL at ts.
func signed(body []byte, ts time.Time, secret string) plaudit.Delivery {
	stamp := strconv.FormatInt(ts.UnixMilli(), 10)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(HeaderSignature, Sign([]byte(secret), http.MethodPost, testURL, body, stamp))
	h.Set(HeaderTimestamp, stamp)
	return plaudit.Delivery{Header: h, Body: body, URL: testURL, Now: testNow}
}

// fakeHubSpot speaks the part of HubSpot's CRM v3 API the driver uses,
// from the fixtures; answer, when not nil, may answer a request itself
// (it returns true then).
func fakeHubSpot(t *testing.T, answer func(w http.ResponseWriter, r *http.Request) bool) *conntest.API {
	return &conntest.API{Answer: func(w http.ResponseWriter, r *http.Request) {
		if answer != nil && answer(w, r) {
			return
		}
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.Header().Set("X-HubSpot-RateLimit-Max", "190")
		w.Header().Set("X-HubSpot-RateLimit-Remaining", "187")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/crm/v3/objects/tickets/1874021563",
			r.Method == http.MethodPatch && r.URL.Path == "/crm/v3/objects/tickets/1874021563":
			w.Write(fixture(t, "api-ticket.json"))
		case r.Method == http.MethodGet && r.URL.Path == "/crm/v3/objects/contacts/90517":
			w.Write(fixture(t, "api-contact.json"))
		case r.Method == http.MethodGet && r.URL.Path == "/crm/v3/owners/73500512":
			w.Write(fixture(t, "api-owner.json"))
		case r.Method == http.MethodPost && r.URL.Path == "/crm/v3/objects/notes":
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"id":"52671190348","properties":{"hs_object_id":"52671190348"},"archived":false}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"status":"error","message":"resource not found","correlationId":"8d1c2b4a-0f3e-4b6a-9c7d-2e1f0a9b8c7d","category":"OBJECT_NOT_FOUND"}`)
		}
	}}
}

// TestSignatureKnownAnswer checks Sign against a signature computed
// independently (Python's hmac) over method + URI + body + timestamp, as
// HubSpot's v3 documentation states, with the URI's encoded ":" decoded.
func TestSignatureKnownAnswer(t *testing.T) {
	secret := []byte("yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy")
	body := []byte(`[{"eventId":1}]`)
	const stamp, want = "1795888798114", "FQb0K2nWiYaZSb69TFK7hIRY5F3ouj84tUlEWPmWpIU="
	for _, uri := range []string{"https://plaudit.example/hooks/con_1?x=a:b", "https://plaudit.example/hooks/con_1?x=a%3Ab"} {
		if got := Sign(secret, http.MethodPost, uri, body, stamp); got != want {
			t.Errorf("Sign(%s) = %q, want %q", uri, got, want)
		}
		if err := Verify(secret, http.MethodPost, uri, body, want, stamp, time.UnixMilli(1795888798114)); err != nil {
			t.Errorf("Verify(%s): %v", uri, err)
		}
	}
}

func TestReceiveSignature(t *testing.T) {
	c := newClient(t, "", nil)
	body := fixture(t, "hubspot-ticket-stage-changed.json")
	ctx := context.Background()

	if _, err := c.Receive(ctx, signed(body, testNow.Add(-30*time.Second), testSecret)); err != nil {
		t.Fatalf("good signature: %v", err)
	}
	if _, err := c.Receive(ctx, signed(body, testNow.Add(4*time.Minute), testSecret)); err != nil {
		t.Fatalf("clock skew within tolerance: %v", err)
	}
	for name, d := range map[string]plaudit.Delivery{
		"other secret": signed(body, testNow, "another-secret"),
		"changed body": func() plaudit.Delivery {
			d := signed(body, testNow, testSecret)
			d.Body = []byte(strings.Replace(string(body), `"propertyValue": "2"`, `"propertyValue": "4"`, 1))
			return d
		}(),
		"other URL": func() plaudit.Delivery {
			d := signed(body, testNow, testSecret)
			d.URL = "https://plaudit.example/hooks/con_2"
			return d
		}(),
		// The timestamp is signed: moving a stale one into the window
		// breaks the signature.
		"timestamp moved": func() plaudit.Delivery {
			d := signed(body, testNow.Add(-time.Hour), testSecret)
			d.Header.Set(HeaderTimestamp, strconv.FormatInt(testNow.UnixMilli(), 10))
			return d
		}(),
		"not base64": func() plaudit.Delivery {
			d := signed(body, testNow, testSecret)
			d.Header.Set(HeaderSignature, "%%% not base64")
			return d
		}(),
	} {
		_, err := c.Receive(ctx, d)
		if e := (*plaudit.Error)(nil); !errors.As(err, &e) || e.Code != plaudit.EUnauthorized || e.Message != "signature does not match" {
			t.Errorf("%s: err = %v", name, err)
		}
	}

	_, err := c.Receive(ctx, signed(body, testNow.Add(-6*time.Minute), testSecret))
	conntest.WantStale(t, err)
	_, err = c.Receive(ctx, signed(body, testNow.Add(6*time.Minute), testSecret))
	conntest.WantStale(t, err)

	for _, h := range []string{HeaderSignature, HeaderTimestamp} {
		d := signed(body, testNow, testSecret)
		d.Header.Del(h)
		_, err = c.Receive(ctx, d)
		conntest.WantError(t, err, plaudit.EUnauthorized, "signature headers are missing")
	}

	// A timestamp in seconds or as a date, correctly signed, is refused.
	for _, stamp := range []string{"Sat, 28 Nov 2026 18:00:00 GMT", "-5"} {
		d := plaudit.Delivery{Header: http.Header{}, Body: body, URL: testURL, Now: testNow}
		d.Header.Set(HeaderSignature, Sign([]byte(testSecret), http.MethodPost, testURL, body, stamp))
		d.Header.Set(HeaderTimestamp, stamp)
		_, err = c.Receive(ctx, d)
		conntest.WantError(t, err, plaudit.EUnauthorized, "signature timestamp is not valid")
	}
	d := plaudit.Delivery{Header: http.Header{}, Body: body, URL: testURL, Now: testNow}
	stamp := strconv.FormatInt(testNow.Unix(), 10)
	d.Header.Set(HeaderSignature, Sign([]byte(testSecret), http.MethodPost, testURL, body, stamp))
	d.Header.Set(HeaderTimestamp, stamp)
	_, err = c.Receive(ctx, d)
	conntest.WantStale(t, err)

	// A bad signature is refused before the body is looked at.
	_, err = c.Receive(ctx, signed([]byte("not json"), testNow, "wrong"))
	conntest.WantError(t, err, plaudit.EUnauthorized, "")
}

func TestReceiveFixture(t *testing.T) {
	c := newClient(t, "", nil)
	events, err := c.Receive(context.Background(), signed(fixture(t, "hubspot-ticket-stage-changed.json"), testNow, testSecret))
	if err != nil {
		t.Fatal(err)
	}
	// The stage change to Closed (4) is a solve, the one to stage 2 a
	// reopening; the owner change is no event.
	want := []plaudit.Event{
		{DedupKey: "1826417342", Interaction: plaudit.Interaction{Source: "hubspot", DedupKey: "1826417342",
			ExternalID: "1874021563", Event: plaudit.EventSolved, NeedsEnrich: true}},
		{DedupKey: "1826417344", Interaction: plaudit.Interaction{Source: "hubspot", DedupKey: "1826417344",
			ExternalID: "1874029981", Event: plaudit.EventReopened}},
	}
	if !reflect.DeepEqual(events, want) {
		t.Errorf("events\n got %+v\nwant %+v", events, want)
	}
}

func TestParseVariants(t *testing.T) {
	closed := map[string]bool{"4": true, "88012345": true}
	for _, tc := range []struct {
		name, body string
		want       []string // "ticket event" per event
	}{
		{"empty batch", `[]`, nil},
		{"custom closed stage", `[{"eventId":7,"subscriptionType":"ticket.propertyChange","objectId":"55","propertyName":"hs_pipeline_stage","propertyValue":"88012345"}]`, []string{"55 solved"}},
		{"new platform object event", `[{"eventId":"8","subscriptionType":"object.propertyChange","objectTypeId":"0-5","objectId":56,"propertyName":"hs_pipeline_stage","propertyValue":"4"}]`, []string{"56 solved"}},
		{"new platform, a deal", `[{"eventId":"9","subscriptionType":"object.propertyChange","objectTypeId":"0-3","objectId":57,"propertyName":"hs_pipeline_stage","propertyValue":"4"}]`, nil},
		{"deal stage", `[{"eventId":10,"subscriptionType":"deal.propertyChange","objectId":58,"propertyName":"dealstage","propertyValue":"closedwon"}]`, nil},
		{"contact created", `[{"eventId":11,"subscriptionType":"contact.creation","objectId":59,"changeFlag":"NEW"}]`, nil},
		{"stage cleared", `[{"eventId":12,"subscriptionType":"ticket.propertyChange","objectId":60,"propertyName":"hs_pipeline_stage","propertyValue":""}]`, nil},
		{"ticket created", `[{"eventId":13,"subscriptionType":"ticket.creation","objectId":61}]`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, err := Parse([]byte(tc.body), closed)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ev := range events {
				got = append(got, ev.Interaction.ExternalID+" "+ev.Interaction.Event)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	closed := map[string]bool{"4": true}
	many := "[" + strings.Repeat(`{"eventId":1},`, maxEvents) + `{"eventId":1}]`
	for body, msg := range map[string]string{
		`{"eventId":1}`:      "body must be a JSON array of events",
		`null`:               "body must be a JSON array of events",
		`[{"eventId":1}`:     "body is not valid JSON",
		`[7]`:                "body[0] must be a JSON object",
		`[{"eventId":{}}]`:   "body[0].eventId must be a string",
		`[{"objectId":1}]`:   "body[0].eventId is required",
		`[{"eventId":null}]`: "body[0].eventId is required",
		many:                 "body: at most 1000 events are allowed",
		`[{"eventId":1},{"eventId":2,"subscriptionType":"ticket.propertyChange","objectId":"12a","propertyName":"hs_pipeline_stage","propertyValue":"4"}]`: "body[1].objectId must be a ticket id",
		`[{"eventId":"` + strings.Repeat("9", 101) + `"}]`: "body[0].eventId is too long",
	} {
		_, err := Parse([]byte(body), closed)
		var e *plaudit.Error
		if !errors.As(err, &e) || e.Code != plaudit.EInvalid || e.Message != msg {
			t.Errorf("Parse(%.60s) = %v, want %q", body, err, msg)
		}
	}
}

func TestEnrich(t *testing.T) {
	f := fakeHubSpot(t, nil)
	c := newClient(t, f.Start(t), nil)
	evs, err := Parse(fixture(t, "hubspot-ticket-stage-changed.json"), c.closed)
	if err != nil {
		t.Fatal(err)
	}
	in := evs[0].Interaction
	if err := c.Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	wantCustomer := plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org",
		Phone: "+49 151 23456789", Language: "de", TimeZone: "Europe/Berlin"}
	if in.Customer != wantCustomer {
		t.Errorf("customer %+v", in.Customer)
	}
	if in.Agent != (plaudit.AgentRef{ExternalID: "73500512", Email: "jonas.weber@nordlicht.example", Name: "Jonas Weber"}) {
		t.Errorf("agent %+v", in.Agent)
	}
	if in.Event != plaudit.EventSolved || in.Channel != "email" || in.NeedsEnrich {
		t.Errorf("interaction %+v", in)
	}
	wantReqs := []string{
		"GET /crm/v3/objects/tickets/1874021563?properties=hs_pipeline_stage,hubspot_owner_id,source_type&associations=contacts",
		"GET /crm/v3/objects/contacts/90517?properties=firstname,lastname,email,phone,mobilephone,hs_language,hs_timezone",
		"GET /crm/v3/owners/73500512",
	}
	if !reflect.DeepEqual(f.Reqs, wantReqs) {
		t.Errorf("requests\n got %q\nwant %q", f.Reqs, wantReqs)
	}
	for _, a := range f.Auth {
		if a != "Bearer "+testToken {
			t.Errorf("Authorization %q", a)
		}
	}
}

func TestEnrichReopenedSinceEvent(t *testing.T) {
	f := fakeHubSpot(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/crm/v3/objects/tickets/5" {
			io.WriteString(w, `{"id":"5","properties":{"hs_pipeline_stage":"2","hubspot_owner_id":null,"source_type":"CHAT"},"associations":{}}`)
			return true
		}
		return false
	})
	c := newClient(t, f.Start(t), nil)
	in := plaudit.Interaction{ExternalID: "5", Event: plaudit.EventSolved, NeedsEnrich: true}
	if err := c.Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	if in.Event != plaudit.EventReopened || in.NeedsEnrich || len(f.Reqs) != 1 {
		t.Errorf("interaction %+v, requests %q", in, f.Reqs)
	}
}

func TestEnrichWithoutContactOrOwner(t *testing.T) {
	// The contact was deleted since (404) and the owner left: the ticket
	// is still a solve, with what is known.
	f := fakeHubSpot(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/crm/v3/objects/tickets/6" {
			io.WriteString(w, `{"id":"6","properties":{"hs_pipeline_stage":"4","hubspot_owner_id":"999","source_type":"PHONE"},
				"associations":{"contacts":{"results":[{"id":"404404","type":"ticket_to_contact"}]}}}`)
			return true
		}
		return false
	})
	c := newClient(t, f.Start(t), nil)
	in := plaudit.Interaction{ExternalID: "6", Event: plaudit.EventSolved, NeedsEnrich: true}
	if err := c.Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	if in.Event != plaudit.EventSolved || in.Channel != "phone" || in.Customer != (plaudit.Customer{}) ||
		in.Agent != (plaudit.AgentRef{ExternalID: "999"}) || len(f.Reqs) != 3 {
		t.Errorf("interaction %+v, requests %q", in, f.Reqs)
	}
}

func TestEnrichDeletedTicket(t *testing.T) {
	c := newClient(t, fakeHubSpot(t, nil).Start(t), nil)
	in := plaudit.Interaction{ExternalID: "404404", Event: plaudit.EventSolved, NeedsEnrich: true}
	conntest.WantPermanent(t, c.Enrich(context.Background(), &in), "hubspot: ticket not found (404)")
	in.ExternalID = "../owners"
	conntest.WantPermanent(t, c.Enrich(context.Background(), &in), "hubspot: ticket id is not valid")
}

func TestTimeZone(t *testing.T) {
	for in, want := range map[string]string{
		"europe_slash_berlin":                        "Europe/Berlin",
		"america_slash_new_york":                     "America/New_York",
		"america_slash_argentina_slash_buenos_aires": "America/Argentina/Buenos_Aires",
		"utc":             "",
		"":                "",
		"mars_slash_base": "",
		"local":           "",
	} {
		if got := timeZone(in); got != want {
			t.Errorf("timeZone(%q) = %q, want %q", in, got, want)
		}
	}
}
