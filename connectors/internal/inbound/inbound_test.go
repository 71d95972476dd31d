package inbound

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

func TestChannel(t *testing.T) {
	for raw, want := range map[string]string{
		"Web Form": "email", "Mail": "email", "email": "email", "Email": "email", "web": "email",
		"Voice": "phone", "Phone call (inbound)": "phone", "Phone": "phone",
		"Text": "sms", "SMS": "sms",
		"Chat": "chat", "Messaging": "chat", "native_messaging": "chat",
		"WhatsApp": "whatsapp", "Web service": "api", "": "",
		"Closed ticket": "closed_ticket", "Some <odd> channel!": "some_odd_channel",
	} {
		if got := Channel(raw); got != want {
			t.Errorf("Channel(%q) = %q, want %q", raw, got, want)
		}
	}
	if got := Channel(strings.Repeat("a", 500)); len(got) > 50 {
		t.Errorf("Channel of a long name: %d bytes", len(got))
	}
}

func TestString(t *testing.T) {
	var v struct {
		A, B, C, D String
	}
	if err := json.Unmarshal([]byte(`{"A":"x","B":12345678901234567890,"C":null,"D":true}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != "x" || v.B != "12345678901234567890" || v.C != "" || v.D != "true" {
		t.Errorf("%+v", v)
	}
	err := json.Unmarshal([]byte(`{"A":{"x":1}}`), &v)
	if got := JSONError(err); plaudit.ErrorMessage(got) != "A must be a string" {
		t.Errorf("object into String: %v", got)
	}
}

func TestDigits(t *testing.T) {
	for in, want := range map[string]bool{
		"73021": true, "0": true, strings.Repeat("9", 20): true,
		"": false, "12a": false, "-1": false, " 1": false, "1.5": false, strings.Repeat("9", 21): false,
	} {
		if got := Digits(in); got != want {
			t.Errorf("Digits(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestSecretMatches(t *testing.T) {
	for _, c := range []struct {
		got  string
		want []string
		ok   bool
	}{
		{"s3cret-value", []string{"s3cret-value"}, true},
		{"s3cret-value", []string{"new-secret", "s3cret-value"}, true},
		{"s3cret-valuE", []string{"s3cret-value"}, false},
		{"s3cret-value", []string{"s3cret-value-longer"}, false},
		{"", []string{""}, false},
		{"", []string{"s3cret-value"}, false},
		{"x", []string{"", ""}, false},
		{"x", nil, false},
	} {
		if got := SecretMatches(c.got, c.want...); got != c.ok {
			t.Errorf("SecretMatches(%q, %q) = %v", c.got, c.want, got)
		}
	}
}

func TestOutcome(t *testing.T) {
	solved, open := map[string]bool{"closed": true}, map[string]bool{"open": true}
	for status, want := range map[string]string{
		" Closed ": plaudit.EventSolved, "OPEN": plaudit.EventReopened, "waiting": plaudit.EventOther, "": plaudit.EventOther,
	} {
		if got := Outcome(status, solved, open); got != want {
			t.Errorf("Outcome(%q) = %q, want %q", status, got, want)
		}
	}
}
