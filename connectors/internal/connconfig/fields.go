package connconfig

import (
	"strings"
	"unicode"

	"github.com/plaudit/plaudit"
)

// BaseURL checks an optional base URL field as APIURL does; empty means
// def.
func BaseURL(field, raw, def string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		raw = def
	}
	return APIURL(field, raw)
}

// Secrets checks that each named secret is set, at most max bytes long,
// and free of white space (which a copy and paste adds, and no token
// has), naming the first field that is wrong.
func Secrets(secrets map[string]string, max int, fields ...string) error {
	for _, f := range fields {
		switch v := secrets[f]; {
		case strings.TrimSpace(v) == "":
			return plaudit.Errorf(plaudit.EInvalid, "config.%s is required", f)
		case len(v) > max:
			return plaudit.Errorf(plaudit.EInvalid, "config.%s is too long", f)
		case strings.IndexFunc(v, unicode.IsSpace) >= 0:
			return plaudit.Errorf(plaudit.EInvalid, "config.%s must not contain spaces", f)
		}
	}
	return nil
}
