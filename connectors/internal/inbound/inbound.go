// Package inbound reads what helpdesks send: JSON whose placeholders are
// filled loosely (an id as "73021" or 73021), decoding errors that name
// the field, ticket ids, and the helpdesks' names for channels.
package inbound

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	"github.com/plaudit/plaudit"
)

// String is a JSON string, number, boolean or null read as a string.
// Helpdesk templates fill placeholders as text, but admins paste them with
// and without quotes, so an id may come as "73021" or 73021.
type String string

// UnmarshalJSON implements json.Unmarshaler.
func (s *String) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = String(v)
	case bytes.Equal(b, []byte("true")), bytes.Equal(b, []byte("false")):
		*s = String(b)
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		if _, err := strconv.ParseFloat(string(b), 64); err != nil {
			return err
		}
		*s = String(b)
	default:
		return &json.UnmarshalTypeError{Value: "non-scalar", Type: reflect.TypeOf("")}
	}
	return nil
}

// Trim returns s without surrounding white space.
func (s String) Trim() string { return strings.TrimSpace(string(s)) }

// JSONError turns a decoding error of a webhook body into an EInvalid
// *Error that names the field.
func JSONError(err error) error { return plaudit.JSONError(err, "body", "") }

// Digits reports whether s is a non-empty run of ASCII digits of at most
// 20 characters, the shape of Zendesk ids.
func Digits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// channels maps how helpdesks name the channel a ticket came in by (the
// display names of Zendesk's {{ticket.via}}, the API's via.channel,
// Salesforce's Case Origin) to the channel names the rules know.
var channels = map[string]string{
	"web form": "email", "web_form": "email", "web": "email", "mail": "email", "email": "email",
	"e-mail": "email", "help center": "email", "help_center": "email",
	"voice": "phone", "phone": "phone", "phone call": "phone", "phone call (inbound)": "phone",
	"phone call (outbound)": "phone", "voicemail": "phone", "call": "phone",
	"text": "sms", "sms": "sms",
	"chat": "chat", "messaging": "chat", "native_messaging": "chat", "web widget": "chat",
	"web_widget": "chat", "live chat": "chat",
	"whatsapp": "whatsapp", "mobile sdk": "mobile", "mobile_sdk": "mobile", "mobile": "mobile",
	"api": "api", "web service": "api", "web_service": "api",
}

// Channel maps a helpdesk's channel name to a rules channel ("email",
// "phone", "sms", "chat", …). Names it does not know pass through in lower
// case with spaces as underscores, so that rules can still match them.
func Channel(raw string) string {
	s := strings.ToLower(strings.TrimSpace(raw))
	if s == "" {
		return ""
	}
	if c, ok := channels[s]; ok {
		return c
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		case r == ' ' || r == '.':
			b.WriteByte('_')
		}
		if b.Len() >= 50 {
			break
		}
	}
	return b.String()
}

// SecretMatches reports whether got equals one of want (a current secret
// and, during a rotation, the previous one), in constant time: both sides
// are hashed first, so neither the content nor the length of a secret
// shows in the time a comparison takes. Empty secrets never match.
func SecretMatches(got string, want ...string) bool {
	if got == "" {
		return false
	}
	g := sha256.Sum256([]byte(got))
	ok := 0
	for _, w := range want {
		if w == "" {
			continue
		}
		h := sha256.Sum256([]byte(w))
		ok |= subtle.ConstantTimeCompare(g[:], h[:])
	}
	return ok == 1
}

// Outcome maps a helpdesk's ticket status to an interaction event, given
// the statuses (in lower case) that mean solved and those that mean the
// ticket is being worked on again, which cancels a request not yet sent.
// Any other status is EventOther.
func Outcome(status string, solved, open map[string]bool) string {
	s := strings.ToLower(strings.TrimSpace(status))
	switch {
	case solved[s]:
		return plaudit.EventSolved
	case open[s]:
		return plaudit.EventReopened
	}
	return plaudit.EventOther
}
