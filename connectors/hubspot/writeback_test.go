package hubspot

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
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

func TestWritebackRequest(t *testing.T) {
	f := fakeHubSpot(t, nil)
	c := newClient(t, f.Start(t), map[string]any{"rating_property": "plaudit_score", "comment_property": "plaudit_comment"})

	if err := c.Writeback(context.Background(), testWriteback()); err != nil {
		t.Fatal(err)
	}
	if want := []string{"PATCH /crm/v3/objects/tickets/1874021563", "POST /crm/v3/objects/notes"}; !reflect.DeepEqual(f.Reqs, want) {
		t.Fatalf("requests %q", f.Reqs)
	}
	for _, a := range f.Auth {
		if a != "Bearer "+testToken {
			t.Errorf("Authorization %q", a)
		}
	}
	conntest.JSONEqual(t, f.Bodies[0], `{"properties":{"plaudit_score":"5","plaudit_comment":"Schnell & <b>freundlich</b>"}}`)
	// The note's body is HTML: the comment is escaped, lines are breaks.
	conntest.JSONEqual(t, f.Bodies[1], `{
		"properties":{
			"hs_timestamp":"2026-11-28T19:12:05.123Z",
			"hs_note_body":"Customer feedback via Plaudit: 5/5 ★★★★★<br>Comment: Schnell &amp; &lt;b&gt;freundlich&lt;/b&gt;<br>Strengths: friendly, fast<br>To improve: clarity<br>Reward: yes"},
		"associations":[{"to":{"id":"1874021563"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":228}]}]}`)

	// A later addition is one more note; without configured properties
	// the ticket is read first, so a deleted one gets no orphan note.
	f.Reset()
	c = newClient(t, c.cfg.BaseURL, nil)
	w := testWriteback()
	w.Update = true
	w.Response.UpdatedAt = w.Response.CreatedAt.Add(time.Hour)
	w.Response.Comment, w.Response.Excellence, w.Response.Improvement, w.Response.Reward = "", nil, nil, false
	if err := c.Writeback(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	if want := []string{"GET /crm/v3/objects/tickets/1874021563?properties=hs_pipeline_stage", "POST /crm/v3/objects/notes"}; !reflect.DeepEqual(f.Reqs, want) {
		t.Fatalf("requests %q", f.Reqs)
	}
	conntest.JSONEqual(t, f.Bodies[1], `{
		"properties":{"hs_timestamp":"2026-11-28T20:12:05.123Z","hs_note_body":"Feedback updated via Plaudit: 5/5 ★★★★★"},
		"associations":[{"to":{"id":"1874021563"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":228}]}]}`)
}

func TestWritebackDeletedTicket(t *testing.T) {
	f := fakeHubSpot(t, nil)
	c := newClient(t, f.Start(t), map[string]any{"rating_property": "plaudit_score"})
	w := testWriteback()
	w.Interaction.ExternalID = "404404"
	conntest.WantPermanent(t, c.Writeback(context.Background(), w), "hubspot: ticket not found (404)")
	if len(f.Reqs) != 1 {
		t.Errorf("requests after a 404: %q", f.Reqs)
	}
}

func TestWritebackErrors(t *testing.T) {
	conntest.CheckFailures(t, []conntest.Failure{
		{Name: "rate limited", Status: 429, Header: map[string]string{"Retry-After": "37"}, Body: `{"status":"error","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}`, RetryAfter: 37 * time.Second},
		{Name: "burst limit by headers", Status: 429, Header: map[string]string{"X-HubSpot-RateLimit-Interval-Milliseconds": "10000", "X-HubSpot-RateLimit-Remaining": "0"}, Body: `{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}`, RetryAfter: 10 * time.Second},
		{Name: "daily limit", Status: 429, Header: map[string]string{"X-HubSpot-RateLimit-Daily-Remaining": "0"}, Body: `{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","policyName":"DAILY"}`, RetryAfter: time.Hour},
		{Name: "rate limited, nothing said", Status: 429, RetryAfter: 60 * time.Second},
		{Name: "maintenance", Status: 503, Header: map[string]string{"Retry-After": "120"}, RetryAfter: 120 * time.Second},
		{Name: "server error", Status: 500, Body: `{"status":"error","category":"INTERNAL_ERROR"}`},
		{Name: "bad gateway", Status: 502, Body: `<html>`},
		{Name: "unauthorized", Status: 401, Body: `{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}`, Permanent: "hubspot: access token rejected (401)"},
		{Name: "missing scope", Status: 403, Body: `{"status":"error","message":"This app hasn't been granted all required scopes to make this call.","category":"MISSING_SCOPES","errors":[{"message":"One or more of the following scopes are required.","context":{"requiredGranularScopes":["tickets"]}}]}`, Permanent: "hubspot: missing scope tickets (403)"},
		{Name: "forbidden", Status: 403, Body: `{}`, Permanent: "hubspot: permission denied (403)"},
		{Name: "deleted", Status: 404, Body: `{"status":"error","category":"OBJECT_NOT_FOUND"}`, Permanent: "hubspot: ticket not found (404)"},
		{Name: "no such property", Status: 400, Body: `{"status":"error","message":"Property values were not valid: [{\"isValid\":false,\"message\":\"Property \\\"plaudit_comment\\\" does not exist\",\"error\":\"PROPERTY_DOESNT_EXIST\",\"name\":\"plaudit_comment\"}]","category":"VALIDATION_ERROR"}`, Permanent: "hubspot: ticket property does not exist (400)"},
		{Name: "invalid value", Status: 400, Body: `{"status":"error","message":"Schnell is not a number","category":"VALIDATION_ERROR"}`, Permanent: "hubspot: request rejected (400 VALIDATION_ERROR)"},
	}, []string{"Schnell", "Anna", "anna.schneider", "Jonas", testToken}, func(base string) error {
		c := newClient(t, base, map[string]any{"comment_property": "plaudit_comment"})
		return c.Writeback(context.Background(), testWriteback())
	})
}

func TestWritebackTransportErrors(t *testing.T) {
	conntest.TransportFailures(t, func(ctx context.Context, base string, client *http.Client) error {
		return build(t, base, nil, client).Writeback(ctx, testWriteback())
	})
	// No ticket id at all.
	c := newClient(t, "", nil)
	conntest.WantPermanent(t, c.Writeback(context.Background(), plaudit.Writeback{Response: plaudit.Response{Score: 5}}), "hubspot: ticket id is not valid")
}
