// Package conntest holds what the tests of connector kinds share: checks
// of Plaudit's error contract, and a fake helpdesk API that records what
// it was asked.
package conntest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
	"github.com/plaudit/plaudit/internal/fakeapi"
)

// HTTP is the egress client as tests use it: loopback allowed.
func HTTP() *http.Client {
	return egress.NewClient(egress.Options{AllowPrivate: true, Timeout: 5 * time.Second})
}

// WantError fails unless err is an *plaudit.Error with code and, when msg
// is not empty, that message (fakeapi.WantError, which tests outside
// connectors/ use too).
func WantError(t testing.TB, err error, code, msg string) {
	t.Helper()
	fakeapi.WantError(t, err, code, msg)
}

// WantPermanent fails unless err is a PermanentError with reason.
func WantPermanent(t testing.TB, err error, reason string) {
	t.Helper()
	var p *plaudit.PermanentError
	if !errors.As(err, &p) || p.Reason != reason {
		t.Fatalf("err = %v, want permanent %q", err, reason)
	}
}

// WantFailure checks a failed call against the error contract: a
// RetryAfterError of retryAfter (> 0), a PermanentError with reason
// permanent (!= ""), or else a plain error that the queue retries.
func WantFailure(t testing.TB, err error, retryAfter time.Duration, permanent string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	after, isRetryAfter := plaudit.RetryAfter(err)
	switch {
	case retryAfter > 0:
		if !isRetryAfter || after != retryAfter || plaudit.IsPermanent(err) {
			t.Errorf("err = %v, want retry after %s", err, retryAfter)
		}
	case permanent != "":
		if isRetryAfter {
			t.Errorf("err = %v, want permanent", err)
		}
		WantPermanent(t, err, permanent)
	default:
		if plaudit.IsPermanent(err) || isRetryAfter {
			t.Errorf("err = %v, want a plain retryable error", err)
		}
	}
}

// NoneOf fails when err's text holds any of private (personal data, a
// credential).
func NoneOf(t testing.TB, err error, private ...string) {
	t.Helper()
	for _, p := range private {
		if err != nil && strings.Contains(err.Error(), p) {
			t.Errorf("error %q carries %q", err, p)
		}
	}
}

// JSONEqual fails unless got is the JSON value want.
func JSONEqual(t testing.TB, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

// API is a fake helpdesk API: it records each request, then lets Answer
// answer it.
type API struct {
	mu     sync.Mutex
	Reqs   []string // "METHOD /path?query"
	Bodies [][]byte
	Auth   []string // Authorization headers
	Answer http.HandlerFunc
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	a.Reqs = append(a.Reqs, r.Method+" "+r.URL.RequestURI())
	a.Bodies = append(a.Bodies, body)
	a.Auth = append(a.Auth, r.Header.Get("Authorization"))
	a.mu.Unlock()
	a.Answer(w, r)
}

// Start serves the fake until the test ends and returns its URL.
func (a *API) Start(t testing.TB) string {
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Reset forgets the requests recorded so far.
func (a *API) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.Reqs, a.Bodies, a.Auth = nil, nil, nil
}

// TransportFailures checks how a driver's call fails when no answer
// comes: a server that does not answer in time is tried again, an address
// the egress policy refuses is permanent (it is refused on every retry).
// call builds the driver for base and client, and makes the call.
func TransportFailures(t *testing.T, call func(ctx context.Context, base string, client *http.Client) error) {
	t.Helper()
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := call(ctx, srv.URL, HTTP()); err == nil || plaudit.IsPermanent(err) {
		t.Errorf("timeout: err = %v, want retryable", err)
	}
	err := call(context.Background(), srv.URL, egress.NewClient(egress.Options{}))
	if !errors.Is(err, egress.ErrForbiddenAddress) || !plaudit.IsPermanent(err) {
		t.Errorf("forbidden address: err = %v", err)
	}
}

// WantTestResult checks a connector test's outcome (plaudit.Tester): nil
// when code is "", else an *plaudit.Error of code whose message starts
// with words and holds none of private (a credential, the configured
// address).
func WantTestResult(t testing.TB, err error, code, words string, private ...string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Errorf("test failed: %v", err)
		}
		return
	}
	var e *plaudit.Error
	if !errors.As(err, &e) || e.Code != code || !strings.HasPrefix(e.Message, words) {
		t.Errorf("err = %v, want %s %q…", err, code, words)
		return
	}
	NoneOf(t, err, private...)
}

// WantStale fails unless err refuses a stale signature timestamp and says
// what the sender needs to mend it: the window and the server's time.
func WantStale(t testing.TB, err error) {
	t.Helper()
	var e *plaudit.Error
	if !errors.As(err, &e) || e.Code != plaudit.EUnauthorized ||
		!strings.HasPrefix(e.Message, "signature timestamp is stale: ") || !strings.Contains(e.Message, "at most 5 minutes") ||
		!strings.Contains(e.Message, "the server's time (") {
		t.Fatalf("err = %v, want unauthorized: signature timestamp is stale, with the window and the server's time", err)
	}
}
