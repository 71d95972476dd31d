package server_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/server"
	"github.com/plaudit/plaudit/store"
)

// fuzzServer is a server on a real SQLite store with one request that was
// sent and can be answered, for fuzzing the public forms.
func fuzzServer(f *testing.F) (*server.Server, string) {
	ctx := context.Background()
	kr, _ := keyring.New(keyring.RandomBytes(32), nil)
	st, err := store.Open(ctx, "", f.TempDir(), kr)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		f.Fatal(err)
	}
	tn := plaudit.Tenant{Name: "Fuzz", Settings: plaudit.DefaultSettings()}
	must := func(err error) {
		if err != nil {
			f.Fatal(err)
		}
	}
	must(st.CreateTenant(ctx, &tn))
	ag := plaudit.Agent{TenantID: tn.ID, Email: "a@fuzz.example", Name: "Ann Agent", Approved: true}
	must(st.CreateAgent(ctx, &ag))
	in := plaudit.Interaction{TenantID: tn.ID, Source: "api", DedupKey: "d1", ExternalID: "T1", Event: plaudit.EventSolved}
	_, err = st.InsertInteraction(ctx, &in)
	must(err)
	req := plaudit.FeedbackRequest{TenantID: tn.ID, InteractionID: in.ID, AgentID: ag.ID, TicketID: "T1",
		Channel: plaudit.ChannelSMS, Recipient: "+4915123456789", Language: "en", Status: plaudit.RequestScheduled,
		DueAt: time.Now().Add(-time.Minute), Token: keyring.Token(24)}
	_, err = st.CreateRequest(ctx, &req)
	must(err)
	_, claimed, err := st.ClaimRequest(ctx, tn.ID, req.ID, time.Now())
	must(err)
	if !claimed {
		f.Fatal("request not claimed")
	}
	must(st.MarkRequestSent(ctx, tn.ID, req.ID, "SM1", time.Now().Add(-time.Hour)))
	s := server.New(server.Config{
		Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		PublicURL: "https://fb.example", TwilioAuthToken: "fuzz-token",
	})
	return s, req.Token
}

// FuzzFeedbackForm posts arbitrary form bodies to the feedback page: any
// input gets a clear answer (redirect, 4xx page), never a server error.
func FuzzFeedbackForm(f *testing.F) {
	s, token := fuzzServer(f)
	for _, seed := range []string{"score=5", "score=0", "score=-1", "score=99999999999999999999", "step=more&comment=danke&excellence=fast&excellence=fast&reward=yes",
		"step=more&improvement=speed&comment=" + url.QueryEscape(string(bytes.Repeat([]byte("ü"), 3000))), "score=%ff%fe", "score=5&score=1", "score=3&auto=1", "auto=1", "score=2&auto=1&auto=0", ""} {
		f.Add(seed, "application/x-www-form-urlencoded")
	}
	f.Add("--b\r\nContent-Disposition: form-data; name=\"score\"\r\n\r\n4\r\n--b--\r\n", "multipart/form-data; boundary=b")
	f.Fuzz(func(t *testing.T, body, contentType string) {
		r := httptest.NewRequest("POST", "/f/"+token, bytes.NewReader([]byte(body)))
		r.Header.Set("Content-Type", contentType)
		resp, err := s.App().Test(r, -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("POST /f/{token} %q (%s): %d", body, contentType, resp.StatusCode)
		}
	})
}

// twilioSign makes X-Twilio-Signature as Twilio does: HMAC-SHA1 over the
// URL followed by the sorted parameters' names and values.
func twilioSign(token, u string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := []byte(u)
	for _, k := range keys {
		b = append(b, k...)
		b = append(b, form.Get(k)...)
	}
	m := hmac.New(sha1.New, []byte(token))
	m.Write(b)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// FuzzTwilioSMS sends signed inbound SMS with arbitrary senders and
// bodies: the answer is TwiML or a clear refusal, never a server error.
func FuzzTwilioSMS(f *testing.F) {
	s, _ := fuzzServer(f)
	for _, seed := range [][2]string{{"+4915123456789", "5"}, {"+4915123456789", "fünf Sterne, super"}, {"+4915123456789", "STOP"},
		{"+4915123456789", "HELP"}, {"+4915123456789", "★★★★"}, {"not a number", "5"}, {"", ""}, {"+1", "\x00\xff"}} {
		f.Add(seed[0], seed[1], "SM"+seed[1])
	}
	f.Fuzz(func(t *testing.T, from, body, sid string) {
		form := url.Values{"From": {from}, "Body": {body}, "MessageSid": {sid}, "To": {"+15005550006"}}
		r := httptest.NewRequest("POST", "/hooks/twilio/sms", bytes.NewReader([]byte(form.Encode())))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Twilio-Signature", twilioSign("fuzz-token", "https://fb.example/hooks/twilio/sms", form))
		resp, err := s.App().Test(r, -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("SMS from %q %q: %d", from, body, resp.StatusCode)
		}
	})
}
