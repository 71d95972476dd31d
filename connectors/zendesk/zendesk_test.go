package zendesk

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
	"github.com/plaudit/plaudit/egress"
)

const (
	testSecret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
	testToken  = "zd-api-token-123"
	testEmail  = "plaudit@nordlicht.example"
)

var testNow = time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newClient(t testing.TB, baseURL string, extra map[string]any) *Client {
	t.Helper()
	cfg := map[string]any{"subdomain": "nordlicht", "email": testEmail}
	if baseURL != "" {
		cfg["base_url"] = baseURL
	}
	for k, v := range extra {
		cfg[k] = v
	}
	raw, _ := json.Marshal(cfg)
	c, err := NewClient(plaudit.Connector{
		ID: "con_1", Kind: Name, Config: raw,
		Secrets: map[string]string{SecretAPIToken: testToken, SecretSigningSecret: testSecret},
	}, plaudit.DriverDeps{HTTP: egress.NewClient(egress.Options{AllowPrivate: true, Timeout: 5 * time.Second})})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func signed(body []byte, ts time.Time, secret string) plaudit.Delivery {
	stamp := ts.UTC().Format(time.RFC3339)
	h := http.Header{}
	h.Set(HeaderSignature, Sign([]byte(secret), stamp, body))
	h.Set(HeaderSignatureTimestamp, stamp)
	return plaudit.Delivery{Header: h, Body: body, Now: testNow}
}

func wantError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var e *plaudit.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *plaudit.Error %s", err, code)
	}
	if e.Code != code || (msg != "" && e.Message != msg) {
		t.Fatalf("err = %s %q, want %s %q", e.Code, e.Message, code, msg)
	}
}

// TestSignatureKnownAnswer checks Sign against a signature computed
// independently (with another HMAC implementation) for the inputs of
// Zendesk's verification example: the MAC is over the timestamp followed
// by the body, as the Support webhooks documentation states.
func TestSignatureKnownAnswer(t *testing.T) {
	secret := []byte("HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=")
	body := []byte(`{"say": "hello"}`)
	stamp := "2021-07-25T10:00:00Z"
	const want = "Rry/4TtIdFyawtXXp8QdI6tlAUUQ/5kL1OTp5qo/ZIk="
	if got := Sign(secret, stamp, body); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	now, _ := time.Parse(time.RFC3339, stamp)
	if err := Verify(secret, want, stamp, body, now); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if err := Verify(secret, want, stamp, append(body, ' '), now); err == nil {
		t.Fatal("a changed body verified")
	}
}

func TestReceiveSignature(t *testing.T) {
	c := newClient(t, "", nil)
	body := fixture(t, "zendesk-trigger.json")
	ctx := context.Background()

	if _, err := c.Receive(ctx, signed(body, testNow.Add(-30*time.Second), testSecret)); err != nil {
		t.Fatalf("good signature: %v", err)
	}
	if _, err := c.Receive(ctx, signed(body, testNow.Add(4*time.Minute), testSecret)); err != nil {
		t.Fatalf("clock skew within tolerance: %v", err)
	}

	d := signed(body, testNow, "another-secret")
	_, err := c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "signature does not match")

	d = signed(body, testNow, testSecret)
	d.Body = append([]byte(nil), body...)
	d.Body[len(d.Body)-3] = ' '
	_, err = c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "signature does not match")

	_, err = c.Receive(ctx, signed(body, testNow.Add(-6*time.Minute), testSecret))
	conntest.WantStale(t, err)
	_, err = c.Receive(ctx, signed(body, testNow.Add(6*time.Minute), testSecret))
	conntest.WantStale(t, err)

	// The timestamp is signed: moving it into the window breaks the
	// signature.
	d = signed(body, testNow.Add(-time.Hour), testSecret)
	d.Header.Set(HeaderSignatureTimestamp, testNow.Format(time.RFC3339))
	_, err = c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "signature does not match")

	d = signed(body, testNow, testSecret)
	d.Header.Del(HeaderSignature)
	_, err = c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "signature headers are missing")

	d = signed(body, testNow, testSecret)
	d.Header.Del(HeaderSignatureTimestamp)
	_, err = c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "signature headers are missing")

	d = signed(body, testNow, testSecret)
	d.Header.Set(HeaderSignature, "%%% not base64")
	_, err = c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "signature does not match")

	// A timestamp in another format, correctly signed, is still refused.
	stamp := "November 28, 2026 18:00"
	d = plaudit.Delivery{Header: http.Header{}, Body: body, Now: testNow}
	d.Header.Set(HeaderSignature, Sign([]byte(testSecret), stamp, body))
	d.Header.Set(HeaderSignatureTimestamp, stamp)
	_, err = c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "signature timestamp is not valid")

	// A bad signature is refused before the body is looked at.
	d = signed([]byte("not json"), testNow, "wrong")
	_, err = c.Receive(ctx, d)
	wantError(t, err, plaudit.EUnauthorized, "")
}

func TestReceiveTriggerBody(t *testing.T) {
	c := newClient(t, "", nil)
	body := fixture(t, "zendesk-trigger.json")
	events, err := c.Receive(context.Background(), signed(body, testNow, testSecret))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("%d events", len(events))
	}
	ev := events[0]
	if len(ev.DedupKey) != 64 || ev.DedupKey != ev.Interaction.DedupKey {
		t.Errorf("dedup key %q", ev.DedupKey)
	}
	in := ev.Interaction
	in.DedupKey = ""
	want := plaudit.Interaction{
		Source:     "zendesk",
		ExternalID: "73021",
		Event:      plaudit.EventSolved,
		Channel:    "email",
		Customer: plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org",
			Phone: "+49 30 901820", Language: "Deutsch"},
		Agent: plaudit.AgentRef{ExternalID: "38417722455", Email: "jonas.weber@nordlicht.example", Name: "Jonas Weber"},
		Tags:  []string{"billing", "refund_requested", "vip"},
		Brand: "Nordlicht Reisen",
	}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("interaction\n got %+v\nwant %+v", in, want)
	}
	if plaudit.Language(in.Customer.Language, "en") != "de" {
		t.Errorf("language %q does not map to de", in.Customer.Language)
	}

	// A redelivery has the same key; another trigger run does not.
	again, _ := Parse(body)
	if again[0].DedupKey != ev.DedupKey {
		t.Error("redelivery got another dedup key")
	}
	other, _ := Parse([]byte(strings.Replace(string(body), "09:41", "09:42", 1)))
	if other[0].DedupKey == ev.DedupKey {
		t.Error("another body got the same dedup key")
	}
}

func TestParseTriggerVariants(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		check      func(t *testing.T, in plaudit.Interaction)
	}{
		{"unquoted ids and array tags",
			`{"ticket":{"id":73021,"status":"Gelöst","via":"Web Form","tags":["a","b c"]},"assignee":{"id":38417722455}}`,
			func(t *testing.T, in plaudit.Interaction) {
				if in.ExternalID != "73021" || in.Event != plaudit.EventSolved || in.Channel != "email" ||
					in.Agent.ExternalID != "38417722455" || !reflect.DeepEqual(in.Tags, []string{"a", "b", "c"}) {
					t.Errorf("got %+v", in)
				}
			}},
		{"reopened", `{"ticket":{"id":"1","status":"Open","via":"Phone call (inbound)"}}`,
			func(t *testing.T, in plaudit.Interaction) {
				if in.Event != plaudit.EventReopened || in.Channel != "phone" {
					t.Errorf("got %+v", in)
				}
			}},
		{"unassigned, no requester", `{"ticket":{"id":"1","status":"Closed","via":"Text"},"assignee":{"id":"","name":"","email":""}}`,
			func(t *testing.T, in plaudit.Interaction) {
				if in.Event != plaudit.EventSolved || in.Channel != "sms" || in.Agent != (plaudit.AgentRef{}) {
					t.Errorf("got %+v", in)
				}
			}},
		{"custom status", `{"ticket":{"id":"1","status":"Waiting for parts","via":"Messaging"}}`,
			func(t *testing.T, in plaudit.Interaction) {
				if in.Event != plaudit.EventOther || in.Channel != "chat" {
					t.Errorf("got %+v", in)
				}
			}},
		{"type that is not an event type", `{"type":"custom","ticket":{"id":"5","status":"solved"}}`,
			func(t *testing.T, in plaudit.Interaction) {
				if in.ExternalID != "5" || in.Event != plaudit.EventSolved {
					t.Errorf("got %+v", in)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := Parse([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, evs[0].Interaction)
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ body, msg string }{
		{``, "body is not valid JSON"},
		{`{"ticket":`, "body is not valid JSON"},
		{`<xml/>`, "body is not valid JSON"},
		{`[1,2]`, "body must be a JSON object"},
		{`null`, "body must be a JSON object"},
		{`{}`, "ticket.id is required"},
		{`{"ticket":{"status":"Solved"}}`, "ticket.id is required"},
		{`{"ticket":{"id":"{{ticket.id}}"}}`, "ticket.id must be a number"},
		{`{"ticket":"73021"}`, "ticket must be an object"},
		{`{"ticket":{"id":"1"},"requester":[]}`, "requester must be an object"},
		{`{"ticket":{"id":"1"},"assignee":{"id":"x1"}}`, "assignee.id must be a number"},
		{`{"type":"zen:event-type:ticket.status_changed","id":"e1","detail":{},"event":{"current":"SOLVED"}}`, "ticket.id is required"},
		{`{"type":"zen:event-type:ticket.status_changed","id":"e1","subject":"zen:ticket:abc","detail":{}}`, "ticket.id must be a number"},
	} {
		_, err := Parse([]byte(tc.body))
		if err == nil {
			t.Errorf("Parse(%s): no error", tc.body)
			continue
		}
		var e *plaudit.Error
		if !errors.As(err, &e) || e.Code != plaudit.EInvalid || e.Message != tc.msg {
			t.Errorf("Parse(%s) = %v, want invalid %q", tc.body, err, tc.msg)
		}
	}
}

func TestReceiveEventSubscription(t *testing.T) {
	c := newClient(t, "", nil)
	body := fixture(t, "zendesk-event-status-changed.json")
	events, err := c.Receive(context.Background(), signed(body, testNow, testSecret))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("%d events", len(events))
	}
	ev := events[0]
	if ev.DedupKey != "5b3d6b1f-0a55-4c38-9a3e-6f1d1b2f7c44" {
		t.Errorf("dedup key %q", ev.DedupKey)
	}
	in := ev.Interaction
	if in.Source != "zendesk" || in.ExternalID != "73022" || in.Event != plaudit.EventSolved || !in.NeedsEnrich ||
		in.Channel != "email" || in.Agent.ExternalID != "38417722455" ||
		!reflect.DeepEqual(in.Tags, []string{"billing", "refund_requested"}) {
		t.Errorf("interaction %+v", in)
	}
	if in.Customer != (plaudit.Customer{}) {
		t.Errorf("customer filled before enrichment: %+v", in.Customer)
	}

	for _, tc := range []struct {
		name, body, event string
		events            int
		enrich            bool
	}{
		{"reopened", `{"type":"zen:event-type:ticket.status_changed","id":"e2","subject":"zen:ticket:7","detail":{"id":"7","status":"OPEN"},"event":{"current":"OPEN","previous":"SOLVED"}}`,
			plaudit.EventReopened, 1, true},
		{"id from subject", `{"type":"zen:event-type:ticket.status_changed","id":"e3","subject":"zen:ticket:8","detail":{},"event":{"current":"CLOSED"}}`,
			plaudit.EventSolved, 1, true},
		{"created", `{"type":"zen:event-type:ticket.created","id":"e4","detail":{"id":"9","status":"Open","via":{"channel":"web"}},"event":{"current":{"status":"Open"}}}`,
			plaudit.EventReopened, 1, true},
		{"comment added", `{"type":"zen:event-type:ticket.comment_added","id":"e5","detail":{"id":"9","status":"SOLVED"},"event":{}}`,
			plaudit.EventOther, 1, false},
		{"user event", `{"type":"zen:event-type:user.active_changed","id":"e6","detail":{"id":"6596848315901"},"event":{"current":false}}`,
			"", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := Parse([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != tc.events {
				t.Fatalf("%d events", len(evs))
			}
			if tc.events == 1 && (evs[0].Interaction.Event != tc.event || evs[0].Interaction.NeedsEnrich != tc.enrich) {
				t.Errorf("got %+v", evs[0].Interaction)
			}
		})
	}
}

func TestStatusEvent(t *testing.T) {
	for status, want := range map[string]string{
		"Solved": plaudit.EventSolved, "solved": plaudit.EventSolved, "SOLVED": plaudit.EventSolved,
		"Closed": plaudit.EventSolved, "Gelöst": plaudit.EventSolved, "GELÖST": plaudit.EventSolved, "Résolu": plaudit.EventSolved,
		"Open": plaudit.EventReopened, "Pending": plaudit.EventReopened, "On-hold": plaudit.EventReopened,
		"hold": plaudit.EventReopened, "New": plaudit.EventReopened, "Offen": plaudit.EventReopened,
		"": plaudit.EventOther, "Deleted": plaudit.EventOther,
	} {
		if got := StatusEvent(status); got != want {
			t.Errorf("StatusEvent(%q) = %q, want %q", status, got, want)
		}
	}
}

// fakeZendesk answers the Zendesk API calls the driver makes and records
// the requests.
type fakeZendesk struct {
	t  *testing.T
	mu sync.Mutex
	// reqs are "METHOD path?query" of each request; bodies the JSON bodies.
	reqs   []string
	bodies [][]byte
	// answer, when set, answers instead of the default handler.
	answer func(w http.ResponseWriter, r *http.Request) bool
}

func (f *fakeZendesk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, r.Method+" "+r.URL.RequestURI())
	f.bodies = append(f.bodies, body)
	f.mu.Unlock()
	user, pass, ok := r.BasicAuth()
	if !ok || user != testEmail+"/token" || pass != testToken {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"Couldn't authenticate you"}`)
		return
	}
	if f.answer != nil && f.answer(w, r) {
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v2/tickets/73022.json":
		io.WriteString(w, `{"ticket":{"id":73022,"url":"https://nordlicht.zendesk.com/api/v2/tickets/73022.json",
			"status":"solved","requester_id":38417722901,"assignee_id":38417722455,"brand_id":360001234567,
			"tags":["billing","refund_requested"],"via":{"channel":"web","source":{"from":{},"to":{},"rel":null}},
			"subject":"Refund not received"}}`)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v2/users/show_many.json":
		if got := r.URL.Query().Get("ids"); got != "38417722901,38417722455" {
			f.t.Errorf("show_many ids = %q", got)
		}
		io.WriteString(w, `{"users":[
			{"id":38417722901,"name":"Anna Schneider","email":"anna.schneider@example.org","phone":"+49 30 901820",
			 "locale":"de","time_zone":"Berlin","iana_time_zone":"Europe/Berlin","role":"end-user"},
			{"id":38417722455,"name":"Jonas Weber","email":"jonas.weber@nordlicht.example","phone":null,
			 "locale":"en-US","time_zone":"Berlin","iana_time_zone":"Europe/Berlin","role":"agent"}]}`)
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/api/v2/tickets/"):
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			f.t.Errorf("content type %q", ct)
		}
		io.WriteString(w, `{"ticket":{"id":73021},"audit":{"id":1}}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":"RecordNotFound","description":"Not found"}`)
	}
}

func TestEnrich(t *testing.T) {
	fz := &fakeZendesk{t: t}
	srv := httptest.NewServer(fz)
	defer srv.Close()
	c := newClient(t, srv.URL, nil)

	evs, err := Parse(fixture(t, "zendesk-event-status-changed.json"))
	if err != nil {
		t.Fatal(err)
	}
	in := evs[0].Interaction
	if err := c.Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	want := plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org", Phone: "+49 30 901820",
		Language: "de", TimeZone: "Europe/Berlin"}
	if in.Customer != want {
		t.Errorf("customer %+v", in.Customer)
	}
	if in.Agent != (plaudit.AgentRef{ExternalID: "38417722455", Email: "jonas.weber@nordlicht.example", Name: "Jonas Weber"}) {
		t.Errorf("agent %+v", in.Agent)
	}
	if in.Event != plaudit.EventSolved || in.Channel != "email" || in.NeedsEnrich ||
		!reflect.DeepEqual(in.Tags, []string{"billing", "refund_requested"}) {
		t.Errorf("interaction %+v", in)
	}
	if len(fz.reqs) != 2 || fz.reqs[0] != "GET /api/v2/tickets/73022.json" ||
		fz.reqs[1] != "GET /api/v2/users/show_many.json?ids=38417722901,38417722455" {
		t.Errorf("requests %q", fz.reqs)
	}
}

func TestEnrichReopenedSinceEvent(t *testing.T) {
	fz := &fakeZendesk{t: t, answer: func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/api/v2/tickets/5.json" {
			io.WriteString(w, `{"ticket":{"id":5,"status":"open","requester_id":null,"assignee_id":null,"tags":[],"via":{"channel":"email"}}}`)
			return true
		}
		return false
	}}
	srv := httptest.NewServer(fz)
	defer srv.Close()
	c := newClient(t, srv.URL, nil)
	in := plaudit.Interaction{ExternalID: "5", Event: plaudit.EventSolved, NeedsEnrich: true, Agent: plaudit.AgentRef{ExternalID: "1"}}
	if err := c.Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	if in.Event != plaudit.EventReopened || in.Agent != (plaudit.AgentRef{}) || len(fz.reqs) != 1 {
		t.Errorf("interaction %+v, requests %q", in, fz.reqs)
	}
}

func TestEnrichDeletedTicket(t *testing.T) {
	srv := httptest.NewServer(&fakeZendesk{t: t})
	defer srv.Close()
	c := newClient(t, srv.URL, nil)
	in := plaudit.Interaction{ExternalID: "404404"}
	err := c.Enrich(context.Background(), &in)
	var p *plaudit.PermanentError
	if !errors.As(err, &p) || p.Reason != "zendesk: ticket not found (404)" {
		t.Fatalf("err = %v", err)
	}
}

func testWriteback() plaudit.Writeback {
	return plaudit.Writeback{
		Interaction: plaudit.Interaction{ExternalID: "73021", Customer: plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org"}},
		Request:     plaudit.FeedbackRequest{ID: "req_1", TicketID: "73021"},
		Response: plaudit.Response{ID: "rsp_1", Score: 5, Comment: "Schnell und freundlich",
			Excellence: []string{"friendly", "fast"}, Improvement: []string{"clarity"}, Reward: true, Version: 1},
		Agent: plaudit.Agent{ID: "agt_1", Name: "Jonas Weber"},
	}
}

func TestWritebackRequest(t *testing.T) {
	fz := &fakeZendesk{t: t}
	srv := httptest.NewServer(fz)
	defer srv.Close()
	c := newClient(t, srv.URL, map[string]any{"rating_field_id": 360011112222, "comment_field_id": 360011113333, "tags": []string{"plaudit_rated"}})

	if err := c.Writeback(context.Background(), testWriteback()); err != nil {
		t.Fatal(err)
	}
	if len(fz.reqs) != 1 || fz.reqs[0] != "PUT /api/v2/tickets/73021.json" {
		t.Fatalf("requests %q", fz.reqs)
	}
	var got map[string]any
	if err := json.Unmarshal(fz.bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	json.Unmarshal([]byte(`{"ticket":{
		"comment":{"body":"Customer feedback via Plaudit: 5/5 ★★★★★\nComment: Schnell und freundlich\nStrengths: friendly, fast\nTo improve: clarity\nReward: yes","public":false},
		"custom_fields":[{"id":360011112222,"value":5},{"id":360011113333,"value":"Schnell und freundlich"}],
		"additional_tags":["plaudit_rated"]}}`), &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("body\n got %s\nwant %v", fz.bodies[0], want)
	}

	// An update says so; without configured fields only the note goes.
	fz.reqs, fz.bodies = nil, nil
	c = newClient(t, srv.URL, nil)
	w := testWriteback()
	w.Update = true
	w.Response.Score = 3
	w.Response.Comment, w.Response.Excellence, w.Response.Improvement, w.Response.Reward = "", nil, nil, false
	if err := c.Writeback(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	if string(fz.bodies[0]) != `{"ticket":{"comment":{"body":"Feedback updated via Plaudit: 3/5 ★★★☆☆","public":false}}}` {
		t.Errorf("update body %s", fz.bodies[0])
	}
}

func TestWritebackErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		retryAfter time.Duration // > 0: want a RetryAfterError
		permanent  string        // != "": want a PermanentError with this reason
	}{
		{"rate limited", 429, map[string]string{"Retry-After": "37"}, `{"error":"TooManyRequests"}`, 37 * time.Second, ""},
		{"rate limited without header", 429, nil, ``, 60 * time.Second, ""},
		{"maintenance", 503, map[string]string{"Retry-After": "120"}, ``, 120 * time.Second, ""},
		{"server error", 500, nil, `{"error":"InternalError"}`, 0, ""},
		{"bad gateway", 502, nil, `<html>`, 0, ""},
		{"conflict", 409, nil, `{"error":"UpdateConflict"}`, 0, ""},
		{"closed ticket", 422, nil, `{"error":"RecordInvalid","description":"Record validation errors","details":{"status":[{"description":"Status: closed prevents ticket update"}]}}`, 0, "zendesk: ticket is closed (422)"},
		{"closed ticket, short answer", 422, nil, `{"error":"RecordInvalid","description":"Ticket is closed"}`, 0, "zendesk: ticket is closed (422)"},
		{"invalid field", 422, nil, `{"error":"RecordInvalid","description":"Record validation errors","details":{"base":[{"description":"Field value Schnell und freundlich is invalid"}]}}`, 0, "zendesk: update rejected (422 RecordInvalid)"},
		{"unauthorized", 401, nil, `{"error":"Couldn't authenticate you"}`, 0, "zendesk: authentication failed (401)"},
		{"forbidden", 403, nil, `{"error":"Forbidden"}`, 0, "zendesk: permission denied (403)"},
		{"not found", 404, nil, `{"error":"RecordNotFound","description":"Not found"}`, 0, "zendesk: ticket not found (404)"},
		{"bad request", 400, nil, `{"error":{"title":"Invalid attribute","message":"x"}}`, 0, "zendesk: request rejected (400 Invalidattribute)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fz := &fakeZendesk{t: t, answer: func(w http.ResponseWriter, r *http.Request) bool {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
				return true
			}}
			srv := httptest.NewServer(fz)
			defer srv.Close()
			c := newClient(t, srv.URL, map[string]any{"comment_field_id": 1})
			err := c.Writeback(context.Background(), testWriteback())
			if err == nil {
				t.Fatal("no error")
			}
			after, isRetryAfter := plaudit.RetryAfter(err)
			switch {
			case tc.retryAfter > 0:
				if !isRetryAfter || after != tc.retryAfter || plaudit.IsPermanent(err) {
					t.Errorf("err = %v, want retry after %s", err, tc.retryAfter)
				}
			case tc.permanent != "":
				var p *plaudit.PermanentError
				if !errors.As(err, &p) || p.Reason != tc.permanent || isRetryAfter {
					t.Errorf("err = %v, want permanent %q", err, tc.permanent)
				}
			default:
				if plaudit.IsPermanent(err) || isRetryAfter {
					t.Errorf("err = %v, want a plain retryable error", err)
				}
			}
			for _, private := range []string{"Schnell", "Anna", "anna.schneider", "Jonas"} {
				if strings.Contains(err.Error(), private) {
					t.Errorf("error %q carries personal data", err)
				}
			}
		})
	}
}

func TestWritebackTransportErrors(t *testing.T) {
	// A server that never answers in time: retryable.
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	c := newClient(t, srv.URL, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := c.Writeback(ctx, testWriteback())
	if err == nil || plaudit.IsPermanent(err) {
		t.Fatalf("timeout: err = %v, want retryable", err)
	}

	// The egress policy refuses loopback without AllowPrivate: that will
	// not change on a retry.
	raw, _ := json.Marshal(map[string]any{"base_url": srv.URL, "email": testEmail})
	strict, err := NewClient(plaudit.Connector{Config: raw, Secrets: map[string]string{SecretAPIToken: "t", SecretSigningSecret: "s"}},
		plaudit.DriverDeps{HTTP: egress.NewClient(egress.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	err = strict.Writeback(context.Background(), testWriteback())
	if !errors.Is(err, egress.ErrForbiddenAddress) || !plaudit.IsPermanent(err) {
		t.Fatalf("forbidden address: err = %v", err)
	}

	// No ticket id at all.
	err = c.Writeback(context.Background(), plaudit.Writeback{Response: plaudit.Response{Score: 5}})
	if !plaudit.IsPermanent(err) {
		t.Fatalf("no ticket id: err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	k := Kind()
	good := map[string]string{SecretAPIToken: "tok", SecretSigningSecret: "sec"}
	for _, tc := range []struct {
		config  string
		secrets map[string]string
		msg     string
	}{
		{`{"subdomain":"nordlicht","email":"a@b.example"}`, good, ""},
		{`{"subdomain":"nordlicht","email":"a@b.example","rating_field_id":1,"comment_field_id":2,"tags":["x","y"]}`, good, ""},
		{`{"base_url":"https://proxy.example/zendesk/","email":"a@b.example"}`, good, ""},
		{`{"base_url":"http://127.0.0.1:8080","email":"a@b.example"}`, good, ""},
		{`{"email":"a@b.example"}`, good, "config.subdomain is required"},
		{``, good, "config.subdomain is required"},
		{`{"subdomain":"Nord licht","email":"a@b.example"}`, good, "config.subdomain must be the account name before .zendesk.com (letters, digits, hyphens)"},
		{`{"subdomain":"nordlicht.zendesk.com","email":"a@b.example"}`, good, "config.subdomain must be the account name before .zendesk.com (letters, digits, hyphens)"},
		{`{"base_url":"http://zendesk.example","email":"a@b.example"}`, good, "config.base_url must be an https URL"},
		{`{"base_url":"ftp://x","email":"a@b.example"}`, good, "config.base_url must be an https URL"},
		{`{"subdomain":"nordlicht"}`, good, "config.email is required"},
		{`{"subdomain":"nordlicht","email":"nobody"}`, good, "config.email must be an email address"},
		{`{"subdomain":"nordlicht","email":"a@b.example","rating_field_id":"12"}`, good, "config.rating_field_id must be a whole number"},
		{`{"subdomain":"nordlicht","email":"a@b.example","rating_field_id":-1}`, good, "config.rating_field_id must be a positive number"},
		{`{"subdomain":"nordlicht","email":"a@b.example","comment_field_id":1.5}`, good, "config.comment_field_id must be a whole number"},
		{`{"subdomain":"nordlicht","email":"a@b.example","rating_field_id":7,"comment_field_id":7}`, good, "config.comment_field_id must differ from config.rating_field_id"},
		{`{"subdomain":"nordlicht","email":"a@b.example","tags":"x"}`, good, "config.tags must be an array"},
		{`{"subdomain":"nordlicht","email":"a@b.example","tags":["two words"]}`, good, "config.tags must be words without spaces, at most 80 characters each"},
		{`{"subdomain":"nordlicht","email":"a@b.example","subdmain":"x"}`, good, "config.subdmain is not a known setting"},
		{`[]`, good, "config must be a JSON object"},
		{`{"subdomain":"nordlicht","email":"a@b.example"}`, map[string]string{SecretSigningSecret: "s"}, "config.api_token is required"},
		{`{"subdomain":"nordlicht","email":"a@b.example"}`, map[string]string{SecretAPIToken: "t"}, "config.signing_secret is required"},
		// Secrets still in the config (not yet split) are not unknown keys.
		{`{"subdomain":"nordlicht","email":"a@b.example","api_token":"tok"}`, good, ""},
	} {
		err := k.Validate(json.RawMessage(tc.config), tc.secrets)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("Validate(%s) = %v", tc.config, err)
			}
			continue
		}
		var e *plaudit.Error
		if !errors.As(err, &e) || e.Code != plaudit.EInvalid || e.Message != tc.msg {
			t.Errorf("Validate(%s) = %v, want %q", tc.config, err, tc.msg)
		}
	}
	if _, err := NewClient(plaudit.Connector{Config: json.RawMessage(`{"subdomain":"x","email":"a@b.example"}`), Secrets: good}, plaudit.DriverDeps{}); err == nil {
		t.Error("NewClient without an HTTP client succeeded")
	}
}

func TestDefaultBaseURL(t *testing.T) {
	c := newClient(t, "", nil)
	if c.base != "https://nordlicht.zendesk.com" {
		t.Errorf("base %q", c.base)
	}
	c = newClient(t, "https://proxy.example/zd/", nil)
	if c.base != "https://proxy.example/zd" {
		t.Errorf("base %q", c.base)
	}
}
