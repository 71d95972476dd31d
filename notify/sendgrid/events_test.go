package sendgrid

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
)

func TestParsePublicKey(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	b64 := base64.StdEncoding.EncodeToString(der)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	for name, in := range map[string]string{
		"as SendGrid shows it": b64,
		"with a newline":       b64 + "\n",
		"wrapped":              b64[:40] + "\n" + b64[40:],
		"PEM":                  pemKey,
	} {
		got, err := ParsePublicKey(in)
		if err != nil || !got.Equal(&k.PublicKey) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A key of another type is an error, not a panic.
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	edDER, _ := x509.MarshalPKIXPublicKey(edPub)
	for name, in := range map[string]string{
		"ed25519":    base64.StdEncoding.EncodeToString(edDER),
		"not base64": "not a key!",
		"not DER":    base64.StdEncoding.EncodeToString([]byte("hello")),
	} {
		if _, err := ParsePublicKey(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestMessageID(t *testing.T) {
	for in, want := range map[string]string{
		"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0":                         "14c5d75ce93.dfd.64b469",
		"Z2d9s7s7QW2Lxm5Y8X9hYQ.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC1F4-4A.0": "Z2d9s7s7QW2Lxm5Y8X9hYQ",
		"Z2d9s7s7QW2Lxm5Y8X9hYQ.recvd-5f9c4b4b5-x7k9p-1-62E7C5E8-3.0":                 "Z2d9s7s7QW2Lxm5Y8X9hYQ",
		"Z2d9s7s7QW2Lxm5Y8X9hYQ": "Z2d9s7s7QW2Lxm5Y8X9hYQ",
		"":                       "",
	} {
		if got := messageID(in); got != want {
			t.Errorf("messageID(%q) = %q, want %q", in, got, want)
		}
	}
}

// A batch signed as SendGrid signs (ECDSA P-256 over SHA-256 of the
// timestamp followed by the body, ASN.1 DER, base64), with the key that
// verifies it as SENDGRID_EVENT_PUBLIC_KEY holds it.
const (
	signedKey   = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEHBbHaaTZRAQXrgiNHH8xDTw7qRo1d53upRsdADHDB0E+sInP1ByK20rzJySjes6A3YJOIohNYRlJ+qSp7FHxbA=="
	signedAt    = "1795852900"
	signedBody  = `[{"event":"delivered","sg_event_id":"ZGVsaXZlcmVkLTEyMzQ1","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","request_id":"req_1","tenant_id":"ten_1"}]`
	signedBatch = "MEUCIQCToLSHpIosouwc8IMN1apRwgCtE5Sxo8bjjfCMnLYM3wIgRx9WJNYzVwalX1xDaCjJ6IrpDQ3ebSyDJNj4s2Jz1pg="
	// otherKey is another P-256 key.
	otherKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEbL7IDu40w+S7K5HlA+cICLq9e+2djU1TCaLRMoy8en2ISoQPax/VTbFr+1Z6haTzHPmXS/ylSFt6aAx/HN+pSQ=="
)

func TestVerifyEvents(t *testing.T) {
	now := time.Unix(1795852900, 0)
	body, sig, ts := []byte(signedBody), signedBatch, signedAt
	if err := VerifyEvents(signedKey, body, sig, ts, now); err != nil {
		t.Fatalf("a signed batch: %v", err)
	}
	if err := VerifyEvents(signedKey, body, sig, ts, now.Add(-4*time.Minute)); err != nil {
		t.Fatalf("a signed batch from a clock 4 minutes ahead: %v", err)
	}
	wrapped := signedKey[:40] + "\n" + signedKey[40:] + "\n"
	if err := VerifyEvents(wrapped, body, sig, ts, now.Add(4*time.Minute)); err != nil {
		t.Fatalf("a wrapped key, a clock 4 minutes behind: %v", err)
	}
	for name, tt := range map[string]struct {
		key, sig, ts string
		body         []byte
		now          time.Time
		code         string
	}{
		"no key":            {"", sig, ts, body, now, plaudit.EForbidden},
		"a key not base64":  {"not a key!", sig, ts, body, now, plaudit.EInternal},
		"no signature":      {signedKey, "", ts, body, now, plaudit.EUnauthorized},
		"no timestamp":      {signedKey, sig, "", body, now, plaudit.EUnauthorized},
		"timestamp no time": {signedKey, sig, "yesterday", body, now, plaudit.EUnauthorized},
		"stale":             {signedKey, sig, ts, body, now.Add(6 * time.Minute), plaudit.EUnauthorized},
		"from the future":   {signedKey, sig, ts, body, now.Add(-6 * time.Minute), plaudit.EUnauthorized},
		"far future":        {signedKey, sig, "9223372036854775807", body, now, plaudit.EUnauthorized},
		"another timestamp": {signedKey, sig, "1795852901", body, now, plaudit.EForbidden},
		"another key":       {otherKey, sig, ts, body, now, plaudit.EForbidden},
		"another body":      {signedKey, sig, ts, []byte(strings.Replace(signedBody, "delivered", "bounce", 1)), now, plaudit.EForbidden},
		"signature garbage": {signedKey, "bm90IGEgc2lnbmF0dXJl", ts, body, now, plaudit.EForbidden},
	} {
		err := VerifyEvents(tt.key, tt.body, tt.sig, tt.ts, tt.now)
		if plaudit.ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", name, err, tt.code)
		}
	}
	// What cannot be read about the key goes to the log, not the answer.
	err := VerifyEvents("not a key!", body, sig, ts, now)
	if msg := plaudit.ErrorMessage(err); msg != "SENDGRID_EVENT_PUBLIC_KEY cannot be read" || !strings.Contains(err.Error(), "base64") {
		t.Errorf("unreadable key: message %q, error %q", msg, err)
	}
}

// TestParseEventsFixture reads the shared sample batch.
func TestParseEventsFixture(t *testing.T) {
	body, err := os.ReadFile("testdata/sendgrid-events.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseEvents(body)
	if err != nil {
		t.Fatal(err)
	}
	want := []plaudit.DeliveryEvent{
		{Provider: "sendgrid", EventID: "cHJvY2Vzc2VkLTEyMzQ1", ProviderID: "14c5d75ce93.dfd.64b469", Address: "anna.schneider@example.org",
			Event: "processed"},
		{Provider: "sendgrid", EventID: "ZGVsaXZlcmVkLTEyMzQ1", ProviderID: "14c5d75ce93.dfd.64b469", Address: "anna.schneider@example.org",
			Event: "delivered", Outcome: plaudit.OutcomeDelivered},
		{Provider: "sendgrid", EventID: "Ym91bmNlLTEyMzQ1", ProviderID: "14c5d75ce93.dfd.64b469", Address: "no-such-user@example.com",
			Event: "bounce", Outcome: plaudit.OutcomeBounced, Reason: "sendgrid: bounce", Suppress: "email_bounced"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseEvents() =\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseEvents(t *testing.T) {
	body := `[
		{"event":"delivered","sg_event_id":"e1","sg_message_id":"m1.filterdrecv-1","request_id":"req_1","tenant_id":"ten_1"},
		{"event":"delivered","sg_event_id":"e2","sg_message_id":"m1.filterdrecv-1","request_id":"req_1","tenant_id":"ten_1","message":"reminder"},
		{"event":"bounce","type":"blocked","sg_event_id":"e3","request_id":"req_1","tenant_id":"ten_1","email":"a@example.org"},
		{"event":"bounce","type":"bounce","sg_event_id":"e4","request_id":"req_1","tenant_id":"ten_1"},
		{"event":"dropped","sg_event_id":"e5","request_id":"req_1","tenant_id":"ten_1","reason":"Bounced Address"},
		{"event":"spamreport","sg_event_id":"e6","request_id":"req_1","tenant_id":"ten_1"},
		{"event":"deferred","sg_event_id":"e7","request_id":"req_1","tenant_id":"ten_1"},
		{"event":"open","sg_event_id":"e8","message":"something else","unknown":{"nested":[1,2]}}
	]`
	got, err := ParseEvents([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	type outcome struct{ id, outcome, reason, suppress string }
	var outcomes []outcome
	for _, e := range got {
		outcomes = append(outcomes, outcome{e.EventID, e.Outcome, e.Reason, e.Suppress})
	}
	want := []outcome{
		{"e1", plaudit.OutcomeDelivered, "", ""},
		{"e2", plaudit.OutcomeDelivered, "", ""},
		{"e3", plaudit.OutcomeFailed, "sendgrid: blocked", ""},
		{"e4", plaudit.OutcomeBounced, "sendgrid: bounce", "email_bounced"},
		{"e5", plaudit.OutcomeFailed, "sendgrid: dropped", "email_dropped"},
		{"e6", plaudit.OutcomeComplaint, "", "email_spam_report"},
		{"e7", "", "", ""},
		{"e8", "", "", ""},
	}
	if !reflect.DeepEqual(outcomes, want) {
		t.Errorf("outcomes =\n%v\nwant\n%v", outcomes, want)
	}
	if e := got[0]; e.TenantID != "ten_1" || e.RequestID != "req_1" || e.ProviderID != "m1" || e.Reminder || e.Provider != "sendgrid" {
		t.Errorf("first event = %+v", e)
	}
	if !got[1].Reminder || got[7].Reminder {
		t.Errorf("Reminder = %v, %v; want the reminder arg's event only", got[1].Reminder, got[7].Reminder)
	}
	if got[2].Address != "a@example.org" {
		t.Errorf("Address = %q", got[2].Address)
	}
	if name, _, _ := strings.Cut(notify.ReminderArg, "="); name != "message" {
		t.Errorf("notify.ReminderArg is %q: the event field read for it is \"message\"", notify.ReminderArg)
	}
	for _, bad := range []string{"", "{}", `{"event":"delivered"}`, "[1,2]", `[{"event":5}]`} {
		if _, err := ParseEvents([]byte(bad)); plaudit.ErrorCode(err) != plaudit.EInvalid {
			t.Errorf("ParseEvents(%q): %v, want invalid", bad, err)
		}
	}
	if got, err := ParseEvents([]byte("[]")); err != nil || len(got) != 0 {
		t.Errorf("ParseEvents([]) = %v, %v", got, err)
	}
}

// FuzzParseEvents: any body is a batch or an invalid-body error; every
// event it yields has an outcome Plaudit knows and a suppression only with
// an outcome.
func FuzzParseEvents(f *testing.F) {
	if b, err := os.ReadFile("testdata/sendgrid-events.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`[{"event":"bounce","type":"blocked","sg_message_id":".filter","message":"reminder"}]`))
	f.Add([]byte(`[{"event":"spamreport","sg_message_id":"x.recvd-1.ismtpd"},null,{}]`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := ParseEvents(body)
		if err != nil {
			if plaudit.ErrorCode(err) != plaudit.EInvalid {
				t.Fatalf("error %v is not invalid", err)
			}
			return
		}
		for _, e := range events {
			switch e.Outcome {
			case "", plaudit.OutcomeDelivered, plaudit.OutcomeBounced, plaudit.OutcomeFailed, plaudit.OutcomeComplaint:
			default:
				t.Fatalf("unknown outcome %q", e.Outcome)
			}
			if e.Provider != Provider || (e.Suppress != "" && e.Outcome == "") {
				t.Fatalf("event %+v", e)
			}
		}
	})
}
