package twilio

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
)

// listJSON is a page of Twilio's Message list, newest first.
func listJSON(t *testing.T, msgs ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"messages": msgs, "page": 0, "page_size": 50, "next_page_uri": nil,
		"uri": "/2010-04-01/Accounts/" + sid + "/Messages.json?PageSize=50&Page=0"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func listed(sid, body, service string, created time.Time) map[string]any {
	m := map[string]any{"sid": sid, "body": body, "to": "+4915112345678", "from": "+15557122661", "status": "queued",
		"date_created": created.UTC().Format(time.RFC1123Z), "date_sent": nil}
	if service != "" {
		m["messaging_service_sid"] = service
	}
	return m
}

// TestFindSMS: the look-up asks for messages to the number from the
// sender, and finds the one created since the claim whose body carries the
// request's link; older ones, other texts and other services' are not it.
func TestFindSMS(t *testing.T) {
	since := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	link := "https://fb.acme-help.com/f/Qm9vZ3J5aWQxMjM0NT"
	var query map[string]string
	page := listJSON(t,
		listed("SMreply", "Thanks! Anything to add?", "", since.Add(time.Minute)),
		listed("SMtaken", "Acme: How did Max do? "+link, "", since.Add(2*time.Second)),
		listed("SMold", "Acme: How did Max do? "+link, "", since.Add(-time.Hour)),
	)
	c := newClient(t, Config{From: "+15557122661"}, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/2010-04-01/Accounts/"+sid+"/Messages.json" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if u, p, ok := r.BasicAuth(); !ok || u != sid || p != token {
			t.Errorf("basic auth = %q %q %v", u, p, ok)
		}
		query = map[string]string{"To": r.URL.Query().Get("To"), "From": r.URL.Query().Get("From")}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(page)
	})
	got, err := c.FindSMS(context.Background(), notify.SMSQuery{To: "+4915112345678", Since: since, Contains: link})
	if err != nil {
		t.Fatal(err)
	}
	if got != "SMtaken" {
		t.Errorf("found %q, want SMtaken", got)
	}
	if query["To"] != "+4915112345678" || query["From"] != "+15557122661" {
		t.Errorf("query = %v", query)
	}
	// Nothing since a later claim.
	got, err = c.FindSMS(context.Background(), notify.SMSQuery{To: "+4915112345678", Since: since.Add(time.Hour), Contains: link})
	if err != nil || got != "" {
		t.Errorf("after the message: %q %v, want none", got, err)
	}
	// Another request's link is not this one.
	got, err = c.FindSMS(context.Background(), notify.SMSQuery{To: "+4915112345678", Since: since, Contains: "/f/other"})
	if err != nil || got != "" {
		t.Errorf("other link: %q %v, want none", got, err)
	}
}

// TestFindSMSMessagingService: a Messaging Service picks the number, so
// the list is not filtered by From and the service is matched instead.
func TestFindSMSMessagingService(t *testing.T) {
	const service, other = "MG0123456789abcdef0123456789abcdef", "MGffffffffffffffffffffffffffffffff"
	since := time.Now().Add(-time.Minute)
	var from string
	c := newClient(t, Config{MessagingServiceSID: service}, func(w http.ResponseWriter, r *http.Request) {
		from = r.URL.Query().Get("From")
		_, _ = w.Write(listJSON(t, listed("SMother", "link /f/tok", other, since.Add(time.Second)),
			listed("SMours", "link /f/tok", service, since.Add(time.Second))))
	})
	got, err := c.FindSMS(context.Background(), notify.SMSQuery{To: "+4915112345678", Since: since, Contains: "/f/tok"})
	if err != nil || got != "SMours" || from != "" {
		t.Errorf("found %q %v (From filter %q), want SMours without a From filter", got, err, from)
	}
}

// TestFindSMSFailure: when Twilio cannot answer, the look-up says so (the
// caller must not take that for "not sent"), without personal data.
func TestFindSMSFailure(t *testing.T) {
	c := newClient(t, Config{From: "+15557122661"}, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	_, err := c.FindSMS(context.Background(), notify.SMSQuery{To: "+4915112345678", Since: time.Now(), Contains: "/f/tok"})
	if err == nil || plaudit.IsPermanent(err) {
		t.Fatalf("err = %v, want a retryable error", err)
	}
	noPersonalData(t, err)
}

// A Twilio that cannot be reached: the error says so without the list's
// URL, whose query names the customer's number.
func TestFindSMSUnreachable(t *testing.T) {
	c := newClient(t, Config{From: "+15557122661", BaseURL: "http://127.0.0.1:1"}, func(w http.ResponseWriter, r *http.Request) {})
	_, err := c.FindSMS(context.Background(), notify.SMSQuery{To: "+4915112345678", Since: time.Now(), Contains: "/f/tok"})
	if err == nil || plaudit.IsPermanent(err) {
		t.Fatalf("err = %v, want a retryable error", err)
	}
	if strings.Contains(err.Error(), "%2B49") || strings.Contains(err.Error(), "To=") {
		t.Errorf("error %q carries the list's query", err)
	}
	noPersonalData(t, err)
}
