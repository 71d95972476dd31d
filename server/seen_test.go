package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/server"
	"github.com/plaudit/plaudit/store"
)

// flakyStore is the real store, except that its first n TransitionRequest
// and CreateResponse calls fail, as a database would during a failover.
type flakyStore struct {
	*store.Store
	failures atomic.Int32
}

var errFailover = errors.New("database failing over")

func (f *flakyStore) fail() bool { return f.failures.Add(-1) >= 0 }

func (f *flakyStore) TransitionRequest(ctx context.Context, tenantID, id string, t plaudit.Transition) (plaudit.FeedbackRequest, error) {
	if f.fail() {
		return plaudit.FeedbackRequest{}, errFailover
	}
	return f.Store.TransitionRequest(ctx, tenantID, id, t)
}

func (f *flakyStore) CreateResponse(ctx context.Context, r *plaudit.Response) (bool, error) {
	if f.fail() {
		return false, errFailover
	}
	return f.Store.CreateResponse(ctx, r)
}

// callbackStore is a migrated SQLite store with a tenant and an approved
// agent, and newSent, which makes a request that went out to recipient on
// channel under the provider's message id sid.
func callbackStore(t *testing.T) (*store.Store, plaudit.Tenant, func(key, channel, recipient, sid string) plaudit.FeedbackRequest) {
	t.Helper()
	ctx := context.Background()
	kr, _ := keyring.New(keyring.RandomBytes(32), nil)
	st, err := store.Open(ctx, "", t.TempDir(), kr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.Migrate(ctx))
	tn := plaudit.Tenant{Name: "Callbacks", Settings: plaudit.DefaultSettings()}
	must(st.CreateTenant(ctx, &tn))
	ag := plaudit.Agent{TenantID: tn.ID, Email: "a@callbacks.example", Name: "Ann Agent", Approved: true}
	must(st.CreateAgent(ctx, &ag))
	newSent := func(key, channel, recipient, sid string) plaudit.FeedbackRequest {
		t.Helper()
		in := plaudit.Interaction{TenantID: tn.ID, Source: "api", DedupKey: key, ExternalID: key, Event: plaudit.EventSolved}
		_, err := st.InsertInteraction(ctx, &in)
		must(err)
		req := plaudit.FeedbackRequest{TenantID: tn.ID, InteractionID: in.ID, AgentID: ag.ID, TicketID: key,
			Channel: channel, Recipient: recipient, RecipientHash: keyring.AddressHash(tn.HashKey, recipient),
			Language: "en", Status: plaudit.RequestScheduled, DueAt: time.Now().Add(-time.Minute), Token: keyring.Token(24)}
		_, err = st.CreateRequest(ctx, &req)
		must(err)
		_, _, err = st.ClaimRequest(ctx, tn.ID, req.ID, time.Now())
		must(err)
		must(st.MarkRequestSent(ctx, tn.ID, req.ID, sid, time.Now().Add(-time.Minute)))
		return req
	}
	return st, tn, newSent
}

// postTwilio posts a form to s as Twilio does, signed with token.
func postTwilio(t *testing.T, s *server.Server, token, path string, form url.Values) int {
	t.Helper()
	r := httptest.NewRequest("POST", path, bytes.NewReader([]byte(form.Encode())))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Twilio-Signature", twilioSign(token, "https://fb.example"+path, form))
	resp, err := s.App().Test(r, -1)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A callback that failed after its id was recorded is handled when the
// provider retries it, not taken for a duplicate (and its effect lost).
func TestFailedCallbackIsHandledOnRetry(t *testing.T) {
	ctx := context.Background()
	st, tn, sent := callbackStore(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	newSent := func(key, phone, sid string) plaudit.FeedbackRequest { return sent(key, plaudit.ChannelSMS, phone, sid) }
	statusReq := newSent("T1", "+4915123456781", "SMstatus")
	replyReq := newSent("T2", "+4915123456782", "SMsent2")

	fs := &flakyStore{Store: st}
	s := server.New(server.Config{
		Store: fs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		PublicURL: "https://fb.example", TwilioAuthToken: "retry-token",
	})
	post := func(path string, form url.Values) int { return postTwilio(t, s, "retry-token", path, form) }

	// Twilio's status callback: the first delivery fails, its retry marks
	// the request delivered.
	statusPath := "/hooks/twilio/status?t=" + tn.ID + "&r=" + statusReq.ID
	status := url.Values{"MessageSid": {"SMstatus"}, "MessageStatus": {"delivered"}}
	fs.failures.Store(1)
	if code := post(statusPath, status); code < 500 || fs.failures.Load() != 0 {
		t.Fatalf("status callback during a store failure answered %d, want 5xx so that Twilio retries", code)
	}
	if code := post(statusPath, status); code/100 != 2 {
		t.Fatalf("retried status callback answered %d", code)
	}
	got, err := st.GetRequest(ctx, tn.ID, statusReq.ID)
	must(err)
	if got.Status != plaudit.RequestDelivered {
		t.Fatalf("after the retry the request is %q, want delivered", got.Status)
	}

	// A customer's SMS score: the first delivery fails, its retry records
	// the answer.
	sms := url.Values{"MessageSid": {"SMreply"}, "From": {"+4915123456782"}, "To": {"+15005550006"}, "Body": {"5"}}
	fs.failures.Store(1)
	if code := post("/hooks/twilio/sms", sms); code < 500 {
		t.Fatalf("SMS during a store failure answered %d, want 5xx so that Twilio retries", code)
	}
	if code := post("/hooks/twilio/sms", sms); code/100 != 2 {
		t.Fatalf("retried SMS answered %d", code)
	}
	resp, err := st.ResponseByRequest(ctx, tn.ID, replyReq.ID)
	must(err)
	if resp.Score != 5 {
		t.Fatalf("after the retry the response has score %d, want 5", resp.Score)
	}
}
