package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/server"
	"github.com/plaudit/plaudit/store"
)

// postPage posts a form to the feedback page as a customer's own form
// would (no step field, no script) and returns the status.
func postPage(t *testing.T, s *server.Server, token string, form url.Values) int {
	t.Helper()
	r := httptest.NewRequest("POST", "/f/"+token, bytes.NewReader([]byte(form.Encode())))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.App().Test(r, -1)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Every field the customer sends is recorded, in one form and in any
// combination, or the post is refused and nothing changes. (The comment
// of a one-form post used to be dropped unless a hidden step=more came
// with it.)
func TestPageRecordsEveryFieldOfOneForm(t *testing.T) {
	ctx := context.Background()
	st, tn, sent := callbackStore(t)
	s := server.New(server.Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), PublicURL: "https://fb.example"})
	response := func(r plaudit.FeedbackRequest) (plaudit.Response, bool) {
		t.Helper()
		p, err := st.ResponseByRequest(ctx, tn.ID, r.ID)
		if plaudit.IsNotFound(err) {
			return p, false
		}
		if err != nil {
			t.Fatal(err)
		}
		return p, true
	}

	all := sent("P1", plaudit.ChannelEmail, "ada@example.org", "sg-1")
	code := postPage(t, s, all.Token, url.Values{"score": {"5"}, "comment": {"Quick and kind"},
		"excellence": {"fast", "friendly"}, "improvement": {"speed"}, "reward": {"yes"}})
	if code != 303 {
		t.Fatalf("one form with every field answered %d, want 303", code)
	}
	p, ok := response(all)
	if !ok || p.Score != 5 || p.Comment != "Quick and kind" || !p.Reward ||
		!slices.Equal(p.Excellence, []string{"friendly", "fast"}) || !slices.Equal(p.Improvement, []string{"speed"}) {
		t.Fatalf("recorded %+v", p)
	}

	// The comment alone, later, is added to the response.
	if code := postPage(t, s, all.Token, url.Values{"comment": {"Thanks again"}}); code != 303 {
		t.Fatalf("comment alone answered %d", code)
	}
	if p, _ := response(all); p.Comment != "Thanks again" || p.Score != 5 || !p.Reward || len(p.Excellence) != 2 {
		t.Fatalf("after the comment: %+v", p)
	}

	// Refused, with nothing recorded: a reward below the threshold, an
	// unknown area, a comment before any score.
	for name, form := range map[string]url.Values{
		"reward with a low score": {"score": {"2"}, "reward": {"yes"}},
		"unknown area":            {"score": {"4"}, "excellence": {"psychic"}},
		"comment without a score": {"comment": {"Hello"}},
		"nothing at all":          {},
	} {
		r := sent("R-"+strings.ReplaceAll(name, " ", "-"), plaudit.ChannelEmail, "bo@example.org", "sg-"+name)
		if code := postPage(t, s, r.Token, form); code != 400 {
			t.Errorf("%s: answered %d, want 400", name, code)
		}
		if _, ok := response(r); ok {
			t.Errorf("%s: a response was recorded", name)
		}
	}
}

// smsReplyStore is a store with two tenants that both asked the same
// person by SMS: A from the shared number, B from its own sms_from
// number or from the shared one.
func smsReplyStore(t *testing.T) (*store.Store, func(tn plaudit.Tenant, key, sender string) plaudit.FeedbackRequest, plaudit.Tenant, plaudit.Tenant) {
	t.Helper()
	ctx := context.Background()
	kr, _ := keyring.New(keyring.RandomBytes(32), nil)
	st, err := store.Open(ctx, "", t.TempDir(), kr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	newTenant := func(name string) plaudit.Tenant {
		tn := plaudit.Tenant{Name: name, Settings: plaudit.DefaultSettings()}
		if err := st.CreateTenant(ctx, &tn); err != nil {
			t.Fatal(err)
		}
		return tn
	}
	a, b := newTenant("Tenant A"), newTenant("Tenant B")
	sent := func(tn plaudit.Tenant, key, sender string) plaudit.FeedbackRequest {
		t.Helper()
		in := plaudit.Interaction{TenantID: tn.ID, Source: "api", DedupKey: key, ExternalID: key, Event: plaudit.EventSolved}
		if _, err := st.InsertInteraction(ctx, &in); err != nil {
			t.Fatal(err)
		}
		req := plaudit.FeedbackRequest{TenantID: tn.ID, InteractionID: in.ID, TicketID: key, Channel: plaudit.ChannelSMS,
			Recipient: "+4915123456789", RecipientHash: keyring.AddressHash(tn.HashKey, "+4915123456789"), Sender: sender,
			Language: "en", Status: plaudit.RequestScheduled, DueAt: time.Now().Add(-time.Minute)}
		if _, err := st.CreateRequest(ctx, &req); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.ClaimRequest(ctx, tn.ID, req.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := st.MarkRequestSent(ctx, tn.ID, req.ID, "SM"+key, time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		return req
	}
	return st, sent, a, b
}

// An SMS reply reaches only a tenant that asked that person from the
// number the reply was sent to, and with a shared number only when one
// tenant alone waits for an answer. (It used to go to the newest request
// to the number across all tenants: tenant B stored the answer to A's
// question.)
func TestSMSReplyStaysWithTheTenantThatAsked(t *testing.T) {
	ctx := context.Background()
	const shared, ownB = "+15550001000", "+15550002000"
	st, sent, a, b := smsReplyStore(t)
	s := server.New(server.Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		PublicURL: "https://fb.example", TwilioAuthToken: "sms-token"})
	reply := func(sid, to, body string) int {
		return postTwilio(t, s, "sms-token", "/hooks/twilio/sms",
			url.Values{"MessageSid": {sid}, "From": {"+4915123456789"}, "To": {to}, "Body": {body}})
	}
	answered := func(r plaudit.FeedbackRequest) (plaudit.Response, bool) {
		t.Helper()
		p, err := st.ResponseByRequest(ctx, r.TenantID, r.ID)
		if err != nil && !plaudit.IsNotFound(err) {
			t.Fatal(err)
		}
		return p, err == nil
	}

	// A asks on the shared number; B asks later from its own number.
	ra := sent(a, "A1", shared)
	rb := sent(b, "B1", ownB)
	if code := reply("SM1", shared, "2, Max was rude, my account no is 12345"); code != 200 {
		t.Fatalf("reply answered %d", code)
	}
	if p, ok := answered(ra); !ok || p.Score != 2 {
		t.Fatalf("A's answer not recorded for A: %+v %v", p, ok)
	}
	if _, ok := answered(rb); ok {
		t.Fatal("A's answer was stored as B's response")
	}
	if code := reply("SM2", ownB, "5"); code != 200 {
		t.Fatalf("reply answered %d", code)
	}
	if p, ok := answered(rb); !ok || p.Score != 5 {
		t.Fatalf("B's answer not recorded for B: %+v %v", p, ok)
	}

	// Both ask again on the shared number: the reply could be for either,
	// so it is recorded for neither.
	ra2, rb2 := sent(a, "A2", shared), sent(b, "B2", shared)
	if code := reply("SM3", shared, "1 terrible"); code != 200 {
		t.Fatalf("reply answered %d", code)
	}
	if _, ok := answered(ra2); ok {
		t.Fatal("an ambiguous reply was recorded for A")
	}
	if _, ok := answered(rb2); ok {
		t.Fatal("an ambiguous reply was recorded for B")
	}
	// A number nobody asked from records nothing for anyone.
	rb3 := sent(b, "B3", ownB)
	if code := reply("SM4", "+15550009999", "4"); code != 200 {
		t.Fatalf("reply answered %d", code)
	}
	if _, ok := answered(rb3); ok {
		t.Fatal("a reply to a number B never used was recorded for B")
	}
}
