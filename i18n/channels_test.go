package i18n_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/i18n"
	"github.com/plaudit/plaudit/notify"
)

// TestLanguagesArePlauditLanguages: the catalog has a file for each
// language plaudit.Language maps a helpdesk's value to, and no other, so
// that a request is never accepted in a language nobody wrote.
func TestLanguagesArePlauditLanguages(t *testing.T) {
	got, want := slices.Sorted(slices.Values(i18n.Languages())), slices.Sorted(slices.Values(plaudit.Languages))
	if !slices.Equal(got, want) {
		t.Errorf("language files %v, plaudit.Languages %v", got, want)
	}
}

// TestSMSTextsAreGSM7: every sms.* text in every language, filled in,
// stays within the GSM-7 alphabet, so that it is not sent as UCS-2 at
// less than half the length per segment.
func TestSMSTextsAreGSM7(t *testing.T) {
	data := map[string]any{"Brand": "Acme", "Name": "Max", "Link": "https://fb.acme.com/f/tok"}
	for _, lang := range i18n.Languages() {
		ids, err := i18n.IDs(lang)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, id := range ids {
			if !strings.HasPrefix(id, "sms.") {
				continue
			}
			n++
			if s := i18n.T(lang, id, data); !notify.IsGSM7(s) {
				t.Errorf("%s: %s is not GSM-7: %q", lang, id, s)
			}
		}
		if n == 0 {
			t.Errorf("%s: no sms.* texts", lang)
		}
	}
	// The SMS also use the texts every channel shares.
	for _, lang := range i18n.Languages() {
		for _, id := range []string{"question", "question_noname"} {
			if s := i18n.T(lang, id, data); !notify.IsGSM7(s) {
				t.Errorf("%s: %s, used in the SMS, is not GSM-7: %q", lang, id, s)
			}
		}
	}
}
