package connconfig

import (
	"strings"
	"unicode"

	"github.com/plaudit/plaudit"
)

// MaxSecret is the longest secret a connector takes: longer than any
// vendor's token (Kustomer's API keys are JWTs), short enough that a
// pasted file is noticed.
const MaxSecret = 4096

// Secrets checks that each required secret is set, and that none is too
// long or holds white space (which a copy and paste adds, and no token
// has), naming the first one that is wrong. Optional secrets may be
// empty.
func Secrets(secrets map[string]string, required, optional []string) error {
	for _, f := range required {
		if strings.TrimSpace(secrets[f]) == "" {
			return plaudit.Errorf(plaudit.EInvalid, "config.%s is required", f)
		}
	}
	for _, f := range append(append([]string(nil), required...), optional...) {
		switch v := secrets[f]; {
		case len(v) > MaxSecret:
			return plaudit.Errorf(plaudit.EInvalid, "config.%s is too long", f)
		case strings.IndexFunc(v, unicode.IsSpace) >= 0:
			return plaudit.Errorf(plaudit.EInvalid, "config.%s must not contain spaces", f)
		}
	}
	return nil
}

// Tags checks the tags a connector adds on writeback: at most 20, each
// 1 to 80 characters without control characters. Spaces are allowed:
// most helpdesks name tags freely.
func Tags(tags []string) error {
	if len(tags) > 20 {
		return plaudit.Errorf(plaudit.EInvalid, "config.tags: at most 20 tags are allowed")
	}
	for _, t := range tags {
		if strings.TrimSpace(t) == "" || len([]rune(t)) > 80 || strings.IndexFunc(t, unicode.IsControl) >= 0 {
			return plaudit.Errorf(plaudit.EInvalid, "config.tags must be names of 1 to 80 characters")
		}
	}
	return nil
}

// Name checks an optional field, attribute or property name that a
// connector writes to: at most 190 characters without control
// characters.
func Name(field, v string) error {
	if len([]rune(v)) > 190 || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return plaudit.Errorf(plaudit.EInvalid, "config.%s must be a name of at most 190 characters", field)
	}
	return nil
}

// BaseURL is a configured API base URL, or def when none is set, checked
// as APIURL checks it.
func BaseURL(v, def string) (string, error) {
	if strings.TrimSpace(v) == "" {
		v = def
	}
	return APIURL("base_url", v)
}

// FieldPair checks the two optional names a connector writes the score
// and the comment to (rating_field and comment_field, or their kind's
// names): each a Name, and not the same one.
func FieldPair(ratingKey, rating, commentKey, comment string) error {
	if err := Name(ratingKey, rating); err != nil {
		return err
	}
	if err := Name(commentKey, comment); err != nil {
		return err
	}
	if rating != "" && rating == comment {
		return plaudit.Errorf(plaudit.EInvalid, "config.%s must differ from config.%s", commentKey, ratingKey)
	}
	return nil
}
