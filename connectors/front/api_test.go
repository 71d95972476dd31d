package front

import (
	"context"
	"errors"
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

// fakeFront answers the Front API calls the driver makes and records the
// requests.
type fakeFront struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []string
	bodies []string
	status string // the conversation's status; "archived" when empty
	answer func(w http.ResponseWriter, r *http.Request) bool
}

func newFake(t *testing.T) *fakeFront {
	f := &fakeFront{t: t}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, r.Method+" "+r.URL.RequestURI())
	f.bodies = append(f.bodies, string(body))
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"_error":{"status":401,"title":"Unauthenticated","message":"Invalid token"}}`)
		return
	}
	if f.answer != nil && f.answer(w, r) {
		return
	}
	status := f.status
	if status == "" {
		status = "archived"
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.Method + " " + r.URL.Path {
	case "GET /conversations/cnv_1q9zt2c":
		io.WriteString(w, `{"id":"cnv_1q9zt2c","subject":"Refund","status":"`+status+`",
			"assignee":{"id":"tea_6x1k","email":"jonas.weber@nordlicht.example","username":"jonas","first_name":"Jonas","last_name":"Weber"},
			"recipient":{"_links":{"related":{"contact":"`+f.srv.URL+`/contacts/crd_3m8p1w"}},"name":"","handle":"+49 30 901820","role":"from"},
			"tags":[{"id":"tag_2k4","name":"refund"}],"custom_fields":{"Booking reference":"NL-2026-4471","CSAT score":2}}`)
	case "GET /contacts/crd_3m8p1w":
		io.WriteString(w, `{"id":"crd_3m8p1w","name":"Anna Schneider","handles":[
			{"handle":"anna.schneider@example.org","source":"email"},{"handle":"+49 30 901820","source":"phone"}],"custom_fields":{}}`)
	case "GET /me":
		io.WriteString(w, `{"_links":{"self":"`+f.srv.URL+`/me"},"name":"Nordlicht Reisen","id":"cmp_4f2a9"}`)
	case "GET /conversations/custom_fields":
		io.WriteString(w, `{"_results":[{"id":"fld_1","name":"CSAT score","type":"number"},{"id":"fld_2","name":"CSAT comment","type":"string"}]}`)
	case "GET /tags":
		if r.URL.Query().Get("page_token") == "" {
			io.WriteString(w, `{"_pagination":{"next":"`+f.srv.URL+`/tags?limit=100&page_token=p2"},"_results":[{"id":"tag_2k4","name":"refund"}]}`)
			return
		}
		io.WriteString(w, `{"_pagination":{"next":null},"_results":[{"id":"tag_7q1","name":"plaudit rated"}]}`)
	case "POST /tags":
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"tag_9z9","name":"five stars"}`)
	case "PATCH /conversations/cnv_1q9zt2c", "POST /conversations/cnv_1q9zt2c/tags":
		w.WriteHeader(http.StatusNoContent)
	case "POST /conversations/cnv_1q9zt2c/comments":
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"com_1","body":"…"}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"_error":{"status":404,"title":"Not found","message":"Resource not found"}}`)
	}
}

func TestEnrichPreview(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f.srv.URL, nil)
	evs, err := Parse(fixture(t, "app-event-archive-preview.json"))
	if err != nil {
		t.Fatal(err)
	}
	in := evs[0].Interaction
	if err := c.Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	if in.Customer != (plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org", Phone: "+49 30 901820"}) {
		t.Errorf("customer %+v", in.Customer)
	}
	if in.Agent != (plaudit.AgentRef{ExternalID: "tea_6x1k", Email: "jonas.weber@nordlicht.example", Name: "Jonas Weber"}) {
		t.Errorf("agent %+v", in.Agent)
	}
	if in.Event != plaudit.EventSolved || in.Channel != "sms" || in.NeedsEnrich || !reflect.DeepEqual(in.Tags, []string{"refund"}) {
		t.Errorf("interaction %+v", in)
	}
	if !reflect.DeepEqual(f.reqs, []string{"GET /conversations/cnv_1q9zt2c", "GET /contacts/crd_3m8p1w"}) {
		t.Errorf("requests %q", f.reqs)
	}

	for status, want := range map[string]string{"unassigned": plaudit.EventReopened, "assigned": plaudit.EventReopened, "deleted": plaudit.EventOther} {
		f.status, f.reqs = status, nil
		in := evs[0].Interaction
		if err := c.Enrich(context.Background(), &in); err != nil || in.Event != want || len(f.reqs) != 1 {
			t.Errorf("%s: %+v %v %q", status, in, err, f.reqs)
		}
	}
	in = plaudit.Interaction{ExternalID: "cnv_gone"}
	var p *plaudit.PermanentError
	if err := c.Enrich(context.Background(), &in); !errors.As(err, &p) || p.Reason != "front: conversation not found (404)" {
		t.Errorf("deleted for good: %v", err)
	}
}

func testWriteback() plaudit.Writeback {
	return plaudit.Writeback{
		Interaction: plaudit.Interaction{ExternalID: "cnv_1q9zt2c", Customer: plaudit.Customer{Name: "Anna Schneider"}},
		Request:     plaudit.FeedbackRequest{ID: "req_1", TicketID: "cnv_1q9zt2c"},
		Response: plaudit.Response{ID: "rsp_1", Score: 4, Comment: "Schnell und freundlich",
			Excellence: []string{"fast"}, Version: 1},
	}
}

func TestWritebackRequest(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f.srv.URL, map[string]any{"rating_field": "CSAT score", "comment_field": "CSAT comment", "tags": []string{"plaudit rated", "five stars"}})
	if err := c.Writeback(context.Background(), testWriteback()); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /conversations/cnv_1q9zt2c",
		"PATCH /conversations/cnv_1q9zt2c",
		"GET /tags?limit=100",
		"GET /tags?limit=100&page_token=p2",
		"POST /tags",
		"POST /conversations/cnv_1q9zt2c/tags",
		"POST /conversations/cnv_1q9zt2c/comments",
	}
	if !reflect.DeepEqual(f.reqs, want) {
		t.Fatalf("requests\n got %q\nwant %q", f.reqs, want)
	}
	bodies := map[int]string{
		1: `{"custom_fields":{"Booking reference":"NL-2026-4471","CSAT comment":"Schnell und freundlich","CSAT score":4}}`,
		4: `{"name":"five stars"}`,
		5: `{"tag_ids":["tag_7q1","tag_9z9"]}`,
		6: `{"body":"Customer feedback via Plaudit: 4/5 ★★★★☆\nComment: Schnell und freundlich\nStrengths: fast"}`,
	}
	for i, b := range bodies {
		if f.bodies[i] != b {
			t.Errorf("%s\n got %s\nwant %s", f.reqs[i], f.bodies[i], b)
		}
	}

	// A later addition: one more comment; tag ids are remembered.
	f.reqs, f.bodies = nil, nil
	w := testWriteback()
	w.Update = true
	if err := c.Writeback(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	if len(f.reqs) != 4 || f.reqs[2] != "POST /conversations/cnv_1q9zt2c/tags" || !strings.HasPrefix(f.bodies[3], `{"body":"Feedback updated via Plaudit: 4/5`) {
		t.Errorf("update: %q %q", f.reqs, f.bodies)
	}

	// Nothing configured: read, then the comment.
	f.reqs = nil
	if err := newClient(t, f.srv.URL, nil).Writeback(context.Background(), testWriteback()); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.reqs, []string{"GET /conversations/cnv_1q9zt2c", "POST /conversations/cnv_1q9zt2c/comments"}) {
		t.Errorf("requests %q", f.reqs)
	}
}

// TestTagPagesStayOnTheAPI: a next page elsewhere than the base URL is not
// followed, so the token goes nowhere else.
func TestTagPagesStayOnTheAPI(t *testing.T) {
	f := newFake(t)
	f.answer = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/tags" && r.Method == http.MethodGet {
			io.WriteString(w, `{"_pagination":{"next":"https://attacker.example/tags?page_token=p2"},"_results":[]}`)
			return true
		}
		return false
	}
	c := newClient(t, f.srv.URL, map[string]any{"tags": []string{"plaudit rated"}})
	if err := c.Writeback(context.Background(), testWriteback()); err != nil {
		t.Fatal(err)
	}
	if f.reqs[1] != "GET /tags?limit=100" || f.reqs[2] != "POST /tags" {
		t.Errorf("requests %q", f.reqs)
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
		{"rate limited", 429, map[string]string{"Retry-After": "7"}, `{"_error":{"status":429,"title":"Too many requests"}}`, 7 * time.Second, ""},
		{"rate limited without header", 429, nil, ``, 60 * time.Second, ""},
		{"server error", 502, nil, `<html>`, 0, ""},
		{"not found", 404, nil, `{"_error":{"status":404,"title":"Not found"}}`, 0, "front: conversation not found (404)"},
		{"bad token", 401, nil, ``, 0, "front: authentication failed (401)"},
		{"no scope", 403, nil, `{"_error":{"status":403,"title":"Forbidden"}}`, 0, "front: permission denied (403)"},
		{"bad field", 400, nil, `{"_error":{"status":400,"title":"Bad request","message":"custom field Schnell is invalid"}}`, 0, "front: request rejected (400 Bad_request)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.answer = func(w http.ResponseWriter, r *http.Request) bool {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
				return true
			}
			err := newClient(t, f.srv.URL, nil).Writeback(context.Background(), testWriteback())
			conntest.WantFailure(t, err, tc.retryAfter, tc.permanent)
			if err != nil && (strings.Contains(err.Error(), "Schnell") || strings.Contains(err.Error(), testToken)) {
				t.Errorf("error %q carries data", err)
			}
		})
	}
	// A conversation in the trash: no comment, no retry.
	f := newFake(t)
	f.status = "deleted"
	err := newClient(t, f.srv.URL, nil).Writeback(context.Background(), testWriteback())
	var p *plaudit.PermanentError
	if !errors.As(err, &p) || p.Reason != "front: conversation is deleted" || len(f.reqs) != 1 {
		t.Errorf("deleted: %v %q", err, f.reqs)
	}
}

func TestTest(t *testing.T) {
	f := newFake(t)
	if err := newClient(t, f.srv.URL, map[string]any{"rating_field": "CSAT score"}).Test(context.Background()); err != nil {
		t.Fatalf("good token: %v", err)
	}
	if !reflect.DeepEqual(f.reqs, []string{"GET /me", "GET /conversations/custom_fields"}) {
		t.Errorf("requests %q", f.reqs)
	}
	err := newClient(t, f.srv.URL, map[string]any{"comment_field": "Kommentar"}).Test(context.Background())
	if plaudit.ErrorMessage(err) != "config.comment_field: Front has no conversation custom field of that name" {
		t.Errorf("missing field: %v", err)
	}
	for _, tc := range []struct {
		status int
		path   string
		code   string
		msg    string
	}{
		{401, "/me", plaudit.EInvalid, "Front refused the API token (401): check config.api_token"},
		{403, "/conversations/custom_fields", plaudit.EInvalid, "the API token lacks a scope (403): give it read and write access to shared resources"},
		{500, "/me", plaudit.EUnavailable, "Front answered 500; try again later"},
	} {
		f.answer = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != tc.path {
				return false
			}
			w.WriteHeader(tc.status)
			return true
		}
		err := newClient(t, f.srv.URL, nil).Test(context.Background())
		if plaudit.ErrorCode(err) != tc.code || plaudit.ErrorMessage(err) != tc.msg {
			t.Errorf("%d on %s: %v", tc.status, tc.path, err)
		}
	}
}

func TestValidate(t *testing.T) {
	k := Kind()
	good := map[string]string{SecretAPIToken: "tok", SecretAppSecret: "sec"}
	for _, tc := range []struct {
		config  string
		secrets map[string]string
		msg     string
	}{
		{`{}`, good, ""},
		{`{"base_url":"https://nordlicht.api.frontapp.com","rating_field":"CSAT score","comment_field":"CSAT comment","tags":["plaudit rated"]}`, good, ""},
		{`{"base_url":"http://front.example"}`, good, "config.base_url must be an https URL"},
		{`{"rating_field":"x","comment_field":"x"}`, good, "config.comment_field must differ from config.rating_field"},
		{`{"rating_field":5}`, good, "config.rating_field must be a string"},
		{`{"tags":"x"}`, good, "config.tags must be an array"},
		{`{"api_secret":"x"}`, good, "config.api_secret is not a known setting"},
		{`{}`, map[string]string{SecretAppSecret: "s"}, "config.api_token is required"},
		{`{}`, map[string]string{SecretAPIToken: "t"}, "config.app_secret is required"},
	} {
		conntest.WantMessage(t, "Validate("+tc.config+")", k.Validate([]byte(tc.config), tc.secrets), tc.msg)
	}
	if c := newClient(t, "", nil); c.cfg.BaseURL != DefaultBaseURL {
		t.Errorf("default base %q", c.cfg.BaseURL)
	}
}
