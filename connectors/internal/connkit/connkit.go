// Package connkit holds what the connector packages share: decoding a
// connector's config with errors that name the field, reading JSON that
// helpdesks fill loosely, classifying HTTP answers, and the note text that
// is written back to a ticket.
package connkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/egress"
)

// MaxAnswer bounds how much of an API answer is read: enough for any
// ticket, user list or error document, and no more.
const MaxAnswer = 1 << 20

// DefaultRetryAfter is the wait when a provider throttles without saying
// for how long.
const DefaultRetryAfter = 60 * time.Second

// DecodeConfig decodes a connector's public config (a JSON object; empty
// or null counts as {}) into dst, a pointer to a struct with json tags. An
// unknown key, or a value of the wrong type, is an EInvalid *Error naming
// the field ("config.rating_field_id must be a number"). Keys listed in
// secretFields are skipped: they belong in the secrets map, and a config
// that still carries them is not wrong.
func DecodeConfig(raw json.RawMessage, dst any, secretFields []string) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		raw = []byte("{}")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return plaudit.Errorf(plaudit.EInvalid, "config must be a JSON object")
	}
	known := map[string]bool{}
	for _, f := range secretFields {
		known[f] = true
	}
	t := reflect.TypeOf(dst).Elem()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			known[name] = true
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[k] {
			return plaudit.Errorf(plaudit.EInvalid, "config.%s is not a known setting", k)
		}
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return plaudit.Errorf(plaudit.EInvalid, "config.%s must be %s", te.Field, typeName(te.Type))
		}
		return plaudit.Errorf(plaudit.EInvalid, "config must be a JSON object")
	}
	return nil
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	}
	return "a number"
}

// APIURL checks a configured base URL that credentials are sent to: it
// must be https, or http to a loopback host (local development and
// tests), with no query or fragment. It returns the URL without a
// trailing slash.
func APIURL(field, raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", plaudit.Errorf(plaudit.EInvalid, "config.%s must be an https URL", field)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback(u.Hostname()) {
			return "", plaudit.Errorf(plaudit.EInvalid, "config.%s must be an https URL", field)
		}
	default:
		return "", plaudit.Errorf(plaudit.EInvalid, "config.%s must be an https URL", field)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

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
func JSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return plaudit.Errorf(plaudit.EInvalid, "body must be a JSON object")
		}
		return plaudit.Errorf(plaudit.EInvalid, "%s must be %s", te.Field, typeName(te.Type))
	}
	return plaudit.Errorf(plaudit.EInvalid, "body is not valid JSON")
}

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

// RetryAfter reads a Retry-After header (seconds, or an HTTP date) and
// returns def when there is none or it cannot be read. The wait is capped
// at a day, so that a broken header cannot park work forever.
func RetryAfter(h http.Header, now time.Time, def time.Duration) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return def
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return def
		}
		if n > 86400 {
			n = 86400
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
		if d < time.Second {
			d = time.Second
		}
	} else {
		return def
	}
	if d > 24*time.Hour {
		d = 24 * time.Hour
	}
	return d
}

// TransportError classifies a failure to get an answer at all. An address
// that the egress policy refuses will be refused on every retry, so it is
// permanent; timeouts and connection failures are worth retrying.
func TransportError(system, op string, err error) error {
	if errors.Is(err, egress.ErrForbiddenAddress) {
		return plaudit.Permanent(system+": destination address not allowed", fmt.Errorf("%s: %s: %w", system, op, err))
	}
	return fmt.Errorf("%s: %s: %w", system, op, err)
}

// ReadAnswer reads up to MaxAnswer bytes of a response body and closes it.
func ReadAnswer(resp *http.Response) []byte {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer))
	// Drain a little more so that the connection can be reused.
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	return b
}

// Code keeps an error code from a provider's answer only when it looks like
// one (letters, digits, underscores, up to 60 characters): provider
// messages may echo field values, which are personal data, so they are
// never kept.
func Code(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 60 {
		return ""
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return ""
		}
	}
	return s
}
