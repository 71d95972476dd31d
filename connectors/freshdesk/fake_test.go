package freshdesk

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
	"github.com/plaudit/plaudit/internal/fakeapi"
)

const (
	testKey    = "fd-api-key-5xQ2"
	testSecret = "whk-9d41c6e2b7a84f55"
)

var testNow = time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)

var (
	fixture   = fakeapi.Fixture
	wantError = fakeapi.WantError
)

type (
	call   = fakeapi.Call
	answer = fakeapi.Answer
)

// newFake plays the Freshdesk API v2; routes it does not know answer 404
// with Freshdesk's error body.
func newFake(t *testing.T, routes map[string]answer) *fakeapi.Server {
	return fakeapi.New(t, routes, `{"code":"not_found","message":"Record not found"}`)
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
