package front

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
	"github.com/plaudit/plaudit/egress"
)

const (
	testSecret = "front-app-secret"
	testToken  = "eyJhbGciOiJIUzI1NiJ9.front-token"
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

func newClient(t testing.TB, baseURL string, extra map[string]any) *Client {
	t.Helper()
	cfg := map[string]any{}
	if baseURL != "" {
		cfg["base_url"] = baseURL
	}
	for k, v := range extra {
		cfg[k] = v
	}
	raw, _ := json.Marshal(cfg)
	c, err := NewClient(plaudit.Connector{ID: "con_1", Kind: Name, Config: raw,
		Secrets: map[string]string{SecretAPIToken: testToken, SecretAppSecret: testSecret, SecretAppSecretPrevious: "old-secret"},
	}, plaudit.DriverDeps{HTTP: egress.NewClient(egress.Options{AllowPrivate: true, Timeout: 5 * time.Second})})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func stamp(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func signed(body []byte, at time.Time, secret string) plaudit.Delivery {
	h := http.Header{}
	h.Set(HeaderTimestamp, stamp(at))
	h.Set(HeaderSignature, Sign([]byte(secret), stamp(at), body))
	return plaudit.Delivery{Header: h, Body: body, Now: testNow}
}

// TestSignatureKnownAnswer checks Sign against a signature computed
// independently (openssl dgst -sha256 -hmac) over timestamp + ":" + body,
// as Front's application webhooks sign.
func TestSignatureKnownAnswer(t *testing.T) {
	body := []byte(`{"type":"sync"}`)
	const want = "yy/B3tu+744WPt+C/KySTTb9ADzGzDzSOgcEUanekaA="
	if got := Sign([]byte(testSecret), "1795888800000", body); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	if err := Verify([][]byte{[]byte(testSecret)}, want, "1795888800000", body, testNow); err != nil {
		t.Fatal(err)
	}
}

func TestReceiveSignature(t *testing.T) {
	c := newClient(t, "", nil)
	ctx := context.Background()
	body := fixture(t, "app-event-archive.json")
	for _, d := range []plaudit.Delivery{
		signed(body, testNow.Add(-30*time.Second), testSecret),
		signed(body, testNow.Add(4*time.Minute), testSecret),
		signed(body, testNow, "old-secret"),
	} {
		if _, err := c.Receive(ctx, d); err != nil {
			t.Fatalf("good delivery: %v", err)
		}
	}
	_, err := c.Receive(ctx, signed(body, testNow, "another-secret"))
	conntest.WantError(t, err, plaudit.EUnauthorized, "signature does not match")

	d := signed(body, testNow, testSecret)
	d.Body = []byte(strings.Replace(string(body), "cnv_1q9zt2b", "cnv_1q9zt2x", 1))
	_, err = c.Receive(ctx, d)
	conntest.WantError(t, err, plaudit.EUnauthorized, "signature does not match")

	_, err = c.Receive(ctx, signed(body, testNow.Add(-6*time.Minute), testSecret))
	conntest.WantStale(t, err)
	_, err = c.Receive(ctx, signed(body, testNow.Add(6*time.Minute), testSecret))
	conntest.WantStale(t, err)

	// The timestamp is signed: moving it into the window breaks the
	// signature.
	d = signed(body, testNow.Add(-time.Hour), testSecret)
	d.Header.Set(HeaderTimestamp, stamp(testNow))
	_, err = c.Receive(ctx, d)
	conntest.WantError(t, err, plaudit.EUnauthorized, "signature does not match")

	// Seconds instead of milliseconds, correctly signed: stale.
	sec := strconv.FormatInt(testNow.Unix(), 10)
	d = plaudit.Delivery{Header: http.Header{}, Body: body, Now: testNow}
	d.Header.Set(HeaderTimestamp, sec)
	d.Header.Set(HeaderSignature, Sign([]byte(testSecret), sec, body))
	_, err = c.Receive(ctx, d)
	conntest.WantStale(t, err)

	for _, h := range []string{HeaderSignature, HeaderTimestamp} {
		d = signed(body, testNow, testSecret)
		d.Header.Del(h)
		_, err = c.Receive(ctx, d)
		conntest.WantError(t, err, plaudit.EUnauthorized, "signature headers are missing")
	}
	d = signed(body, testNow, testSecret)
	d.Header.Set(HeaderSignature, "%%%")
	_, err = c.Receive(ctx, d)
	conntest.WantError(t, err, plaudit.EUnauthorized, "signature does not match")

	_, err = c.Receive(ctx, signed([]byte("not json"), testNow, "wrong"))
	conntest.WantError(t, err, plaudit.EUnauthorized, "")
}

func TestReceiveArchive(t *testing.T) {
	c := newClient(t, "", nil)
	events, err := c.Receive(context.Background(), signed(fixture(t, "app-event-archive.json"), testNow, testSecret))
	if err != nil {
		t.Fatal(err)
	}
	want := plaudit.Interaction{
		Source: "front", DedupKey: "evt_2b7c4d91", ExternalID: "cnv_1q9zt2b", Event: plaudit.EventSolved, Channel: "email",
		Customer:    plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org"},
		Agent:       plaudit.AgentRef{ExternalID: "tea_6x1k", Email: "jonas.weber@nordlicht.example", Name: "Jonas Weber"},
		Tags:        []string{"booking", "VIP customer"},
		NeedsEnrich: true,
	}
	if len(events) != 1 || events[0].DedupKey != "evt_2b7c4d91" || !reflect.DeepEqual(events[0].Interaction, want) {
		t.Errorf("events\n got %+v\nwant %+v", events, want)
	}

	// A preview names the conversation only.
	events, err = Parse(fixture(t, "app-event-archive-preview.json"))
	if err != nil {
		t.Fatal(err)
	}
	in := events[0].Interaction
	if in.ExternalID != "cnv_1q9zt2c" || in.Event != plaudit.EventSolved || !in.NeedsEnrich || in.Customer != (plaudit.Customer{}) || in.Agent != (plaudit.AgentRef{}) {
		t.Errorf("preview %+v", in)
	}

	// A bare event, and the webhook's own type names.
	events, err = Parse(fixture(t, "event-reopen.json"))
	if err != nil || len(events) != 1 || events[0].Interaction.Event != plaudit.EventReopened || events[0].Interaction.NeedsEnrich ||
		events[0].DedupKey != "evt_2b7c4d99" {
		t.Errorf("bare reopen: %+v %v", events, err)
	}
	for typ, want := range map[string]string{"conversation_archived": plaudit.EventSolved, "conversation_reopened": plaudit.EventReopened} {
		events, err = Parse([]byte(`{"type":"` + typ + `","authorization":{"id":"cmp_1"},"payload":{"id":"evt_1","conversation":{"id":"cnv_1"}}}`))
		if err != nil || len(events) != 1 || events[0].Interaction.Event != want {
			t.Errorf("%s: %+v %v", typ, events, err)
		}
	}
	for _, body := range []string{string(fixture(t, "app-sync.json")),
		`{"type":"inbound","authorization":{"id":"cmp_1"},"payload":{"id":"evt_3","type":"inbound","conversation":{"id":"cnv_1"}}}`,
		`{"type":"tag","id":"evt_4","conversation":{"id":"cnv_1"}}`,
		`{"type":"trash","id":"evt_5","conversation":{"id":"cnv_1"}}`} {
		if events, err := Parse([]byte(body)); err != nil || len(events) != 0 {
			t.Errorf("%s: %+v %v", body, events, err)
		}
	}
	// An SMS conversation: the handle is a phone number.
	events, _ = Parse([]byte(`{"id":"evt_6","type":"archive","conversation":{"id":"cnv_2","recipient":{"handle":"+4930901820","name":"Anna"}}}`))
	if cu := events[0].Interaction.Customer; cu.Phone != "+4930901820" || cu.Email != "" || events[0].Interaction.Channel != "sms" {
		t.Errorf("sms: %+v", events[0].Interaction)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ body, msg string }{
		{``, "body is not valid JSON"},
		{`[]`, "body must be a JSON object"},
		{`null`, "body must be a JSON object"},
		{`{"type":"archive","payload":{"conversation":{"id":"cnv_1"}}}`, "payload.id is required"},
		{`{"type":"archive","conversation":{"id":"cnv_1"}}`, "id is required"},
		{`{"type":"archive","payload":{"id":"evt_1"}}`, "payload.conversation.id is required"},
		{`{"type":"archive","payload":{"id":"evt_1","conversation":"cnv_1"}}`, "payload.conversation must be an object"},
		{`{"type":"archive","payload":{"id":"evt_1","conversation":{"id":"cnv/../me"}}}`, "payload.conversation.id is not a Front id"},
		{`{"type":"archive","id":"evt_1","conversation":{"id":"cnv_1","assignee":{"id":"tea 1"}}}`, "conversation.assignee.id is not a Front id"},
		{`{"type":"archive","payload":"x"}`, "payload must be an object"},
	} {
		_, err := Parse([]byte(tc.body))
		var e *plaudit.Error
		if !errors.As(err, &e) || e.Code != plaudit.EInvalid || e.Message != tc.msg {
			t.Errorf("Parse(%s) = %v, want invalid %q", tc.body, err, tc.msg)
		}
	}
}

func TestHandshake(t *testing.T) {
	c := newClient(t, "", nil)
	ctx := context.Background()
	d := signed(fixture(t, "app-sync.json"), testNow, testSecret)
	d.Header.Set(HeaderChallenge, "7d1e9c0b-challenge")
	a, handled, err := c.Handshake(ctx, http.MethodPost, d)
	if err != nil || !handled || a.Status != http.StatusOK || a.ContentType != "application/json" || string(a.Body) != `{"challenge":"7d1e9c0b-challenge"}` {
		t.Fatalf("sync: %+v %v %v (%s)", a, handled, err, a.Body)
	}
	// A forged or stale sync is refused, not echoed.
	forged := signed(fixture(t, "app-sync.json"), testNow, "wrong")
	forged.Header.Set(HeaderChallenge, "x")
	_, handled, err = c.Handshake(ctx, http.MethodPost, forged)
	if !handled {
		t.Error("forged sync not handled")
	}
	conntest.WantError(t, err, plaudit.EUnauthorized, "signature does not match")
	stale := signed(fixture(t, "app-sync.json"), testNow.Add(-10*time.Minute), testSecret)
	stale.Header.Set(HeaderChallenge, "x")
	_, _, err = c.Handshake(ctx, http.MethodPost, stale)
	conntest.WantStale(t, err)
	long := signed(fixture(t, "app-sync.json"), testNow, testSecret)
	long.Header.Set(HeaderChallenge, strings.Repeat("x", 2000))
	_, _, err = c.Handshake(ctx, http.MethodPost, long)
	conntest.WantError(t, err, plaudit.EInvalid, "X-Front-Challenge is too long")
	// An event without a challenge is a delivery.
	if _, handled, err := c.Handshake(ctx, http.MethodPost, signed(fixture(t, "app-event-archive.json"), testNow, testSecret)); handled || err != nil {
		t.Errorf("event handled as a handshake: %v %v", handled, err)
	}
	// And the sync body itself, should it reach Receive, is no event.
	if evs, err := c.Receive(ctx, d); err != nil || len(evs) != 0 {
		t.Errorf("sync received: %v %v", evs, err)
	}
}
