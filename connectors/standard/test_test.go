package standard

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
)

// TestTest: with a callback_url, the connector test sends a signed
// "connector.test" event that the receiver verifies with the library, as
// a tenant's own system would, and passes on a 2xx.
func TestTest(t *testing.T) {
	rv := &receiver{secrets: []string{cbCurrent}}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	c := newClient(t, map[string]any{"callback_url": srv.URL + "/plaudit"},
		map[string]string{SecretSigningSecret: secretCurrent, SecretCallbackSecret: cbCurrent})
	c.now = time.Now
	if err := c.Test(context.Background()); err != nil {
		t.Fatal(err)
	}
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if len(rv.errs) > 0 || len(rv.got) != 1 {
		t.Fatalf("receiver: %v, %d events", rv.errs, len(rv.got))
	}
	if got := rv.got[0]; got.Type != EventConnectorTest || !got.Data.Test || got.Data.ResponseID != "" {
		t.Errorf("event %+v, want a connector.test event marked test, about no response", got)
	}
	if id := rv.headers[0].Get("webhook-id"); !strings.HasPrefix(id, "test_") || len(id) < 20 {
		t.Errorf("webhook-id %q, want a fresh test_ id", id)
	}
}

// TestTestWords: what the receiver answers, in plain words.
func TestTestWords(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
		words  string
	}{
		{204, "", ""},
		{200, "", ""},
		{401, plaudit.EInvalid, "the callback receiver refused the signed test event (401): check that it verifies signatures with config.callback_secret"},
		{403, plaudit.EInvalid, "the callback receiver refused the signed test event (403)"},
		{404, plaudit.EInvalid, "nothing takes the test event at config.callback_url (404)"},
		{302, plaudit.EInvalid, "config.callback_url redirects (302), and Plaudit does not follow redirects"},
		{400, plaudit.EInvalid, "the callback receiver refused the signed test event (400): it must answer 2xx, also to event types it does not handle"},
		{429, plaudit.EUnavailable, "the callback receiver is rate limiting this account (429)"},
		{503, plaudit.EUnavailable, "the callback receiver answered with an error (503 service unavailable)"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.status == 302 {
				w.Header().Set("Location", "https://elsewhere.example/")
			}
			w.WriteHeader(tc.status)
		}))
		c := newClient(t, map[string]any{"callback_url": srv.URL}, map[string]string{SecretSigningSecret: secretCurrent, SecretCallbackSecret: cbCurrent})
		conntest.WantTestResult(t, c.Test(context.Background()), tc.code, tc.words, cbCurrent, "127.0.0.1")
		srv.Close()
	}

	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c := newClient(t, map[string]any{"callback_url": srv.URL}, map[string]string{SecretSigningSecret: secretCurrent, SecretCallbackSecret: cbCurrent})
	conntest.WantTestResult(t, c.Test(context.Background()), plaudit.EUnavailable,
		"the callback receiver did not answer: check config.callback_url", "127.0.0.1")
}

// TestTestWithoutCallback: a connector that only receives has nothing to
// call, and the test says so instead of passing silently or failing.
func TestTestWithoutCallback(t *testing.T) {
	c := newClient(t, map[string]any{}, map[string]string{SecretSigningSecret: secretCurrent})
	err := c.Test(context.Background())
	var nothing *plaudit.NothingToTest
	if !errors.As(err, &nothing) || !strings.Contains(nothing.Reason, "no callback_url") || !strings.Contains(nothing.Reason, "signing_secret") {
		t.Fatalf("err = %v, want NothingToTest naming callback_url and signing_secret", err)
	}
}
