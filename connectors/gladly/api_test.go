package gladly

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

func closedEvent(t *testing.T) plaudit.Interaction {
	t.Helper()
	events, err := Parse(fixture(t, "gladly-conversation-closed.json"))
	if err != nil {
		t.Fatal(err)
	}
	return events[0].Interaction
}

func TestEnrich(t *testing.T) {
	f := newFake(t, map[string]answer{
		"GET /api/v1/conversations/" + conversation + "/items": ok(fixture(t, "api-conversation-items.json")),
		"GET /api/v1/customer-profiles/" + customer:            ok(fixture(t, "api-customer-profile.json")),
		"GET /api/v1/agents/" + agent:                          ok(fixture(t, "api-agent.json")),
	})
	in := closedEvent(t)
	if err := newClient(t, f.URL, nil).Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	want := plaudit.Interaction{
		Source: "gladly", ExternalID: conversation, Event: plaudit.EventSolved, Channel: "chat",
		Customer: plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org", Phone: "+4915123456789"},
		Agent:    plaudit.AgentRef{ExternalID: agent, Name: "Jonas Weber", Email: "jonas.weber@nordlicht.example"},
		DedupKey: "yHaHXjD4SR-moMR9LbULDb",
	}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("enriched\n got %+v\nwant %+v", in, want)
	}
	calls := f.Calls()
	if len(calls) != 3 {
		t.Fatalf("calls %+v", calls)
	}
	for _, c := range calls {
		if c.Method != "GET" || c.Auth != wantAuth {
			t.Errorf("call %+v: want GET with basic auth {api_user}:{api_token}", c)
		}
	}
}

func TestEnrichReopenedSinceAndMerged(t *testing.T) {
	items := strings.Replace(string(fixture(t, "api-conversation-items.json")), `"status":"CLOSED"`, `"status":"CLOSED"}},
	 {"customerId":"`+customer+`","content":{"type":"CONVERSATION_STATUS_CHANGE","status":"OPEN"`, 1)
	f := newFake(t, map[string]answer{
		"GET /api/v1/conversations/" + conversation + "/items": {Status: 200, Body: items},
		"GET /api/v1/customer-profiles/" + customer:            {Status: 301, Body: `{"errors":[{"attr":"customerId","code":"moved","detail":"customer id has changed","meta":{"old":"` + customer + `","new":"rVamfZHvQuORFnsk-3mNuw"}}]}`},
		"GET /api/v1/customer-profiles/rVamfZHvQuORFnsk-3mNuw": ok(fixture(t, "api-customer-profile.json")),
		// The agent was deactivated: matched by id only.
	})
	in := closedEvent(t)
	if err := newClient(t, f.URL, nil).Enrich(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	if in.Event != plaudit.EventReopened {
		t.Errorf("open again: event %q", in.Event)
	}
	if in.Customer.Email != "anna.schneider@example.org" {
		t.Errorf("merged profile not followed: %+v", in.Customer)
	}
	if in.Agent != (plaudit.AgentRef{ExternalID: agent}) {
		t.Errorf("agent %+v", in.Agent)
	}
}

func TestEnrichErrors(t *testing.T) {
	f := newFake(t, map[string]answer{
		"GET /api/v1/conversations/" + conversation + "/items": {Status: 429, Header: map[string]string{"Ratelimit-Limit-Second": "10", "Ratelimit-Remaining-Second": "0"}},
	})
	in := closedEvent(t)
	err := newClient(t, f.URL, nil).Enrich(context.Background(), &in)
	if after, ok := plaudit.RetryAfter(err); !ok || after != 5*time.Second {
		t.Errorf("429 per second: %v", err)
	}
	in.ExternalID = "gone0000000000000000aa"
	if err := newClient(t, f.URL, nil).Enrich(context.Background(), &in); !plaudit.IsPermanent(err) {
		t.Errorf("deleted conversation: %v", err)
	}
	// A timeline cut short still gives what came before.
	f = newFake(t, map[string]answer{
		"GET /api/v1/conversations/" + conversation + "/items": {Status: 200, Body: `[{"customerId":"` + customer + `","content":{"type":"EMAIL"}}, {"customerId":`},
	})
	in = closedEvent(t)
	in.Agent = plaudit.AgentRef{}
	_ = newClient(t, f.URL, nil).Enrich(context.Background(), &in)
	if in.Channel != "email" {
		t.Errorf("cut timeline: %+v", in)
	}
}

func writeback() plaudit.Writeback {
	return plaudit.Writeback{
		Interaction: plaudit.Interaction{ExternalID: conversation},
		Response:    plaudit.Response{Score: 4, Comment: "Quick <3", Improvement: []string{"speed"}, TicketID: conversation},
	}
}

func TestWriteback(t *testing.T) {
	f := newFake(t, map[string]answer{
		"GET /api/v1/conversations/" + conversation:                                                           ok(fixture(t, "api-conversation.json")),
		"POST /api/v1/customer-history/" + customer + "/conversations/" + conversation + "/custom-attributes": {Status: 204},
		"POST /api/v1/conversations/" + conversation + "/notes":                                               {Status: 201, Header: map[string]string{"Location": "/api/v1/conversations/" + conversation + "/notes/HVFDjpu1SCKJlDR7rRKkCQ"}},
	})
	c := newClient(t, f.URL, map[string]any{"rating_attribute": "csatScore", "comment_attribute": "csatComment"})
	if err := c.Writeback(context.Background(), writeback()); err != nil {
		t.Fatal(err)
	}
	want := []call{
		{Method: "GET", Path: "/api/v1/conversations/" + conversation, Auth: wantAuth},
		{Method: "POST", Path: "/api/v1/customer-history/" + customer + "/conversations/" + conversation + "/custom-attributes",
			Auth: wantAuth, ContentType: "application/json",
			Body: `{"add":[{"key":"csatScore","value":"4"},{"key":"csatComment","value":"Quick \u003c3"}]}`},
		{Method: "POST", Path: "/api/v1/conversations/" + conversation + "/notes", Auth: wantAuth, ContentType: "application/json",
			Body: `{"content":{"body":"Customer feedback via Plaudit: 4/5 ★★★★☆\u003cbr\u003eComment: Quick \u0026lt;3\u003cbr\u003eTo improve: speed"}}`},
	}
	if got := f.Calls(); !reflect.DeepEqual(got, want) {
		t.Fatalf("calls\n got %+v\nwant %+v", got, want)
	}

	// A later addition is one more note.
	w := writeback()
	w.Update = true
	if err := c.Writeback(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	last := f.Calls()[5]
	var n struct {
		Content struct{ Body string } `json:"content"`
	}
	if err := json.Unmarshal([]byte(last.Body), &n); err != nil || !strings.HasPrefix(n.Content.Body, "Feedback updated via Plaudit: 4/5") {
		t.Errorf("update note %+v", last)
	}

	// Without attributes: the note alone.
	f = newFake(t, map[string]answer{"POST /api/v1/conversations/" + conversation + "/notes": {Status: 201}})
	if err := newClient(t, f.URL, nil).Writeback(context.Background(), writeback()); err != nil || len(f.Calls()) != 1 {
		t.Errorf("note only: %v %+v", err, f.Calls())
	}
}

func TestWritebackErrors(t *testing.T) {
	attrs := map[string]any{"rating_attribute": "csatScore"}
	var p *plaudit.PermanentError

	// Throttled with Retry-After: no note yet.
	f := newFake(t, map[string]answer{"GET /api/v1/conversations/" + conversation: {Status: 429, Header: map[string]string{"Retry-After": "3"}}})
	err := newClient(t, f.URL, attrs).Writeback(context.Background(), writeback())
	if after, ok := plaudit.RetryAfter(err); !ok || after != 3*time.Second {
		t.Errorf("429: %v", err)
	}
	if len(f.Calls()) != 1 {
		t.Errorf("calls after 429: %+v", f.Calls())
	}

	// Deleted conversation: permanent, with the reason.
	f = newFake(t, nil)
	err = newClient(t, f.URL, nil).Writeback(context.Background(), writeback())
	if !errors.As(err, &p) || p.Reason != "gladly: conversation not found (404 not_exist)" {
		t.Errorf("404: %v", err)
	}
	if strings.Contains(err.Error(), "does not exist") {
		t.Errorf("Gladly's detail leaked into the error: %v", err)
	}

	// A note Gladly refuses: permanent, with its code.
	f = newFake(t, map[string]answer{"POST /api/v1/conversations/" + conversation + "/notes": {Status: 400,
		Body: `{"errors":[{"attr":"content.body","code":"invalid_state","detail":"conversation is closed"}]}`}})
	err = newClient(t, f.URL, nil).Writeback(context.Background(), writeback())
	if !errors.As(err, &p) || p.Reason != "gladly: request rejected (400 invalid_state content.body)" {
		t.Errorf("400: %v", err)
	}

	f = newFake(t, map[string]answer{"POST /api/v1/conversations/" + conversation + "/notes": {Status: 503}})
	if err := newClient(t, f.URL, nil).Writeback(context.Background(), writeback()); err == nil || plaudit.IsPermanent(err) {
		t.Errorf("503: %v", err)
	}
	if err := newClient(t, f.URL, nil).Writeback(context.Background(), plaudit.Writeback{}); !plaudit.IsPermanent(err) {
		t.Errorf("no conversation: %v", err)
	}
}

func TestTest(t *testing.T) {
	for _, c := range []struct {
		answer answer
		code   string
		msg    string
	}{
		{ok(fixture(t, "api-organization.json")), "", ""},
		{answer{Status: 401}, plaudit.EInvalid, "Gladly refused the API user or token (401): check config.api_user and config.api_token"},
		{answer{Status: 403}, plaudit.EInvalid, "Gladly denied access (403): give config.api_user the API User permission (Settings → Users)"},
		{answer{Status: 404, Body: `<html>not found</html>`}, plaudit.EInvalid, "no Gladly organization answers at this address (404): check config.base_url"},
		{answer{Status: 200, Body: `<html>Gladly</html>`}, plaudit.EInvalid, "the answer did not come from the Gladly API: check config.base_url"},
		{answer{Status: 500}, plaudit.EUnavailable, "Gladly answered with an error (500 internal server error): try again later"},
	} {
		f := newFake(t, map[string]answer{"GET /api/v1/organization": c.answer})
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
}
