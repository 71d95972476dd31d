package connconfig

import (
	"net/mail"
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

// MaxTags is how many tags a connector may add on writeback.
const MaxTags = 20

// TagList checks the tags a connector adds on writeback: at most
// MaxTags, each one that ok takes (any, when ok is nil). rule says what ok
// takes, for the error: "config.tags must be " + rule.
func TagList(tags []string, ok func(string) bool, rule string) error {
	if len(tags) > MaxTags {
		return plaudit.Errorf(plaudit.EInvalid, "config.tags: at most %d tags are allowed", MaxTags)
	}
	for _, t := range tags {
		if ok != nil && !ok(t) {
			return plaudit.Errorf(plaudit.EInvalid, "config.tags must be %s", rule)
		}
	}
	return nil
}

// Tags checks tags that are names: 1 to 80 characters without control
// characters. Spaces are allowed: most helpdesks name tags freely.
func Tags(tags []string) error {
	return TagList(tags, func(t string) bool {
		return strings.TrimSpace(t) != "" && len([]rune(t)) <= 80 && strings.IndexFunc(t, unicode.IsControl) < 0
	}, "names of 1 to 80 characters")
}

// TagWords checks tags that are words, for helpdesks whose tags have no
// spaces: 1 to 80 bytes without white space or control characters.
func TagWords(tags []string) error {
	return TagList(tags, func(t string) bool {
		return t != "" && len(t) <= 80 && strings.IndexFunc(t, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) < 0
	}, "words without spaces, at most 80 characters each")
}

// Name checks an optional field, attribute or property name that a
// connector writes to: at most 190 characters without control
// characters.
func Name(field, v string) error {
	if !isName(v) {
		return plaudit.Errorf(plaudit.EInvalid, "config.%s must be a name of at most 190 characters", field)
	}
	return nil
}

func isName(v string) bool {
	return len([]rune(v)) <= 190 && strings.IndexFunc(v, unicode.IsControl) < 0
}

// BaseURL checks the configured API base URL at *v, or def when none is
// set, as APIURL checks it, and leaves it without a trailing slash.
func BaseURL(v *string, def string) error {
	if strings.TrimSpace(*v) == "" {
		*v = def
	}
	u, err := APIURL("base_url", *v)
	if err != nil {
		return err
	}
	*v = u
	return nil
}

// FieldPair checks the two optional names a connector writes the score
// and the comment to (rating_field and comment_field, or their kind's
// names), trimmed in place: each a Name, and not the same one.
func FieldPair(ratingKey string, rating *string, commentKey string, comment *string) error {
	*rating, *comment = strings.TrimSpace(*rating), strings.TrimSpace(*comment)
	return FieldNames(ratingKey, *rating, commentKey, *comment, isName, "a name of at most 190 characters")
}

// FieldNames checks the two optional names a connector writes the score
// and the comment to: each, when set, one that ok takes (rule says what
// that is, for the error: "config.rating_field must be " + rule), and not
// the same one.
func FieldNames(ratingKey, rating, commentKey, comment string, ok func(string) bool, rule string) error {
	for _, f := range []struct{ key, v string }{{ratingKey, rating}, {commentKey, comment}} {
		if f.v != "" && !ok(f.v) {
			return plaudit.Errorf(plaudit.EInvalid, "config.%s must be %s", f.key, rule)
		}
	}
	return differ(ratingKey, rating != "" && rating == comment, commentKey)
}

// FieldIDs checks rating_field_id and comment_field_id, the custom fields
// (by id) a connector writes the score and the comment to: none negative
// (0 is none), and not the same one.
func FieldIDs(rating, comment int64) error {
	switch {
	case rating < 0:
		return plaudit.Errorf(plaudit.EInvalid, "config.rating_field_id must be a positive number")
	case comment < 0:
		return plaudit.Errorf(plaudit.EInvalid, "config.comment_field_id must be a positive number")
	}
	return differ("rating_field_id", rating != 0 && rating == comment, "comment_field_id")
}

func differ(ratingKey string, same bool, commentKey string) error {
	if same {
		return plaudit.Errorf(plaudit.EInvalid, "config.%s must differ from config.%s", commentKey, ratingKey)
	}
	return nil
}

// Required checks a setting the kind cannot work without, already
// trimmed: set, and one that ok takes. rule says what ok takes, for the
// error: "config.admin_id must be " + rule.
func Required(field, v string, ok func(string) bool, rule string) error {
	switch {
	case v == "":
		return plaudit.Errorf(plaudit.EInvalid, "config.%s is required", field)
	case !ok(v):
		return plaudit.Errorf(plaudit.EInvalid, "config.%s must be %s", field, rule)
	}
	return nil
}

// IsEmail reports whether v is an email address alone, without a display
// name or angle brackets.
func IsEmail(v string) bool {
	a, err := mail.ParseAddress(v)
	return err == nil && a.Address == v
}
