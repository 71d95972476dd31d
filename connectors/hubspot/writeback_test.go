package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
)

func testWriteback() plaudit.Writeback {
	return plaudit.Writeback{
		Interaction: plaudit.Interaction{ExternalID: "1874021563", Customer: plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org"}},
		Request:     plaudit.FeedbackRequest{ID: "req_1", TicketID: "1874021563"},
		Response: plaudit.Response{ID: "rsp_1", Score: 5, Comment: "Schnell & <b>freundlich</b>",
			Excellence: []string{"friendly", "fast"}, Improvement: []string{"clarity"}, Reward: true, Version: 1,
			CreatedAt: time.Date(2026, 11, 28, 19, 12, 5, 123000000, time.UTC)},
		Agent: plaudit.Agent{ID: "agt_1", Name: "Jonas Weber"},
	}
}

func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

func TestWritebackRequest(t *testing.T) {
	f := &fakeHubSpot{t: t}
	c := newClient(t, f.start(t), map[string]any{"rating_property": "plaudit_score", "comment_property": "plaudit_comment"})

	if err := c.Writeback(context.Background(), testWriteback()); err != nil {
		t.Fatal(err)
	}
	if want := []string{"PATCH /crm/v3/objects/tickets/1874021563", "POST /crm/v3/objects/notes"}; !reflect.DeepEqual(f.reqs, want) {
		t.Fatalf("requests %q", f.reqs)
	}
	for _, a := range f.auth {
		if a != "Bearer "+testToken {
			t.Errorf("Authorization %q", a)
		}
	}
	jsonEqual(t, f.bodies[0], `{"properties":{"plaudit_score":"5","plaudit_comment":"Schnell & <b>freundlich</b>"}}`)
	// The note's body is HTML: the comment is escaped, lines are breaks.
	jsonEqual(t, f.bodies[1], `{
		"properties":{
			"hs_timestamp":"2026-11-28T19:12:05.123Z",
			"hs_note_body":"Customer feedback via Plaudit: 5/5 ★★★★★<br>Comment: Schnell &amp; &lt;b&gt;freundlich&lt;/b&gt;<br>Strengths: friendly, fast<br>To improve: clarity<br>Reward: yes"},
		"associations":[{"to":{"id":"1874021563"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":228}]}]}`)

	// A later addition is one more note; without configured properties
	// the ticket is read first, so a deleted one gets no orphan note.
	f.reqs, f.bodies = nil, nil
	c = newClient(t, c.cfg.BaseURL, nil)
	w := testWriteback()
	w.Update = true
	w.Response.UpdatedAt = w.Response.CreatedAt.Add(time.Hour)
	w.Response.Comment, w.Response.Excellence, w.Response.Improvement, w.Response.Reward = "", nil, nil, false
	if err := c.Writeback(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	if want := []string{"GET /crm/v3/objects/tickets/1874021563?properties=hs_pipeline_stage", "POST /crm/v3/objects/notes"}; !reflect.DeepEqual(f.reqs, want) {
		t.Fatalf("requests %q", f.reqs)
	}
	jsonEqual(t, f.bodies[1], `{
		"properties":{"hs_timestamp":"2026-11-28T20:12:05.123Z","hs_note_body":"Feedback updated via Plaudit: 5/5 ★★★★★"},
		"associations":[{"to":{"id":"1874021563"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":228}]}]}`)
}

func TestWritebackDeletedTicket(t *testing.T) {
	f := &fakeHubSpot{t: t}
	c := newClient(t, f.start(t), map[string]any{"rating_property": "plaudit_score"})
	w := testWriteback()
	w.Interaction.ExternalID = "404404"
	wantPermanent(t, c.Writeback(context.Background(), w), "hubspot: ticket not found (404)")
	if len(f.reqs) != 1 {
		t.Errorf("requests after a 404: %q", f.reqs)
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
		{"rate limited", 429, map[string]string{"Retry-After": "37"}, `{"status":"error","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}`, 37 * time.Second, ""},
		{"burst limit by headers", 429, map[string]string{"X-HubSpot-RateLimit-Interval-Milliseconds": "10000", "X-HubSpot-RateLimit-Remaining": "0"},
			`{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}`, 10 * time.Second, ""},
		{"daily limit", 429, map[string]string{"X-HubSpot-RateLimit-Daily-Remaining": "0"},
			`{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","policyName":"DAILY"}`, time.Hour, ""},
		{"rate limited, nothing said", 429, nil, ``, 60 * time.Second, ""},
		{"maintenance", 503, map[string]string{"Retry-After": "120"}, ``, 120 * time.Second, ""},
		{"server error", 500, nil, `{"status":"error","category":"INTERNAL_ERROR"}`, 0, ""},
		{"bad gateway", 502, nil, `<html>`, 0, ""},
		{"unauthorized", 401, nil, `{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}`, 0, "hubspot: access token rejected (401)"},
		{"missing scope", 403, nil, `{"status":"error","message":"This app hasn't been granted all required scopes to make this call.","category":"MISSING_SCOPES","errors":[{"message":"One or more of the following scopes are required.","context":{"requiredGranularScopes":["tickets"]}}]}`, 0, "hubspot: missing scope tickets (403)"},
		{"forbidden", 403, nil, `{}`, 0, "hubspot: permission denied (403)"},
		{"deleted", 404, nil, `{"status":"error","category":"OBJECT_NOT_FOUND"}`, 0, "hubspot: ticket not found (404)"},
		{"no such property", 400, nil, `{"status":"error","message":"Property values were not valid: [{\"isValid\":false,\"message\":\"Property \\\"plaudit_comment\\\" does not exist\",\"error\":\"PROPERTY_DOESNT_EXIST\",\"name\":\"plaudit_comment\"}]","category":"VALIDATION_ERROR"}`, 0, "hubspot: ticket property does not exist (400)"},
		{"invalid value", 400, nil, `{"status":"error","message":"Schnell is not a number","category":"VALIDATION_ERROR"}`, 0, "hubspot: request rejected (400 VALIDATION_ERROR)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeHubSpot{t: t, answer: func(w http.ResponseWriter, r *http.Request) bool {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
				return true
			}}
			c := newClient(t, f.start(t), map[string]any{"comment_property": "plaudit_comment"})
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
				if isRetryAfter {
					t.Errorf("err = %v, want permanent", err)
				}
				wantPermanent(t, err, tc.permanent)
			default:
				if plaudit.IsPermanent(err) || isRetryAfter {
					t.Errorf("err = %v, want a plain retryable error", err)
				}
			}
			if len(f.reqs) != 1 {
				t.Errorf("the note was tried after a failed update: %q", f.reqs)
			}
			for _, private := range []string{"Schnell", "Anna", "anna.schneider", "Jonas", testToken} {
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
	if err := c.Writeback(ctx, testWriteback()); err == nil || plaudit.IsPermanent(err) {
		t.Fatalf("timeout: err = %v, want retryable", err)
	}

	// The egress policy refuses loopback without AllowPrivate: that will
	// not change on a retry.
	raw, _ := json.Marshal(map[string]any{"base_url": srv.URL})
	strict, err := NewClient(plaudit.Connector{Config: raw, Secrets: map[string]string{SecretAccessToken: "t", SecretAppSecret: "s"}},
		plaudit.DriverDeps{HTTP: egress.NewClient(egress.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	err = strict.Writeback(context.Background(), testWriteback())
	if !errors.Is(err, egress.ErrForbiddenAddress) || !plaudit.IsPermanent(err) {
		t.Fatalf("forbidden address: err = %v", err)
	}

	// No ticket id at all.
	wantPermanent(t, c.Writeback(context.Background(), plaudit.Writeback{Response: plaudit.Response{Score: 5}}), "hubspot: ticket id is not valid")
}
