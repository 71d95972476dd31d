package freshdesk

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
)

const (
	testKey    = "fd-api-key-5xQ2"
	testSecret = "whk-9d41c6e2b7a84f55"
)

var testNow = time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// call is one request the fake Freshdesk received.
type call struct {
	Method, Path, Auth, ContentType string
	Body                            string
}

// answer is what the fake gives for "METHOD /path?query".
type answer struct {
	Status int
	Header map[string]string
	Body   string
}

// fakeFreshdesk speaks enough of the Freshdesk API v2 for the driver: it
// answers each route as scripted (404 with Freshdesk's error body for
// routes it does not know) and records every request.
type fakeFreshdesk struct {
	*httptest.Server
	mu     sync.Mutex
	routes map[string]answer
	calls  []call
}

func newFake(t *testing.T, routes map[string]answer) *fakeFreshdesk {
	f := &fakeFreshdesk{routes: routes}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		key := r.Method + " " + r.URL.RequestURI()
		f.mu.Lock()
		f.calls = append(f.calls, call{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(b)})
		a, ok := f.routes[key]
		f.mu.Unlock()
		if !ok {
			a = answer{Status: 404, Body: `{"code":"not_found","message":"Record not found"}`}
		}
		for k, v := range a.Header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(a.Status)
		_, _ = io.WriteString(w, a.Body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeFreshdesk) Calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

func newClient(t testing.TB, baseURL string, extra map[string]any) *Client {
	t.Helper()
	cfg := map[string]any{"domain": "nordlicht"}
	if baseURL != "" {
		cfg["base_url"] = baseURL
	}
	for k, v := range extra {
		cfg[k] = v
	}
	raw, _ := json.Marshal(cfg)
	c, err := NewClient(plaudit.Connector{
		ID: "con_1", Kind: Name, Config: raw,
		Secrets: map[string]string{SecretAPIKey: testKey, SecretWebhookSecret: testSecret},
	}, plaudit.DriverDeps{HTTP: egress.NewClient(egress.Options{AllowPrivate: true, Timeout: 5 * time.Second})})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// delivery is a body sent with the secret header, as the set-up guide has
// the admin configure it.
func delivery(body []byte, secret string) plaudit.Delivery {
	h := http.Header{}
	h.Set(HeaderSecret, secret)
	h.Set("Content-Type", "application/json")
	return plaudit.Delivery{Header: h, Body: body, Now: testNow}
}

func wantError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var e *plaudit.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *plaudit.Error %s", err, code)
	}
	if e.Code != code || (msg != "" && e.Message != msg) {
		t.Fatalf("err = %s %q, want %s %q", e.Code, e.Message, code, msg)
	}
}
