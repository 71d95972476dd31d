package freshdesk

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/fakeapi"
)

var wantAuth = "Basic " + base64.StdEncoding.EncodeToString([]byte(testKey+":X"))

var ok = fakeapi.OK

func TestEnrich(t *testing.T) {
	f := newFake(t, map[string]answer{
		"GET /api/v2/tickets/73021?include=requester": ok(fixture(t, "api-ticket-73021.json")),
		"GET /api/v2/contacts/43012345678":            ok(fixture(t, "api-contact-43012345678.json")),
		"GET /api/v2/agents/43008826190":              ok(fixture(t, "api-agent-43008826190.json")),
	})
	c := newClient(t, f.URL, nil)
	// A minimal body: the ticket id and status only.
	events, err := Parse([]byte(`{"ticket":{"id":"73021","status":"Resolved"}}`), testNow)
	if err != nil {
		t.Fatal(err)
	}
	in := events[0].Interaction
	if !in.NeedsEnrich {
		t.Fatal("a solve does not ask for enrichment")
	}
	if err := c.Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	want := plaudit.Interaction{
		Source: "freshdesk", ExternalID: "73021", Event: plaudit.EventSolved, Channel: "email",
		Customer: plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org",
			Phone: "+49 151 23456789", Language: "de"},
		Agent:    plaudit.AgentRef{ExternalID: "43008826190", Email: "jonas.weber@nordlicht.example", Name: "Jonas Weber"},
		Tags:     []string{"billing", "refund requested", "vip"},
		DedupKey: "73021:solved:2026-11-28",
	}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("enriched\n got %+v\nwant %+v", in, want)
	}
	calls := f.Calls()
	if len(calls) != 3 {
		t.Fatalf("%d calls: %+v", len(calls), calls)
	}
	for _, c := range calls {
		if c.Method != "GET" || c.Auth != wantAuth {
			t.Errorf("call %+v: want GET with basic auth {api_key}:X", c)
		}
	}
}

func TestEnrichKeepsBodyAndSeesReopen(t *testing.T) {
	ticket := strings.Replace(string(fixture(t, "api-ticket-73021.json")), `"status": 4`, `"status": 2`, 1)
	f := newFake(t, map[string]answer{
		"GET /api/v2/tickets/73021?include=requester": {Status: 200, Body: ticket},
		// The contact cannot be read: what the body said stays.
		"GET /api/v2/contacts/43012345678": {Status: 403, Body: `{"code":"access_denied","message":"You are not authorized to perform this action."}`},
	})
	c := newClient(t, f.URL, nil)
	events, _ := Parse(fixture(t, "freshdesk-ticket-resolved.json"), testNow)
	in := events[0].Interaction
	if err := c.Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	if in.Event != plaudit.EventReopened {
		t.Errorf("ticket open again: event %q", in.Event)
	}
	// The body had the agent's email: no agent call.
	for _, call := range f.Calls() {
		if strings.HasPrefix(call.Path, "/api/v2/agents/") {
			t.Errorf("agent read although the body named the agent")
		}
	}
	if in.Agent.Email != "jonas.weber@nordlicht.example" || in.Customer.Language != "" {
		t.Errorf("interaction %+v", in)
	}
}

func TestEnrichErrors(t *testing.T) {
	f := newFake(t, map[string]answer{
		"GET /api/v2/tickets/1?include=requester": {Status: 429, Header: map[string]string{"Retry-After": "17"}, Body: `{}`},
	})
	c := newClient(t, f.URL, nil)
	in := plaudit.Interaction{ExternalID: "1", Event: plaudit.EventSolved, NeedsEnrich: true}
	err := c.Enrich(context.Background(), &in)
	if after, ok := plaudit.RetryAfter(err); !ok || after != 17*time.Second {
		t.Errorf("429: %v", err)
	}
	in.ExternalID = "2" // not scripted: 404
	if err := c.Enrich(context.Background(), &in); !plaudit.IsPermanent(err) {
		t.Errorf("deleted ticket: %v", err)
	}
}

func response() plaudit.Writeback {
	return plaudit.Writeback{
		Interaction: plaudit.Interaction{ExternalID: "73021"},
		Response: plaudit.Response{Score: 5, Comment: "Quick & kind\nthank you", Excellence: []string{"fast"},
			TicketID: "73021"},
	}
}

func TestWriteback(t *testing.T) {
	f := newFake(t, map[string]answer{
		"GET /api/v2/tickets/73021":        ok(fixture(t, "api-ticket-73021.json")),
		"PUT /api/v2/tickets/73021":        ok(fixture(t, "api-ticket-73021.json")),
		"POST /api/v2/tickets/73021/notes": {Status: 201, Body: `{"id":43100000001,"private":true}`},
	})
	c := newClient(t, f.URL, map[string]any{"rating_field": "cf_rating", "comment_field": "cf_comment", "tags": []string{"plaudit", "VIP"}})
	if err := c.Writeback(context.Background(), response()); err != nil {
		t.Fatal(err)
	}
	calls := f.Calls()
	want := []call{
		{Method: "GET", Path: "/api/v2/tickets/73021", Auth: wantAuth},
		{Method: "PUT", Path: "/api/v2/tickets/73021", Auth: wantAuth, ContentType: "application/json",
			Body: `{"custom_fields":{"cf_comment":"Quick \u0026 kind\nthank you","cf_rating":5},"tags":["billing","refund requested","vip","plaudit"]}`},
		{Method: "POST", Path: "/api/v2/tickets/73021/notes", Auth: wantAuth, ContentType: "application/json",
			Body: `{"body":"Customer feedback via Plaudit: 5/5 ★★★★★\u003cbr\u003eComment: Quick \u0026amp; kind\u003cbr\u003ethank you\u003cbr\u003eStrengths: fast","private":true}`},
	}
	if !reflect.DeepEqual(calls, want) {
		t.Fatalf("calls\n got %+v\nwant %+v", calls, want)
	}

	// A later addition is one more private note, and the fields again.
	w := response()
	w.Update = true
	w.Response.Comment = ""
	if err := c.Writeback(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	calls = f.Calls()[3:]
	if len(calls) != 3 || calls[1].Body != `{"custom_fields":{"cf_rating":5},"tags":["billing","refund requested","vip","plaudit"]}` {
		t.Fatalf("update calls %+v", calls)
	}
	var n struct {
		Body    string `json:"body"`
		Private bool   `json:"private"`
	}
	if err := json.Unmarshal([]byte(calls[2].Body), &n); err != nil || !n.Private || !strings.HasPrefix(n.Body, "Feedback updated via Plaudit: 5/5") {
		t.Errorf("update note %+v", n)
	}
}

func TestWritebackNoteOnly(t *testing.T) {
	f := newFake(t, map[string]answer{"POST /api/v2/tickets/73021/notes": {Status: 201, Body: `{}`}})
	c := newClient(t, f.URL, nil)
	if err := c.Writeback(context.Background(), response()); err != nil {
		t.Fatal(err)
	}
	if calls := f.Calls(); len(calls) != 1 || calls[0].Method != "POST" {
		t.Errorf("calls %+v: want the note only", calls)
	}
}

func TestWritebackErrors(t *testing.T) {
	fields := map[string]any{"rating_field": "cf_rating"}

	// Throttled: wait as long as Freshdesk says, and no note yet, so that
	// the retry adds exactly one.
	f := newFake(t, map[string]answer{
		"PUT /api/v2/tickets/73021": {Status: 429, Header: map[string]string{"Retry-After": "42", "X-RateLimit-Remaining": "0"}, Body: `{}`},
	})
	err := newClient(t, f.URL, fields).Writeback(context.Background(), response())
	if after, ok := plaudit.RetryAfter(err); !ok || after != 42*time.Second || plaudit.IsPermanent(err) {
		t.Errorf("429: %v", err)
	}
	if len(f.Calls()) != 1 {
		t.Errorf("calls after 429: %+v", f.Calls())
	}

	// Deleted ticket: permanent, with the reason.
	f = newFake(t, nil)
	err = newClient(t, f.URL, fields).Writeback(context.Background(), response())
	var p *plaudit.PermanentError
	if !errors.As(err, &p) || p.Reason != "freshdesk: ticket not found or deleted (404)" {
		t.Errorf("404: %v", err)
	}

	// A field Freshdesk refuses: the note is still written; the writeback
	// fails with the field's reason.
	f = newFake(t, map[string]answer{
		"PUT /api/v2/tickets/73021":        {Status: 400, Body: `{"description":"Validation failed","errors":[{"field":"cf_rating","message":"Value set is of type Integer.It should be a/an String","code":"datatype_mismatch"}]}`},
		"POST /api/v2/tickets/73021/notes": {Status: 201, Body: `{}`},
	})
	err = newClient(t, f.URL, fields).Writeback(context.Background(), response())
	if !errors.As(err, &p) || p.Reason != "freshdesk: update rejected (400 datatype_mismatch cf_rating)" {
		t.Errorf("400: %v", err)
	}
	if calls := f.Calls(); len(calls) != 2 || calls[1].Method != "POST" {
		t.Errorf("calls %+v: want the note after the refused update", calls)
	}
	if strings.Contains(err.Error(), "Integer") {
		t.Errorf("Freshdesk's message leaked into the error: %v", err)
	}

	// Server errors are retried by the queue (not permanent).
	f = newFake(t, map[string]answer{"POST /api/v2/tickets/73021/notes": {Status: 502, Body: `bad gateway`}})
	if err := newClient(t, f.URL, nil).Writeback(context.Background(), response()); err == nil || plaudit.IsPermanent(err) {
		t.Errorf("502: %v", err)
	}
	if err := newClient(t, f.URL, nil).Writeback(context.Background(), plaudit.Writeback{}); !plaudit.IsPermanent(err) {
		t.Errorf("no ticket id: %v", err)
	}
}

func TestTest(t *testing.T) {
	for _, c := range []struct {
		answer answer
		code   string
		msg    string
	}{
		{answer{Status: 200, Body: `{"id":43008826190,"contact":{"email":"plaudit@nordlicht.example"}}`}, "", ""},
		{answer{Status: 401, Body: `{"code":"invalid_credentials","message":"You have to be logged in to perform this action."}`},
			plaudit.EInvalid, "Freshdesk refused the API key (401): check config.api_key (Profile settings → View API key)"},
		{answer{Status: 403, Body: `{"code":"access_denied"}`}, plaudit.EInvalid,
			"Freshdesk denied access (403): the agent whose API key this is may not use the API, or the account limits API access"},
		{answer{Status: 404, Body: `<html>There is no helpdesk here</html>`}, plaudit.EInvalid,
			"no Freshdesk account answers at this address (404): check config.domain"},
		{answer{Status: 200, Body: `<html>Sign up for Freshdesk</html>`}, plaudit.EInvalid,
			"the answer did not come from the Freshdesk API: check config.domain (or config.base_url)"},
		{answer{Status: 429, Body: `{}`}, plaudit.EUnavailable, "Freshdesk is rate limiting this account (429): try the test again in a minute"},
	} {
		f := newFake(t, map[string]answer{"GET /api/v2/agents/me": c.answer})
		err := newClient(t, f.URL, nil).Test(context.Background())
		if c.code == "" {
			if err != nil {
				t.Errorf("%d: %v", c.answer.Status, err)
			}
		} else {
			wantError(t, err, c.code, c.msg)
		}
		if calls := f.Calls(); len(calls) != 1 || calls[0].Auth != wantAuth {
			t.Errorf("calls %+v", calls)
		}
	}
	f := newFake(t, nil)
	f.Close()
	wantError(t, newClient(t, f.URL, nil).Test(context.Background()), plaudit.EUnavailable,
		"Freshdesk did not answer: check config.domain (or config.base_url)")
}
