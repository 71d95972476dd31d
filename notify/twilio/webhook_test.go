package twilio

import (
	"bufio"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

// fixtureSMS reads the form of the shared sample inbound SMS: its
// name=value lines up to the first blank line after them.
func fixtureSMS(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("testdata/twilio-inbound-sms.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	params := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok || strings.ContainsAny(k, " (") {
			if len(params) > 0 {
				break
			}
			continue
		}
		params[k] = v
	}
	if len(params) < 10 {
		t.Fatalf("read %d fields from the fixture", len(params))
	}
	return params
}

func TestVerifyRequest(t *testing.T) {
	// The fixture's form posted to url, signed with token as Twilio signs:
	// HMAC-SHA1 over the URL followed by the parameters' names and values,
	// sorted by name, base64.
	const url = "https://fb.example.com/hooks/twilio/status?r=req_1&t=ten_1"
	const sig = "FCwsM1QwE/bA/U9v6DL1igkjG6M="
	params := fixtureSMS(t)
	if err := VerifyRequest(token, url, params, sig); err != nil {
		t.Fatalf("a signed request: %v", err)
	}
	changed := map[string]string{}
	for k, v := range params {
		changed[k] = v
	}
	changed["Body"] = "1"
	for name, tt := range map[string]struct {
		token, url string
		params     map[string]string
		sig, code  string
	}{
		"no auth token":     {"", url, params, sig, plaudit.EForbidden},
		"no signature":      {token, url, params, "", plaudit.EUnauthorized},
		"another token":     {"othertoken0123456789", url, params, sig, plaudit.EForbidden},
		"another URL":       {token, "http://fb.example.com/hooks/twilio/status?r=req_1&t=ten_1", params, sig, plaudit.EForbidden},
		"another query":     {token, "https://fb.example.com/hooks/twilio/status?r=req_2&t=ten_1", params, sig, plaudit.EForbidden},
		"another body":      {token, url, changed, sig, plaudit.EForbidden},
		"signature not b64": {token, url, params, "not a signature", plaudit.EForbidden},
		"another signature": {token, url, params, "GvWf1cFY/Q7PnoempGyD5oXAezc=", plaudit.EForbidden},
	} {
		if err := VerifyRequest(tt.token, tt.url, tt.params, tt.sig); plaudit.ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", name, err, tt.code)
		}
	}
}

func TestParseSMS(t *testing.T) {
	in, err := ParseSMS(fixtureSMS(t))
	if err != nil {
		t.Fatal(err)
	}
	want := plaudit.InboundReply{
		Channel:   plaudit.ChannelSMS,
		MessageID: "SM3f2a9c1d7e6b5a4c3d2e1f0a9b8c7d6e",
		From:      "+4915112345678",
		To:        []string{"+4930123456789", "MG0123456789abcdef0123456789abcdef"},
		Text:      "4 - sehr freundlich",
	}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("ParseSMS() =\n%+v\nwant\n%+v", in, want)
	}

	// A number without a country code is read as a US one; a reply to a
	// plain number has no Messaging Service; a picture comes without text.
	in, err = ParseSMS(map[string]string{"From": "(415) 555-0123", "To": "+15005550006", "NumMedia": "1"})
	if err != nil || in.From != "+14155550123" || !reflect.DeepEqual(in.To, []string{"+15005550006"}) || in.Text != "" || in.MessageID != "" {
		t.Fatalf("ParseSMS() = %+v, %v", in, err)
	}
	for _, from := range []string{"", "not a number", "+1", "anna@example.org"} {
		_, err := ParseSMS(map[string]string{"From": from, "Body": "5"})
		if plaudit.ErrorCode(err) != plaudit.EInvalid || plaudit.ErrorMessage(err) != "From is not a phone number" {
			t.Errorf("From %q: %v", from, err)
		}
	}
}

func TestParseStatus(t *testing.T) {
	const sid = "SM1234567890abcdef1234567890abcdef"
	for _, tt := range []struct {
		status, code string
		want         plaudit.DeliveryEvent
	}{
		{"delivered", "", plaudit.DeliveryEvent{Outcome: plaudit.OutcomeDelivered}},
		{"undelivered", "30003", plaudit.DeliveryEvent{Outcome: plaudit.OutcomeFailed, Reason: "twilio: undelivered 30003"}},
		{"failed", "30008", plaudit.DeliveryEvent{Outcome: plaudit.OutcomeFailed, Reason: "twilio: failed 30008"}},
		{"undelivered", "21610", plaudit.DeliveryEvent{Outcome: plaudit.OutcomeFailed, Reason: "twilio: undelivered 21610", Suppress: "sms_opted_out"}},
		{"failed", "21610", plaudit.DeliveryEvent{Outcome: plaudit.OutcomeFailed, Reason: "twilio: failed 21610", Suppress: "sms_opted_out"}},
		{"failed", "", plaudit.DeliveryEvent{Outcome: plaudit.OutcomeFailed, Reason: "twilio: failed "}},
		{"queued", "", plaudit.DeliveryEvent{}},
		{"sent", "", plaudit.DeliveryEvent{}},
		{"read", "", plaudit.DeliveryEvent{}},
	} {
		got := ParseStatus(map[string]string{"MessageSid": sid, "MessageStatus": tt.status, "ErrorCode": tt.code, "To": "+4915112345678"})
		want := tt.want
		want.Provider, want.ProviderID, want.EventID, want.Event = "twilio", sid, sid+":"+tt.status, tt.status
		if got != want {
			t.Errorf("%s %s: %+v, want %+v", tt.status, tt.code, got, want)
		}
	}
	// Without status or sid there is no event id to recognize a repeat by.
	if e := ParseStatus(map[string]string{"MessageSid": sid}); e.EventID != "" || e.Outcome != "" || e.ProviderID != sid {
		t.Errorf("no status: %+v", e)
	}
	if e := ParseStatus(map[string]string{"MessageStatus": "delivered"}); e.EventID != "" || e.Outcome != plaudit.OutcomeDelivered {
		t.Errorf("no sid: %+v", e)
	}
}

func TestTwiML(t *testing.T) {
	for text, want := range map[string]string{
		"":                     `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`,
		"Danke!":               `<?xml version="1.0" encoding="UTF-8"?><Response><Message>Danke!</Message></Response>`,
		`<b>"5" & 'gut'</b> ✓`: `<?xml version="1.0" encoding="UTF-8"?><Response><Message>&lt;b&gt;&#34;5&#34; &amp; &#39;gut&#39;&lt;/b&gt; ✓</Message></Response>`,
	} {
		if got := string(TwiML(text)); got != want {
			t.Errorf("TwiML(%q) = %s, want %s", text, got, want)
		}
	}
}

// TestSignIsWhatTwilioSends: a post signed with Sign passes twilio-go's
// validator, and a changed parameter or URL does not.
func TestSignIsWhatTwilioSends(t *testing.T) {
	params := map[string]string{"From": "+4915112345678", "To": "+4930901820", "Body": "5 danke", "MessageSid": "SM1"}
	url := "https://feedback.example/hooks/twilio/sms"
	sig := Sign("auth-token", url, params)
	if err := VerifyRequest("auth-token", url, params, sig); err != nil {
		t.Fatalf("signed by Sign: %v", err)
	}
	if VerifyRequest("auth-token", url+"?x=1", params, sig) == nil {
		t.Error("another URL verified")
	}
	params["Body"] = "1"
	if VerifyRequest("auth-token", url, params, sig) == nil {
		t.Error("another body verified")
	}
}
