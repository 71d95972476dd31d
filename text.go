package plaudit

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text from outside is either refused or cleaned before it is stored:
// PostgreSQL refuses NUL and invalid UTF-8 in text (a 500, or a 503 that a
// helpdesk retries for ever), and other control characters forge lines in
// logs, notes and emails. What people type into the API or the page is
// refused with the field named (CheckText, CheckMultiline); what a
// helpdesk sends is cleaned (CleanText), since refusing it would lose the
// ticket over a character nobody sees.

// CheckText refuses invalid UTF-8 and any control character in a value
// that is one line: a name, an id, a tag.
func CheckText(field, s string) error {
	if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return Errorf(EInvalid, "%s must not contain control characters", field)
	}
	return nil
}

// CheckMultiline is CheckText for a value that may run over lines (a
// comment, a bio): line breaks and tabs are allowed.
func CheckMultiline(field, s string) error {
	if !utf8.ValidString(s) || strings.IndexFunc(s, badInMultiline) >= 0 {
		return Errorf(EInvalid, "%s must not contain control characters other than line breaks and tabs", field)
	}
	return nil
}

// CleanText drops invalid UTF-8 and control characters from a one-line
// value.
func CleanText(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s // the common case, without a copy
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// CleanMultiline is CleanText that keeps line breaks and tabs.
func CleanMultiline(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, badInMultiline) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if badInMultiline(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

func badInMultiline(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
}

// Clean drops invalid UTF-8 and control characters from every text field
// of an interaction that a helpdesk sent, tags that are left empty with
// them.
func (in *Interaction) Clean() {
	for _, f := range []*string{
		&in.DedupKey, &in.ExternalID, &in.Event, &in.Channel, &in.Brand,
		&in.Customer.Name, &in.Customer.Email, &in.Customer.Phone, &in.Customer.Language,
		&in.Customer.Country, &in.Customer.TimeZone,
		&in.Agent.ExternalID, &in.Agent.Email, &in.Agent.Name,
	} {
		*f = CleanText(*f)
	}
	tags := in.Tags[:0]
	for _, t := range in.Tags {
		if t = CleanText(t); t != "" {
			tags = append(tags, t)
		}
	}
	in.Tags = tags
}
