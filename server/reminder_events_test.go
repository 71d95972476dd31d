package server_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/server"
)

// The delivery events of a reminder leave the request as the first message
// left it, so that the link the customer has keeps working; an address
// that bounced hard or opted out is suppressed all the same.
func TestReminderEventsLeaveTheRequestOpen(t *testing.T) {
	ctx := context.Background()
	st, tn, sent := callbackStore(t)
	eventKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&eventKey.PublicKey)
	s := server.New(server.Config{
		Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		PublicURL: "https://fb.example", TwilioAuthToken: "tw-token",
		SendGridEventKey: base64.StdEncoding.EncodeToString(der),
	})
	postEvents := func(events ...map[string]string) int {
		t.Helper()
		body, _ := json.Marshal(events)
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		h := sha256.Sum256(append([]byte(ts), body...))
		sig, err := ecdsa.SignASN1(rand.Reader, eventKey, h[:])
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("POST", "/hooks/sendgrid/events", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Twilio-Email-Event-Webhook-Timestamp", ts)
		r.Header.Set("X-Twilio-Email-Event-Webhook-Signature", base64.StdEncoding.EncodeToString(sig))
		resp, err := s.App().Test(r, -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	status := func(r plaudit.FeedbackRequest) string {
		t.Helper()
		got, err := st.GetRequest(ctx, tn.ID, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	suppressed := func(addr string) bool {
		t.Helper()
		ok, err := st.IsSuppressed(ctx, tn.ID, keyring.AddressHash(tn.HashKey, addr), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}

	// Email: the reminder was blocked (a soft bounce), then dropped.
	mail := sent("E1", plaudit.ChannelEmail, "erika@example.org", "sg-first")
	event := func(id, ev, typ string) map[string]string {
		return map[string]string{"sg_event_id": id, "event": ev, "type": typ, "email": "erika@example.org",
			"request_id": mail.ID, "tenant_id": tn.ID, "message": "reminder"}
	}
	if code := postEvents(event("ev1", "bounce", "blocked")); code != 200 {
		t.Fatalf("event answered %d", code)
	}
	if got := status(mail); got != plaudit.RequestSent {
		t.Fatalf("a blocked reminder made the request %q, want it left sent", got)
	}
	if code := postEvents(event("ev2", "dropped", "")); code != 200 {
		t.Fatalf("event answered %d", code)
	}
	if got := status(mail); got != plaudit.RequestSent || !suppressed("erika@example.org") {
		t.Fatalf("a dropped reminder: request %q, suppressed %v; want sent and suppressed", got, suppressed("erika@example.org"))
	}
	// The same event about the first message does change the request.
	first := event("ev3", "bounce", "blocked")
	delete(first, "message")
	postEvents(first)
	if got := status(mail); got != plaudit.RequestFailed {
		t.Fatalf("a blocked first message left the request %q, want failed", got)
	}

	// SMS: the reminder was undelivered, then the number opted out (21610).
	sms := sent("S1", plaudit.ChannelSMS, "+4915123456783", "SMfirst")
	path := "/hooks/twilio/status?r=" + sms.ID + "&t=" + tn.ID + "&message=reminder"
	if code := postTwilio(t, s, "tw-token", path, url.Values{"MessageSid": {"SMrem"}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"}}); code/100 != 2 {
		t.Fatalf("status answered %d", code)
	}
	if got := status(sms); got != plaudit.RequestSent {
		t.Fatalf("an undelivered reminder made the request %q, want it left sent", got)
	}
	postTwilio(t, s, "tw-token", path, url.Values{"MessageSid": {"SMrem"}, "MessageStatus": {"failed"}, "ErrorCode": {"21610"}})
	if got := status(sms); got != plaudit.RequestSent || !suppressed("+4915123456783") {
		t.Fatalf("an opted-out reminder: request %q, suppressed %v; want sent and suppressed", got, suppressed("+4915123456783"))
	}
}
