package gladly

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
	"github.com/plaudit/plaudit/internal/fakeapi"
)

const (
	testUser     = "plaudit-api@nordlicht.example"
	testToken    = "gl-api-token-7Qm2"
	hookUser     = "plaudit-webhook"
	hookPassword = "fxdUfTcejVxVs9bQ8DizKccq"
	conversation = "aGaHXjD4li-moMR8LbULZb"
	customer     = "THx8Z8y-ScuMoqBH8Awtng"
	agent        = "zGaHXjD4SR-moMR9LbULDa"
)

var wantAuth = "Basic " + base64.StdEncoding.EncodeToString([]byte(testUser+":"+testToken))

var (
	fixture   = fakeapi.Fixture
	wantError = fakeapi.WantError
)

type (
	call   = fakeapi.Call
	answer = fakeapi.Answer
)

var ok = fakeapi.OK

// newFake plays the Gladly REST API; routes it does not know answer 404
// with Gladly's error body.
func newFake(t *testing.T, routes map[string]answer) *fakeapi.Server {
	return fakeapi.New(t, routes, `{"errors":[{"code":"not_exist","detail":"conversation does not exist"}]}`)
}

func newClient(t testing.TB, baseURL string, extra map[string]any) *Client {
	t.Helper()
	if baseURL == "" {
		baseURL = "https://nordlicht.gladly.com"
	}
	cfg := map[string]any{"base_url": baseURL, "api_user": testUser, "webhook_username": hookUser}
	for k, v := range extra {
		cfg[k] = v
	}
	raw, _ := json.Marshal(cfg)
	c, err := NewClient(plaudit.Connector{
		ID: "con_1", Kind: Name, Config: raw,
		Secrets: map[string]string{SecretAPIToken: testToken, SecretWebhookPassword: hookPassword},
	}, plaudit.DriverDeps{HTTP: egress.NewClient(egress.Options{AllowPrivate: true, Timeout: 5 * time.Second})})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// delivery is a body sent with the webhook's basic-auth credentials, as
// Gladly sends them.
func delivery(body []byte, user, password string) plaudit.Delivery {
	d := plaudit.Delivery{Header: http.Header{}, Body: body, Now: time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)}
	d.Header.Set("Content-Type", "application/json")
	(&http.Request{Header: d.Header}).SetBasicAuth(user, password)
	return d
}
