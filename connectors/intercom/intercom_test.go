package intercom

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
	testSecret  = "ic-client-secret-1234"
	testToken   = "dG9rOjEyMzQ1Njc4OTA="
	testAdminID = "7340219"
)

// testNow is a minute after the fixtures' notifications were created.
var testNow = time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newClient(t testing.TB, baseURL string, extra map[string]any) *Client {
	t.Helper()
	cfg := map[string]any{"admin_id": testAdminID}
	if baseURL != "" {
		cfg["base_url"] = baseURL
	}
	for k, v := range extra {
		cfg[k] = v
	}
	raw, _ := json.Marshal(cfg)
	c, err := NewClient(plaudit.Connector{ID: "con_1", Kind: Name, Config: raw,
		Secrets: map[string]string{SecretAccessToken: testToken, SecretClientSecret: testSecret, SecretClientSecretPrevious: "old-secret"},
	}, plaudit.DriverDeps{HTTP: egress.NewClient(egress.Options{AllowPrivate: true, Timeout: 5 * time.Second})})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func signed(body []byte, secret string) plaudit.Delivery {
	h := http.Header{}
	h.Set(HeaderSignature, Sign([]byte(secret), body))
	return plaudit.Delivery{Header: h, Body: body, Now: testNow}
}

// TestSignatureKnownAnswer checks Sign against a signature computed
// independently (openssl dgst -sha1 -hmac) for Intercom's scheme.
func TestSignatureKnownAnswer(t *testing.T) {
	body := []byte(`{"type":"notification_event","topic":"ping"}`)
	const want = "sha1=51538eceee7bc367c091a9e238d4ac49dcfd7479"
	if got := Sign([]byte(testSecret), body); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	if err := Verify([][]byte{[]byte(testSecret)}, want, body); err != nil {
		t.Fatal(err)
	}
}

func TestReceiveSignature(t *testing.T) {
	c := newClient(t, "", nil)
	ctx := context.Background()
	body := fixture(t, "conversation-admin-closed.json")

	if _, err := c.Receive(ctx, signed(body, testSecret)); err != nil {
		t.Fatalf("good signature: %v", err)
	}
	if _, err := c.Receive(ctx, signed(body, "old-secret")); err != nil {
		t.Fatalf("previous secret during a rotation: %v", err)
	}
	_, err := c.Receive(ctx, signed(body, "another-secret"))
	conntest.WantError(t, err, plaudit.EUnauthorized, "signature does not match")

	d := signed(body, testSecret)
	d.Body = []byte(strings.Replace(string(body), "215468937560123", "215468937560999", 1))
	_, err = c.Receive(ctx, d)
	conntest.WantError(t, err, plaudit.EUnauthorized, "signature does not match")

	d = signed(body, testSecret)
	d.Header.Del(HeaderSignature)
	_, err = c.Receive(ctx, d)
	conntest.WantError(t, err, plaudit.EUnauthorized, "signature header is missing")

	for _, sig := range []string{strings.Replace(Sign([]byte(testSecret), body), "sha1=", "sha256=", 1),
		strings.TrimPrefix(Sign([]byte(testSecret), body), "sha1="), "sha1=zz", "sha1="} {
		d = signed(body, testSecret)
		d.Header.Set(HeaderSignature, sig)
		_, err = c.Receive(ctx, d)
		conntest.WantError(t, err, plaudit.EUnauthorized, "signature does not match")
	}

	// A bad signature is refused before the body is looked at.
	_, err = c.Receive(ctx, signed([]byte("not json"), "wrong"))
	conntest.WantError(t, err, plaudit.EUnauthorized, "")

	// A genuine notification replayed a day later, or dated ahead, is
	// refused: its created_at is signed.
	late := signed(body, testSecret)
	late.Now = testNow.Add(MaxAge + time.Minute)
	_, err = c.Receive(ctx, late)
	conntest.WantError(t, err, plaudit.EUnauthorized, "notification is stale")
	early := signed(body, testSecret)
	early.Now = testNow.Add(-10 * time.Minute)
	_, err = c.Receive(ctx, early)
	conntest.WantError(t, err, plaudit.EUnauthorized, "notification is stale")
	retried := signed(body, testSecret)
	retried.Now = testNow.Add(3 * time.Hour)
	if _, err := c.Receive(ctx, retried); err != nil {
		t.Fatalf("a retry hours later: %v", err)
	}
}

func TestReceiveClosed(t *testing.T) {
	c := newClient(t, "", nil)
	events, err := c.Receive(context.Background(), signed(fixture(t, "conversation-admin-closed.json"), testSecret))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].DedupKey != "notif_5b3d6b1f-0a55-4c38-9a3e-6f1d1b2f7c44" {
		t.Fatalf("events %+v", events)
	}
	want := plaudit.Interaction{
		Source: "intercom", DedupKey: "notif_5b3d6b1f-0a55-4c38-9a3e-6f1d1b2f7c44",
		ExternalID: "215468937560123", Event: plaudit.EventSolved, Channel: "chat",
		Customer:    plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org"},
		Agent:       plaudit.AgentRef{ExternalID: "7340219"},
		Tags:        []string{"booking", "vip customer"},
		NeedsEnrich: true,
	}
	if got := events[0].Interaction; !reflect.DeepEqual(got, want) {
		t.Errorf("interaction\n got %+v\nwant %+v", got, want)
	}

	// The API 1.x shape: user and assignee objects.
	events, err = c.Receive(context.Background(), signed(fixture(t, "conversation-admin-closed-v1.json"), testSecret))
	if err != nil {
		t.Fatal(err)
	}
	in := events[0].Interaction
	if in.ExternalID != "215468937560124" || in.Event != plaudit.EventSolved || in.Channel != "" ||
		in.Customer != (plaudit.Customer{Name: "Lukas Brandt", Email: "lukas.brandt@example.net"}) ||
		in.Agent != (plaudit.AgentRef{ExternalID: "7340219", Name: "Jonas Weber", Email: "jonas.weber@nordlicht.example"}) ||
		!in.NeedsEnrich || in.Tags != nil {
		t.Errorf("v1 interaction %+v", in)
	}
}

func TestParseTopics(t *testing.T) {
	closed := string(fixture(t, "conversation-admin-closed.json"))
	for _, tc := range []struct {
		topic, event string
	}{
		{"conversation.admin.closed", plaudit.EventSolved},
		{"conversation.admin.opened", plaudit.EventReopened},
		{"conversation.user.replied", plaudit.EventReopened},
		{"conversation.admin.noted", ""},
		{"conversation.admin.snoozed", ""},
		{"contact.user.created", ""},
	} {
		body := strings.Replace(closed, `"topic": "conversation.admin.closed"`, `"topic": "`+tc.topic+`"`, 1)
		evs, err := Parse([]byte(body), testNow)
		if err != nil {
			t.Fatalf("%s: %v", tc.topic, err)
		}
		if tc.event == "" {
			if len(evs) != 0 {
				t.Errorf("%s: %d events", tc.topic, len(evs))
			}
			continue
		}
		in := evs[0].Interaction
		if len(evs) != 1 || in.Event != tc.event {
			t.Fatalf("%s: %+v", tc.topic, evs)
		}
		// A reopening needs no customer and no API call.
		if tc.event == plaudit.EventReopened && (in.NeedsEnrich || in.Customer != (plaudit.Customer{}) || in.Agent != (plaudit.AgentRef{})) {
			t.Errorf("%s: %+v", tc.topic, in)
		}
	}
	evs, err := Parse(fixture(t, "ping.json"), testNow)
	if err != nil || len(evs) != 0 {
		t.Errorf("ping: %v %v", evs, err)
	}
	// A closing by a bot with nobody assigned: no agent.
	body := strings.Replace(closed, `"admin_assignee_id": 7340219`, `"admin_assignee_id": null`, 1)
	body = strings.Replace(body, `"type": "admin", "id": "7340219", "name": "Jonas Weber"`, `"type": "bot", "id": "991", "name": "Fin"`, 1)
	evs, err = Parse([]byte(body), testNow)
	if err != nil || evs[0].Interaction.Agent != (plaudit.AgentRef{}) {
		t.Errorf("bot close: %+v %v", evs, err)
	}
	// Unassigned but closed by an admin: the closing admin.
	body = strings.Replace(closed, `"admin_assignee_id": 7340219`, `"admin_assignee_id": null`, 1)
	evs, _ = Parse([]byte(body), testNow)
	if a := evs[0].Interaction.Agent; a != (plaudit.AgentRef{ExternalID: "7340219", Name: "Jonas Weber", Email: "jonas.weber@nordlicht.example"}) {
		t.Errorf("closing admin: %+v", a)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ body, msg string }{
		{``, "body is not valid JSON"},
		{`{"topic":`, "body is not valid JSON"},
		{`[1]`, "body must be a JSON object"},
		{`null`, "body must be a JSON object"},
		{`{"topic":"conversation.admin.closed","data":{"item":{"id":"1"}}}`, "id is required"},
		{`{"id":"n","topic":"conversation.admin.closed"}`, "data.item is required"},
		{`{"id":"n","topic":"conversation.admin.closed","data":{"item":"x"}}`, "data.item must be an object"},
		{`{"id":"n","topic":"conversation.admin.closed","data":{"item":{}}}`, "data.item.id is required"},
		{`{"id":"n","topic":"conversation.admin.closed","data":{"item":{"id":"abc"}}}`, "data.item.id must be a number"},
		{`{"id":"n","topic":"conversation.admin.closed","data":{"item":{"id":"1","admin_assignee_id":"x/y"}}}`, "data.item.admin_assignee_id must be a number"},
		{`{"id":"n","topic":"conversation.admin.closed","data":{"item":{"id":"1","contacts":{"contacts":[{"id":"../admins"}]}}}}`, "data.item.contacts.id is not an Intercom id"},
		{`{"id":"n","topic":"conversation.admin.closed","created_at":"yesterday","data":{"item":{"id":"1"}}}`, "created_at must be a Unix time"},
	} {
		_, err := Parse([]byte(tc.body), testNow)
		var e *plaudit.Error
		if !errors.As(err, &e) || e.Code != plaudit.EInvalid || e.Message != tc.msg {
			t.Errorf("Parse(%s) = %v, want invalid %q", tc.body, err, tc.msg)
		}
	}
}

func TestHandshake(t *testing.T) {
	c := newClient(t, "", nil)
	a, handled, err := c.Handshake(context.Background(), http.MethodHead, plaudit.Delivery{Header: http.Header{}})
	if err != nil || !handled || a.Status != http.StatusOK || len(a.Body) != 0 {
		t.Errorf("HEAD: %+v %v %v", a, handled, err)
	}
	_, handled, err = c.Handshake(context.Background(), http.MethodPost, signed(fixture(t, "ping.json"), testSecret))
	if err != nil || handled {
		t.Errorf("POST handled as a handshake: %v %v", handled, err)
	}
}

// fakeIntercom answers the Intercom API calls the driver makes and records
// the requests.
type fakeIntercom struct {
	t      *testing.T
	mu     sync.Mutex
	reqs   []string
	bodies []string
	state  string
	answer func(w http.ResponseWriter, r *http.Request) bool
}

func (f *fakeIntercom) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, r.Method+" "+r.URL.RequestURI())
	f.bodies = append(f.bodies, string(body))
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"type":"error.list","request_id":"r1","errors":[{"code":"unauthorized","message":"Access Token Invalid"}]}`)
		return
	}
	if v := r.Header.Get("Intercom-Version"); v != APIVersion {
		f.t.Errorf("Intercom-Version %q", v)
	}
	if len(body) > 0 && r.Header.Get("Content-Type") != "application/json" {
		f.t.Errorf("content type %q", r.Header.Get("Content-Type"))
	}
	if f.answer != nil && f.answer(w, r) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	state := f.state
	if state == "" {
		state = "closed"
	}
	switch r.Method + " " + r.URL.Path {
	case "GET /conversations/215468937560123":
		io.WriteString(w, `{"type":"conversation","id":"215468937560123","state":"`+state+`","open":false,
			"source":{"type":"email","author":{"type":"user","id":"6571f3a2c8e4b5001d9a7e21"}},
			"contacts":{"type":"contact.list","contacts":[{"type":"contact","id":"6571f3a2c8e4b5001d9a7e21"}]},
			"admin_assignee_id":7340219,"conversation_parts":{"conversation_parts":[],"total_count":0}}`)
	case "GET /contacts/6571f3a2c8e4b5001d9a7e21":
		io.WriteString(w, `{"type":"contact","id":"6571f3a2c8e4b5001d9a7e21","role":"user","email":"anna.schneider@example.org",
			"phone":"+49 30 901820","name":"Anna Schneider","browser_language":"en","language_override":"de",
			"location":{"type":"location","country":"Germany","region":"Berlin","city":"Berlin","country_code":"de"}}`)
	case "GET /admins/7340219":
		io.WriteString(w, `{"type":"admin","id":"7340219","name":"Jonas Weber","email":"jonas.weber@nordlicht.example","away_mode_enabled":false}`)
	case "GET /me":
		io.WriteString(w, `{"type":"admin","id":"7340219","email":"jonas.weber@nordlicht.example","app":{"type":"app","id_code":"k3f9x2ab"}}`)
	case "PUT /conversations/215468937560123":
		io.WriteString(w, `{"type":"conversation","id":"215468937560123"}`)
	case "POST /tags":
		io.WriteString(w, `{"type":"tag","id":"9912001","name":"plaudit rated"}`)
	case "POST /conversations/215468937560123/tags":
		io.WriteString(w, `{"type":"tag","id":"9912001","name":"plaudit rated"}`)
	case "POST /conversations/215468937560123/reply":
		io.WriteString(w, `{"type":"conversation","id":"215468937560123"}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"type":"error.list","errors":[{"code":"not_found","message":"Resource Not Found"}]}`)
	}
}

func TestEnrich(t *testing.T) {
	fi := &fakeIntercom{t: t}
	srv := httptest.NewServer(fi)
	defer srv.Close()
	c := newClient(t, srv.URL, nil)
	evs, err := Parse(fixture(t, "conversation-admin-closed.json"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	in := evs[0].Interaction
	if err := c.Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	if in.Customer != (plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org", Phone: "+49 30 901820", Language: "de", Country: "DE"}) {
		t.Errorf("customer %+v", in.Customer)
	}
	if in.Agent != (plaudit.AgentRef{ExternalID: "7340219", Name: "Jonas Weber", Email: "jonas.weber@nordlicht.example"}) {
		t.Errorf("agent %+v", in.Agent)
	}
	if in.Event != plaudit.EventSolved || in.Channel != "email" || in.NeedsEnrich {
		t.Errorf("interaction %+v", in)
	}
	want := []string{"GET /conversations/215468937560123", "GET /contacts/6571f3a2c8e4b5001d9a7e21", "GET /admins/7340219"}
	if !reflect.DeepEqual(fi.reqs, want) {
		t.Errorf("requests %q", fi.reqs)
	}

	// Reopened since the notification: no contact read, a reopening.
	fi.reqs, fi.state = nil, "open"
	in = evs[0].Interaction
	if err := c.Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	if in.Event != plaudit.EventReopened || len(fi.reqs) != 1 {
		t.Errorf("reopened since: %+v, %q", in, fi.reqs)
	}

	// A deleted conversation: permanent, so the worker decides on what
	// the notification said.
	in = plaudit.Interaction{ExternalID: "404", NeedsEnrich: true}
	err = c.Enrich(context.Background(), &in)
	var p *plaudit.PermanentError
	if !errors.As(err, &p) || p.Reason != "intercom: conversation not found (404)" {
		t.Errorf("deleted: %v", err)
	}
}

func testWriteback() plaudit.Writeback {
	return plaudit.Writeback{
		Interaction: plaudit.Interaction{ExternalID: "215468937560123", Customer: plaudit.Customer{Name: "Anna Schneider"}},
		Request:     plaudit.FeedbackRequest{ID: "req_1", TicketID: "215468937560123"},
		Response: plaudit.Response{ID: "rsp_1", Score: 5, Comment: "Schnell & freundlich <3",
			Excellence: []string{"friendly", "fast"}, Improvement: []string{"clarity"}, Reward: true, Version: 1},
	}
}

func TestWritebackRequest(t *testing.T) {
	fi := &fakeIntercom{t: t}
	srv := httptest.NewServer(fi)
	defer srv.Close()
	c := newClient(t, srv.URL, map[string]any{"rating_attribute": "CSAT score", "comment_attribute": "CSAT comment", "tags": []string{"plaudit rated"}})
	if err := c.Writeback(context.Background(), testWriteback()); err != nil {
		t.Fatal(err)
	}
	wantReqs := []string{"PUT /conversations/215468937560123", "POST /tags", "POST /conversations/215468937560123/tags", "POST /conversations/215468937560123/reply"}
	if !reflect.DeepEqual(fi.reqs, wantReqs) {
		t.Fatalf("requests %q", fi.reqs)
	}
	wantBodies := []string{
		`{"custom_attributes":{"CSAT comment":"Schnell \u0026 freundlich \u003c3","CSAT score":5}}`,
		`{"name":"plaudit rated"}`,
		`{"admin_id":"7340219","id":"9912001"}`,
		`{"admin_id":"7340219","body":"Customer feedback via Plaudit: 5/5 ★★★★★\u003cbr\u003eComment: Schnell \u0026amp; freundlich \u0026lt;3\u003cbr\u003eStrengths: friendly, fast\u003cbr\u003eTo improve: clarity\u003cbr\u003eReward: yes","message_type":"note","type":"admin"}`,
	}
	for i, want := range wantBodies {
		if fi.bodies[i] != want {
			t.Errorf("body %d\n got %s\nwant %s", i, fi.bodies[i], want)
		}
	}

	// A later addition is one more note; the tag id is remembered.
	fi.reqs, fi.bodies = nil, nil
	w := testWriteback()
	w.Update, w.Response.Comment = true, ""
	if err := c.Writeback(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	wantReqs = []string{"PUT /conversations/215468937560123", "POST /conversations/215468937560123/tags", "POST /conversations/215468937560123/reply"}
	if !reflect.DeepEqual(fi.reqs, wantReqs) || !strings.Contains(fi.bodies[2], "Feedback updated via Plaudit: 5/5") ||
		fi.bodies[0] != `{"custom_attributes":{"CSAT score":5}}` {
		t.Errorf("update: %q %q", fi.reqs, fi.bodies)
	}

	// Without attributes or tags only the note goes.
	fi.reqs, fi.bodies = nil, nil
	if err := newClient(t, srv.URL, nil).Writeback(context.Background(), testWriteback()); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fi.reqs, []string{"POST /conversations/215468937560123/reply"}) {
		t.Errorf("requests %q", fi.reqs)
	}
}

func TestWritebackErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		retryAfter time.Duration
		permanent  string
	}{
		{"rate limited with Retry-After", 429, map[string]string{"Retry-After": "20"}, ``, 20 * time.Second, ""},
		{"rate limited without header", 429, nil, `{"type":"error.list","errors":[{"code":"rate_limit_exceeded"}]}`, 60 * time.Second, ""},
		{"server error", 500, nil, ``, 0, ""},
		{"unavailable with Retry-After", 503, map[string]string{"Retry-After": "90"}, ``, 90 * time.Second, ""},
		{"deleted conversation", 404, nil, `{"type":"error.list","errors":[{"code":"not_found","message":"Conversation Not Found"}]}`, 0, "intercom: conversation not found (404)"},
		{"bad token", 401, nil, `{"type":"error.list","errors":[{"code":"unauthorized"}]}`, 0, "intercom: authentication failed (401)"},
		{"no scope", 403, nil, ``, 0, "intercom: permission denied (403)"},
		{"bad admin", 400, nil, `{"type":"error.list","errors":[{"code":"parameter_invalid","message":"Admin Anna not found"}]}`, 0, "intercom: request rejected (400 parameter_invalid)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fi := &fakeIntercom{t: t, answer: func(w http.ResponseWriter, r *http.Request) bool {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
				return true
			}}
			srv := httptest.NewServer(fi)
			defer srv.Close()
			err := newClient(t, srv.URL, nil).Writeback(context.Background(), testWriteback())
			conntest.WantFailure(t, err, tc.retryAfter, tc.permanent)
			for _, private := range []string{"Anna", "Schnell", testToken} {
				if err != nil && strings.Contains(err.Error(), private) {
					t.Errorf("error %q carries %q", err, private)
				}
			}
		})
	}
	if err := newClient(t, "", nil).Writeback(context.Background(), plaudit.Writeback{}); !plaudit.IsPermanent(err) {
		t.Errorf("no conversation id: %v", err)
	}
}

// TestRateLimitReset: Intercom's 429 names the end of the window as a
// Unix time in X-RateLimit-Reset, not as Retry-After.
func TestRateLimitReset(t *testing.T) {
	now := time.Unix(1795888800, 0)
	h := http.Header{}
	h.Set("X-RateLimit-Reset", "1795888842")
	err := classify("add note", Answer{Status: 429, Header: h}, "conversation not found", now)
	if after, ok := plaudit.RetryAfter(err); !ok || after != 42*time.Second {
		t.Errorf("err = %v (%s)", err, after)
	}
	h.Set("X-RateLimit-Reset", "1795888700") // already past: a second
	if after, _ := plaudit.RetryAfter(classify("add note", Answer{Status: 429, Header: h}, "", now)); after != time.Second {
		t.Errorf("past reset: %s", after)
	}
}

func TestTest(t *testing.T) {
	fi := &fakeIntercom{t: t}
	srv := httptest.NewServer(fi)
	defer srv.Close()
	if err := newClient(t, srv.URL, nil).Test(context.Background()); err != nil {
		t.Fatalf("good credentials: %v", err)
	}
	if !reflect.DeepEqual(fi.reqs, []string{"GET /me", "GET /admins/7340219"}) {
		t.Errorf("requests %q", fi.reqs)
	}
	for _, tc := range []struct {
		status int
		path   string
		code   string
		msg    string
	}{
		{401, "/me", plaudit.EInvalid, "Intercom refused the access token (401): check config.access_token, and config.base_url for workspaces hosted in Europe or Australia"},
		{403, "/me", plaudit.EInvalid, "the access token lacks a permission (403): give the app read and write access to conversations, contacts and admins"},
		{404, "/admins/7340219", plaudit.EInvalid, "config.admin_id is not an admin of this Intercom workspace"},
		{503, "/me", plaudit.EUnavailable, "Intercom answered 503; try again later"},
	} {
		fi.answer = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != tc.path {
				return false
			}
			w.WriteHeader(tc.status)
			return true
		}
		err := newClient(t, srv.URL, nil).Test(context.Background())
		if plaudit.ErrorCode(err) != tc.code || plaudit.ErrorMessage(err) != tc.msg {
			t.Errorf("%d on %s: %v", tc.status, tc.path, err)
		}
	}
}

func TestValidate(t *testing.T) {
	k := Kind()
	good := map[string]string{SecretAccessToken: "tok", SecretClientSecret: "sec"}
	for _, tc := range []struct {
		config  string
		secrets map[string]string
		msg     string
	}{
		{`{"admin_id":"7340219"}`, good, ""},
		{`{"admin_id":"7340219","base_url":"https://api.eu.intercom.io/","rating_attribute":"CSAT score","comment_attribute":"CSAT comment","tags":["plaudit rated"]}`, good, ""},
		{`{"admin_id":"7340219","base_url":"http://127.0.0.1:9999"}`, good, ""},
		{`{}`, good, "config.admin_id is required"},
		{`{"admin_id":7340219}`, good, "config.admin_id must be a string"},
		{`{"admin_id":"jonas@nordlicht.example"}`, good, "config.admin_id must be the admin's numeric id"},
		{`{"admin_id":"1","base_url":"http://api.intercom.io"}`, good, "config.base_url must be an https URL"},
		{`{"admin_id":"1","rating_attribute":"x","comment_attribute":"x"}`, good, "config.comment_attribute must differ from config.rating_attribute"},
		{`{"admin_id":"1","tags":[""]}`, good, "config.tags must be names of 1 to 80 characters"},
		{`{"admin_id":"1","adminid":"1"}`, good, "config.adminid is not a known setting"},
		{`{"admin_id":"1"}`, map[string]string{SecretClientSecret: "s"}, "config.access_token is required"},
		{`{"admin_id":"1"}`, map[string]string{SecretAccessToken: "t"}, "config.client_secret is required"},
	} {
		conntest.WantMessage(t, "Validate("+tc.config+")", k.Validate(json.RawMessage(tc.config), tc.secrets), tc.msg)
	}
	c := newClient(t, "", nil)
	if c.cfg.BaseURL != DefaultBaseURL {
		t.Errorf("default base %q", c.cfg.BaseURL)
	}
}
