// Package connconfig decodes a connector's public config with errors that
// name the field an admin got wrong, and checks the base URLs that
// credentials are sent to.
package connconfig

import (
	"bytes"
	"encoding/json"
	"net"
	"net/url"
	"reflect"
	"sort"
	"strings"

	"github.com/plaudit/plaudit"
)

// Decode decodes a connector's public config (a JSON object; empty or
// null counts as {}) into dst, a pointer to a struct with json tags. An
// unknown key, or a value of the wrong type, is an EInvalid *Error naming
// the field ("config.rating_field_id must be a number"). Keys listed in
// secretFields are skipped: they belong in the secrets map, and a config
// that still carries them is not wrong. rate_limit_per_second, which every
// kind takes, is checked here.
func Decode(raw json.RawMessage, dst any, secretFields []string) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		raw = []byte("{}")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return plaudit.Errorf(plaudit.EInvalid, "config must be a JSON object")
	}
	// rate_limit_per_second is every kind's (the server reads it).
	known := map[string]bool{"rate_limit_per_second": true}
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
		return plaudit.JSONError(err, "config", "config.")
	}
	_, err := plaudit.RateLimitPerSecond(raw)
	return err
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

// InboundSecret checks a secret that a helpdesk sends back with each
// delivery (a webhook secret, a basic-auth password), and its previous
// value, which may be set during a rotation: the secret is required, and
// each is 16 to 512 bytes long, long enough not to be guessed, without
// control characters and, when it travels as a header value (noSpace),
// without spaces.
func InboundSecret(secrets map[string]string, field, previous string, noSpace bool) error {
	if secrets[field] == "" {
		return plaudit.Errorf(plaudit.EInvalid, "config.%s is required", field)
	}
	const minLen, maxLen = 16, 512
	bad := func(r rune) bool { return r < ' ' || r == 0x7f || (noSpace && r == ' ') }
	for _, f := range []string{field, previous} {
		v := secrets[f]
		if v == "" {
			continue
		}
		if len(v) < minLen || len(v) > maxLen || strings.IndexFunc(v, bad) >= 0 {
			if noSpace {
				return plaudit.Errorf(plaudit.EInvalid, "config.%s must be %d to %d characters without spaces", f, minLen, maxLen)
			}
			return plaudit.Errorf(plaudit.EInvalid, "config.%s must be %d to %d characters", f, minLen, maxLen)
		}
	}
	return nil
}

// APISecret checks a credential that Plaudit sends to a helpdesk's API
// (an API key, a token): required, at most 512 bytes, and without white
// space or colons, which no vendor's keys have and which would break
// basic auth. what names it in the error: "a Freshdesk API key".
func APISecret(secrets map[string]string, field, what string) error {
	v := secrets[field]
	if strings.TrimSpace(v) == "" {
		return plaudit.Errorf(plaudit.EInvalid, "config.%s is required", field)
	}
	if len(v) > 512 || strings.ContainsAny(v, ": \t\r\n") {
		return plaudit.Errorf(plaudit.EInvalid, "config.%s is not %s", field, what)
	}
	return nil
}
