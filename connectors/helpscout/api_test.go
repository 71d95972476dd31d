package helpscout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
)

// fakeHelpScout answers the token endpoint and the Mailbox API calls the
// driver makes, and records the requests.
type fakeHelpScout struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []string
	bodies []string
	tokens int    // tokens handed out
	valid  string // the token the API accepts now
	status string // the conversation's status; "closed" when empty
	answer func(w http.ResponseWriter, r *http.Request) bool
}

func newFake(t *testing.T) *fakeHelpScout {
	f := &fakeHelpScout{t: t}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeHelpScout) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, r.Method+" "+r.URL.RequestURI())
	f.bodies = append(f.bodies, string(body))
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/v2/oauth2/token" {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			f.t.Errorf("token request %s %q", r.Method, r.Header.Get("Content-Type"))
		}
		form, _ := parseForm(string(body))
		if form["grant_type"] != "client_credentials" || form["client_id"] != testAppID || form["client_secret"] != testAppSecret {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"invalid_client","error_description":"Bad client credentials"}`)
			return
		}
		f.tokens++
		f.valid = fmt.Sprintf("hs-token-%d", f.tokens)
		io.WriteString(w, `{"token_type":"bearer","access_token":"`+f.valid+`","expires_in":172800}`)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.valid {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"logRef":"1","message":"Unauthorized"}`)
		return
	}
	if f.answer != nil && f.answer(w, r) {
		return
	}
	status := f.status
	if status == "" {
		status = "closed"
	}
	switch r.Method + " " + r.URL.Path {
	case "GET /v2/conversations/2391938111":
		io.WriteString(w, `{"id":2391938111,"status":"`+status+`","type":"email",
			"primaryCustomer":{"id":711304822,"type":"customer","first":"Anna","last":"Schneider","email":"anna.schneider@example.org"},
			"tags":[{"id":9150,"tag":"booking"},{"id":9152,"tag":"Plaudit Rated"}],
			"customFields":[{"id":8812,"name":"Booking reference","value":"NL-2026-4471","text":"NL-2026-4471"},{"id":8813,"name":"CSAT score","value":"2","text":"2"}]}`)
	case "GET /v2/customers/711304822":
		io.WriteString(w, `{"id":711304822,"firstName":"Anna","lastName":"Schneider","_embedded":{
			"emails":[{"id":1,"value":"anna.schneider@example.org","type":"work"}],
			"phones":[{"id":2,"value":"+49 30 901820","type":"mobile"}],
			"address":{"city":"Berlin","state":"BE","postalCode":"10115","country":"DE","lines":["Invalidenstr. 1"]}}}`)
	case "GET /v2/users/me":
		io.WriteString(w, `{"id":532198,"firstName":"Jonas","lastName":"Weber","email":"jonas.weber@nordlicht.example","role":"owner"}`)
	case "PUT /v2/conversations/2391938111/fields", "PUT /v2/conversations/2391938111/tags":
		w.WriteHeader(http.StatusNoContent)
	case "POST /v2/conversations/2391938111/notes":
		w.Header().Set("Resource-ID", "88001")
		w.WriteHeader(http.StatusCreated)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"logRef":"2","message":"Not Found"}`)
	}
}

func parseForm(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range strings.Split(s, "&") {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out, nil
}

func TestEnrich(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f.srv.URL, nil)
	evs, err := Parse("convo.status", fixture(t, "convo-status-closed.json"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	in := evs[0].Interaction
	if err := c.Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	if in.Customer != (plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org", Phone: "+49 30 901820", Country: "DE"}) {
		t.Errorf("customer %+v", in.Customer)
	}
	if in.Event != plaudit.EventSolved || in.NeedsEnrich || in.Agent.ExternalID != "532198" {
		t.Errorf("interaction %+v", in)
	}
	want := []string{"POST /v2/oauth2/token", "GET /v2/conversations/2391938111", "GET /v2/customers/711304822"}
	if !reflect.DeepEqual(f.reqs, want) {
		t.Errorf("requests %q", f.reqs)
	}

	// Reopened since: a reopening, no customer read, the token reused.
	f.reqs, f.status = nil, "active"
	in = evs[0].Interaction
	if err := c.Enrich(context.Background(), &in); err != nil || in.Event != plaudit.EventReopened ||
		!reflect.DeepEqual(f.reqs, []string{"GET /v2/conversations/2391938111"}) {
		t.Errorf("reopened since: %+v %v %q", in, err, f.reqs)
	}
	in = plaudit.Interaction{ExternalID: "404"}
	var p *plaudit.PermanentError
	if err := c.Enrich(context.Background(), &in); !errors.As(err, &p) || p.Reason != "helpscout: conversation not found (404)" {
		t.Errorf("deleted: %v", err)
	}
}

// TestTokenRenewed: a token Help Scout stops taking (it expired early, or
// the app's secret changed) is dropped and the call made once more with
// a new one; a new token refused at once is not fetched again in a loop.
func TestTokenRenewed(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f.srv.URL, nil)
	if err := c.Test(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.valid = "revoked-elsewhere"
	f.tokens = 10 // the next token is hs-token-11, which the fake then accepts
	f.reqs = nil
	if err := c.Test(context.Background()); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if !reflect.DeepEqual(f.reqs, []string{"GET /v2/users/me", "POST /v2/oauth2/token", "GET /v2/users/me"}) {
		t.Errorf("requests %q", f.reqs)
	}

	// A token the API refuses right away: one fetch, one refusal.
	f.answer = func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusUnauthorized)
		return true
	}
	c = newClient(t, f.srv.URL, nil)
	f.reqs = nil
	err := c.Writeback(context.Background(), testWriteback())
	conntest.WantFailure(t, err, 0, "helpscout: authentication failed (401)")
	if !reflect.DeepEqual(f.reqs, []string{"POST /v2/oauth2/token", "POST /v2/conversations/2391938111/notes"}) {
		t.Errorf("requests %q", f.reqs)
	}
}

func testWriteback() plaudit.Writeback {
	return plaudit.Writeback{
		Interaction: plaudit.Interaction{ExternalID: "2391938111", Customer: plaudit.Customer{Name: "Anna Schneider"}},
		Request:     plaudit.FeedbackRequest{ID: "req_1", TicketID: "2391938111"},
		Response:    plaudit.Response{ID: "rsp_1", Score: 5, Comment: "Schnell & freundlich", Improvement: []string{"speed"}, Version: 1},
	}
}

func TestWritebackRequest(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f.srv.URL, map[string]any{"rating_field_id": 8813, "comment_field_id": 8814, "tags": []string{"plaudit rated", "five stars"}})
	if err := c.Writeback(context.Background(), testWriteback()); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"POST /v2/oauth2/token",
		"GET /v2/conversations/2391938111",
		"PUT /v2/conversations/2391938111/fields",
		"PUT /v2/conversations/2391938111/tags",
		"POST /v2/conversations/2391938111/notes",
	}
	if !reflect.DeepEqual(f.reqs, want) {
		t.Fatalf("requests %q", f.reqs)
	}
	for i, b := range map[int]string{
		2: `{"fields":[{"id":8812,"value":"NL-2026-4471"},{"id":8813,"value":"5"},{"id":8814,"value":"Schnell \u0026 freundlich"}]}`,
		3: `{"tags":["booking","Plaudit Rated","five stars"]}`,
		4: `{"text":"Customer feedback via Plaudit: 5/5 ★★★★★\u003cbr\u003eComment: Schnell \u0026amp; freundlich\u003cbr\u003eTo improve: speed"}`,
	} {
		if f.bodies[i] != b {
			t.Errorf("%s\n got %s\nwant %s", f.reqs[i], f.bodies[i], b)
		}
	}

	// Nothing configured: the note alone; a later addition is one more.
	f.reqs, f.bodies = nil, nil
	w := testWriteback()
	w.Update = true
	if err := newClient(t, f.srv.URL, nil).Writeback(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	if len(f.reqs) != 2 || f.reqs[1] != "POST /v2/conversations/2391938111/notes" || !strings.Contains(f.bodies[1], "Feedback updated via Plaudit") {
		t.Errorf("update: %q %q", f.reqs, f.bodies)
	}
}

func TestWritebackErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		header     map[string]string
		retryAfter time.Duration
		permanent  string
	}{
		{"rate limited", 429, map[string]string{"X-RateLimit-Retry-After": "12"}, 12 * time.Second, ""},
		{"rate limited, Retry-After", 429, map[string]string{"Retry-After": "3"}, 3 * time.Second, ""},
		{"rate limited without header", 429, nil, 60 * time.Second, ""},
		{"server error", 500, nil, 0, ""},
		{"deleted conversation", 404, nil, 0, "helpscout: conversation not found (404)"},
		{"no permission", 403, nil, 0, "helpscout: permission denied (403)"},
		{"bad request", 400, nil, 0, "helpscout: 400 bad request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.answer = func(w http.ResponseWriter, r *http.Request) bool {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, `{"logRef":"3","message":"text may quote Schnell","_embedded":{"errors":[]}}`)
				return true
			}
			err := newClient(t, f.srv.URL, nil).Writeback(context.Background(), testWriteback())
			conntest.WantFailure(t, err, tc.retryAfter, tc.permanent)
			if err != nil && strings.Contains(err.Error(), "Schnell") {
				t.Errorf("error %q carries data", err)
			}
		})
	}
	// The token endpoint refuses the app: permanent, said plainly.
	f := newFake(t)
	c := newClient(t, f.srv.URL, nil)
	c.appSecret = "wrong"
	conntest.WantFailure(t, c.Writeback(context.Background(), testWriteback()), 0, "helpscout: app_id or app_secret refused (401)")
}

func TestTest(t *testing.T) {
	f := newFake(t)
	if err := newClient(t, f.srv.URL, nil).Test(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, f.srv.URL, nil)
	c.appSecret = "wrong"
	conntest.WantError(t, c.Test(context.Background()), plaudit.EInvalid,
		"Help Scout refused config.app_id or config.app_secret: copy both from Your Profile → My Apps")
	for _, tc := range []struct {
		status    int
		code, msg string
	}{
		{403, plaudit.EInvalid, "the app may not read users (403): create it as an admin or account owner"},
		{503, plaudit.EUnavailable, "Help Scout answered 503; try again later"},
	} {
		f.answer = func(w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(tc.status)
			return true
		}
		conntest.WantError(t, newClient(t, f.srv.URL, nil).Test(context.Background()), tc.code, tc.msg)
	}
}
