package kustomer

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
)

func testWriteback() plaudit.Writeback {
	return plaudit.Writeback{
		Interaction: plaudit.Interaction{ExternalID: convID, Customer: plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org"}},
		Request:     plaudit.FeedbackRequest{ID: "req_1", TicketID: convID},
		Response: plaudit.Response{ID: "rsp_1", Score: 5, Comment: "Schnell und freundlich",
			Excellence: []string{"friendly", "fast"}, Improvement: []string{"clarity"}, Reward: true, Version: 1},
		Agent: plaudit.Agent{ID: "agt_1", Name: "Jonas Weber"},
	}
}

func TestWritebackRequest(t *testing.T) {
	f := fakeKustomer(t, nil)
	c := newClient(t, f.Start(t), map[string]any{"rating_attribute": "csatScoreNum", "comment_attribute": "csatCommentTxt", "tags": []string{"Plaudit rated"}})

	if err := c.Writeback(context.Background(), testWriteback()); err != nil {
		t.Fatal(err)
	}
	want := []string{"PATCH /v1/conversations/" + convID, "POST /v1/conversations/" + convID + "/tags", "POST /v1/conversations/" + convID + "/notes"}
	if !reflect.DeepEqual(f.Reqs, want) {
		t.Fatalf("requests %q", f.Reqs)
	}
	for _, a := range f.Auth {
		if a != "Bearer "+testAPIKey {
			t.Errorf("Authorization %q", a)
		}
	}
	conntest.JSONEqual(t, f.Bodies[0], `{"custom":{"csatScoreNum":5,"csatCommentTxt":"Schnell und freundlich"}}`)
	conntest.JSONEqual(t, f.Bodies[1], `{"tags":["Plaudit rated"]}`)
	conntest.JSONEqual(t, f.Bodies[2], `{"body":"Customer feedback via Plaudit: 5/5 ★★★★★\nComment: Schnell und freundlich\nStrengths: friendly, fast\nTo improve: clarity\nReward: yes"}`)

	// A score into a string attribute; a later addition is one more note.
	f.Reset()
	c = newClient(t, c.cfg.BaseURL, map[string]any{"rating_attribute": "csatScoreStr"})
	w := testWriteback()
	w.Update = true
	w.Response.Comment, w.Response.Excellence, w.Response.Improvement, w.Response.Reward = "", nil, nil, false
	if err := c.Writeback(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	conntest.JSONEqual(t, f.Bodies[0], `{"custom":{"csatScoreStr":"5"}}`)
	conntest.JSONEqual(t, f.Bodies[1], `{"body":"Feedback updated via Plaudit: 5/5 ★★★★★"}`)

	// Nothing configured: the note alone.
	f.Reset()
	c = newClient(t, c.cfg.BaseURL, nil)
	if err := c.Writeback(context.Background(), testWriteback()); err != nil {
		t.Fatal(err)
	}
	if len(f.Reqs) != 1 || f.Reqs[0] != "POST /v1/conversations/"+convID+"/notes" {
		t.Errorf("requests %q", f.Reqs)
	}
}

func TestWritebackCutsToKustomerLimits(t *testing.T) {
	f := fakeKustomer(t, nil)
	c := newClient(t, f.Start(t), map[string]any{"comment_attribute": "csatCommentStr"})
	w := testWriteback()
	w.Response.Comment = strings.Repeat("ü", 12000)
	if err := c.Writeback(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	var patch struct{ Custom map[string]string }
	var note struct{ Body string }
	json.Unmarshal(f.Bodies[0], &patch)
	json.Unmarshal(f.Bodies[1], &note)
	if n := len([]rune(patch.Custom["csatCommentStr"])); n != maxAttribute {
		t.Errorf("attribute of %d characters", n)
	}
	if n := len([]rune(note.Body)); n != maxNote {
		t.Errorf("note of %d characters", n)
	}
}

func TestWritebackErrors(t *testing.T) {
	conntest.CheckFailures(t, []conntest.Failure{
		{Name: "rate limited", Status: 429, Header: map[string]string{"Retry-After": "37"}, Body: `{"errors":[{"status":429,"code":"rate_limit_exceeded"}]}`, RetryAfter: 37 * time.Second},
		{Name: "rate limited, reset in seconds", Status: 429, Header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "42"}, RetryAfter: 42 * time.Second},
		{Name: "maintenance", Status: 503, Header: map[string]string{"Retry-After": "120"}, RetryAfter: 120 * time.Second},
		{Name: "rate limited, nothing said", Status: 429, RetryAfter: 60 * time.Second},
		{Name: "server error", Status: 500, Body: `{"errors":[{"status":500,"code":"internal_error"}]}`},
		{Name: "unauthorized", Status: 401, Body: `{"errors":[{"status":401,"code":"unauthorized","title":"Unauthorized"}]}`, Permanent: "kustomer: API key rejected (401)"},
		{Name: "forbidden", Status: 403, Body: `{"errors":[{"status":403,"code":"forbidden","title":"Forbidden","detail":"Missing role org.permission.conversation.update"}]}`, Permanent: "kustomer: API key lacks a role (403)"},
		{Name: "deleted", Status: 404, Body: `{"errors":[{"status":404,"code":"not_found"}]}`, Permanent: "kustomer: conversation not found (404)"},
		{Name: "invalid attribute", Status: 400, Body: `{"errors":[{"status":400,"code":"validation_error","title":"Schnell und freundlich is not a number","source":{"pointer":"/data/attributes/custom/csatScoreNum"}}]}`, Permanent: "kustomer: request rejected (400 validation_error)"},
		{Name: "no code", Status: 422, Body: `{"message":"Schnell"}`, Permanent: "kustomer: request rejected (422)"},
	}, []string{"Schnell", "Anna", "anna.schneider", "Jonas", testAPIKey}, func(base string) error {
		c := newClient(t, base, map[string]any{"comment_attribute": "csatCommentTxt"})
		return c.Writeback(context.Background(), testWriteback())
	})
}

func TestResetWait(t *testing.T) {
	now := time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)
	for v, want := range map[string]string{
		"42":                               "42",
		"1795888830":                       "30", // epoch seconds
		"1795888830500":                    "31", // epoch milliseconds, rounded up
		"":                                 "",
		"soon":                             "",
		"-3":                               "",
		"0":                                "",
		"Sat, 28 Nov 2026 18:00:30 GMT":    "",
		"99999999999999999999999999999999": "",
	} {
		if got := resetWait(v, now); got != want {
			t.Errorf("resetWait(%q) = %q, want %q", v, got, want)
		}
	}
}

func TestWritebackTransportErrors(t *testing.T) {
	conntest.TransportFailures(t, func(ctx context.Context, base string, client *http.Client) error {
		return build(t, base, nil, client).Writeback(ctx, testWriteback())
	})
	c := newClient(t, "", nil)
	conntest.WantPermanent(t, c.Writeback(context.Background(), plaudit.Writeback{Response: plaudit.Response{Score: 5}}), "kustomer: conversation id is not valid")
}
