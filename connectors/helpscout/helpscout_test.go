package helpscout

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
	"github.com/plaudit/plaudit/egress"
)

const (
	testSecret    = "hs-webhook-secret-40chars"
	testAppID     = "k2JdX9qQpL0rS3tU5vW7"
	testAppSecret = "s3cr3tAppSecretForHelpScout"
)

// testNow is a minute after the fixture's conversation was closed.
var testNow = time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newClient(t testing.TB, baseURL string, extra map[string]any) *Client {
	t.Helper()
	cfg := map[string]any{"app_id": testAppID}
	if baseURL != "" {
		cfg["base_url"] = baseURL
	}
	for k, v := range extra {
		cfg[k] = v
	}
	raw, _ := json.Marshal(cfg)
	c, err := NewClient(plaudit.Connector{ID: "con_1", Kind: Name, Config: raw,
		Secrets: map[string]string{SecretAppSecret: testAppSecret, SecretWebhookSecret: testSecret, SecretWebhookSecretPrevious: "old-secret"},
	}, plaudit.DriverDeps{HTTP: egress.NewClient(egress.Options{AllowPrivate: true, Timeout: 5 * time.Second})})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func signed(event string, body []byte, secret string) plaudit.Delivery {
	h := http.Header{}
	h.Set(HeaderSignature, Sign([]byte(secret), body))
	h.Set(HeaderEvent, event)
	return plaudit.Delivery{Header: h, Body: body, Now: testNow}
}

// TestSignatureKnownAnswer checks Sign against a signature computed
// independently (openssl dgst -sha1 -hmac … -binary | base64), as Help
// Scout's PHP example computes it.
func TestSignatureKnownAnswer(t *testing.T) {
	body := []byte(`{"id":1,"status":"closed"}`)
	const want = "JEIGZk8a7P8tS4Be3K2NPeK0Sa4="
	if got := Sign([]byte(testSecret), body); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	if err := Verify([][]byte{[]byte(testSecret)}, want, body); err != nil {
		t.Fatal(err)
	}
}

func TestReceiveSignature(t *testing.T) {
	c := newClient(t, "", nil)
	ctx := context.Background()
	body := fixture(t, "convo-status-closed.json")
	for _, secret := range []string{testSecret, "old-secret"} {
		if _, err := c.Receive(ctx, signed("convo.status", body, secret)); err != nil {
			t.Fatalf("%s: %v", secret, err)
		}
	}
	_, err := c.Receive(ctx, signed("convo.status", body, "another"))
	conntest.WantError(t, err, plaudit.EUnauthorized, "signature does not match")

	d := signed("convo.status", body, testSecret)
	d.Body = []byte(strings.Replace(string(body), `"status": "closed"`, `"status": "active"`, 1))
	_, err = c.Receive(ctx, d)
	conntest.WantError(t, err, plaudit.EUnauthorized, "signature does not match")

	d = signed("convo.status", body, testSecret)
	d.Header.Del(HeaderSignature)
	_, err = c.Receive(ctx, d)
	conntest.WantError(t, err, plaudit.EUnauthorized, "signature header is missing")
	d.Header.Set(HeaderSignature, "%%%")
	_, err = c.Receive(ctx, d)
	conntest.WantError(t, err, plaudit.EUnauthorized, "signature does not match")

	_, err = c.Receive(ctx, signed("convo.status", []byte("not json"), "wrong"))
	conntest.WantError(t, err, plaudit.EUnauthorized, "")

	// A "closed" delivery replayed days later is refused: its closedAt
	// is signed.
	late := signed("convo.status", body, testSecret)
	late.Now = testNow.Add(MaxAge + time.Minute)
	_, err = c.Receive(ctx, late)
	conntest.WantError(t, err, plaudit.EUnauthorized, "delivery is stale")
	retried := signed("convo.status", body, testSecret)
	retried.Now = testNow.Add(6 * time.Hour)
	if _, err := c.Receive(ctx, retried); err != nil {
		t.Errorf("a retry hours later: %v", err)
	}
}

func TestReceiveClosed(t *testing.T) {
	c := newClient(t, "", nil)
	events, err := c.Receive(context.Background(), signed("convo.status", fixture(t, "convo-status-closed.json"), testSecret))
	if err != nil {
		t.Fatal(err)
	}
	const key = "2391938111:closed:2026-11-28T17:59:12Z"
	want := plaudit.Interaction{
		Source: "helpscout", DedupKey: key, ExternalID: "2391938111", Event: plaudit.EventSolved, Channel: "email",
		Customer:    plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org"},
		Agent:       plaudit.AgentRef{ExternalID: "532198", Email: "jonas.weber@nordlicht.example", Name: "Jonas Weber"},
		Tags:        []string{"booking", "vip customer"},
		NeedsEnrich: true,
	}
	if len(events) != 1 || events[0].DedupKey != key || !reflect.DeepEqual(events[0].Interaction, want) {
		t.Errorf("events\n got %+v\nwant %+v", events, want)
	}

	body := string(fixture(t, "convo-status-closed.json"))
	for _, tc := range []struct {
		event, body, want string
		n                 int
	}{
		{"convo.status", strings.Replace(body, `"status": "closed"`, `"status": "active"`, 1), plaudit.EventReopened, 1},
		{"convo.status", strings.Replace(body, `"status": "closed"`, `"status": "pending"`, 1), plaudit.EventReopened, 1},
		{"convo.status", strings.Replace(body, `"status": "closed"`, `"status": "spam"`, 1), "", 0},
		{"convo.customer.reply.created", strings.Replace(body, `"status": "closed"`, `"status": "active"`, 1), plaudit.EventReopened, 1},
		{"convo.assigned", body, "", 0},
		{"convo.deleted", `{"id":2391938111}`, "", 0},
		{"customer.created", `{"id":1,"firstName":"A"}`, "", 0},
		{"satisfaction.ratings", `{"id":5,"rating":"Great"}`, "", 0},
	} {
		evs, err := Parse(tc.event, []byte(tc.body), testNow)
		if err != nil || len(evs) != tc.n || (tc.n == 1 && (evs[0].Interaction.Event != tc.want || evs[0].Interaction.NeedsEnrich)) {
			t.Errorf("%s: %+v %v", tc.event, evs, err)
		}
	}
	// Closed again later: another key. Without userUpdatedAt: the body's hash.
	again, _ := Parse("convo.status", []byte(strings.ReplaceAll(body, "2026-11-28T17:59:12Z", "2026-11-28T17:59:40Z")), testNow)
	if again[0].DedupKey != "2391938111:closed:2026-11-28T17:59:40Z" {
		t.Errorf("key %q", again[0].DedupKey)
	}
	nokey, _ := Parse("convo.status", []byte(`{"id":7,"status":"closed"}`), testNow)
	if len(nokey[0].DedupKey) != 64 {
		t.Errorf("key %q", nokey[0].DedupKey)
	}
	// Unassigned: the user who closed it.
	evs, _ := Parse("convo.status", []byte(`{"id":7,"status":"closed","type":"chat","closedByUser":{"id":9,"first":"Mia","last":"Sommer","email":"mia@nordlicht.example"}}`), testNow)
	if a := evs[0].Interaction.Agent; a != (plaudit.AgentRef{ExternalID: "9", Name: "Mia Sommer", Email: "mia@nordlicht.example"}) || evs[0].Interaction.Channel != "chat" {
		t.Errorf("closed by: %+v", evs[0].Interaction)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ event, body, msg string }{
		{"", `{"id":1,"status":"closed"}`, "X-HelpScout-Event header is required"},
		{"convo.status", ``, "body is not valid JSON"},
		{"convo.status", `[]`, "body must be a JSON object"},
		{"convo.status", `null`, "body must be a JSON object"},
		{"convo.status", `{"status":"closed"}`, "id is required"},
		{"convo.status", `{"id":"12/notes","status":"closed"}`, "id must be a number"},
		{"convo.status", `{"id":1,"status":"closed","assignee":{"id":"x"}}`, "assignee.id must be a number"},
		{"convo.status", `{"id":1,"status":"closed","closedAt":"yesterday"}`, "closedAt must be a time (RFC 3339)"},
		{"convo.status", `{"id":1,"status":"closed","primaryCustomer":"Anna"}`, "primaryCustomer must be an object"},
	} {
		_, err := Parse(tc.event, []byte(tc.body), testNow)
		conntest.WantError(t, err, plaudit.EInvalid, tc.msg)
	}
}

func TestValidate(t *testing.T) {
	k := Kind()
	good := map[string]string{SecretAppSecret: "s", SecretWebhookSecret: "w"}
	for _, tc := range []struct {
		config  string
		secrets map[string]string
		msg     string
	}{
		{`{"app_id":"k2JdX9qQ"}`, good, ""},
		{`{"app_id":"k2JdX9qQ","rating_field_id":8813,"comment_field_id":8814,"tags":["plaudit rated"],"base_url":"https://api.helpscout.net"}`, good, ""},
		{`{}`, good, "config.app_id is required"},
		{`{"app_id":"k2J dX"}`, good, "config.app_id must be the App ID that Help Scout shows (letters and digits)"},
		{`{"app_id":"a","base_url":"http://api.helpscout.net"}`, good, "config.base_url must be an https URL"},
		{`{"app_id":"a","rating_field_id":"8813"}`, good, "config.rating_field_id must be a whole number"},
		{`{"app_id":"a","rating_field_id":-1}`, good, "config.rating_field_id must be a positive number"},
		{`{"app_id":"a","rating_field_id":5,"comment_field_id":5}`, good, "config.comment_field_id must differ from config.rating_field_id"},
		{`{"app_id":"a"}`, map[string]string{SecretWebhookSecret: "w"}, "config.app_secret is required"},
		{`{"app_id":"a"}`, map[string]string{SecretAppSecret: "s"}, "config.webhook_secret is required"},
	} {
		conntest.WantMessage(t, "Validate("+tc.config+")", k.Validate(json.RawMessage(tc.config), tc.secrets), tc.msg)
	}
	if c := newClient(t, "", nil); c.cfg.BaseURL != DefaultBaseURL {
		t.Errorf("default base %q", c.cfg.BaseURL)
	}
}
