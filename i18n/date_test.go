package i18n_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit/i18n"
)

// TestDateEveryLanguage: a day is written as each language writes it,
// month names in the right case, from the catalog.
func TestDateEveryLanguage(t *testing.T) {
	day := time.Date(2026, time.March, 5, 12, 0, 0, 0, time.UTC)
	want := map[string]string{
		"en": "March 5, 2026", "de": "5. März 2026", "fr": "5 mars 2026", "es": "5 de marzo de 2026",
		"it": "5 marzo 2026", "nl": "5 maart 2026", "pt": "5 de março de 2026", "pl": "5 marca 2026",
		"sv": "5 mars 2026", "da": "5. marts 2026",
	}
	for _, lang := range i18n.Languages() {
		if got := i18n.Date(lang, day); got != want[lang] {
			t.Errorf("%s: %q, want %q", lang, got, want[lang])
		}
		for m := time.January; m <= time.December; m++ {
			if got := i18n.Date(lang, time.Date(2026, m, 1, 0, 0, 0, 0, time.UTC)); strings.Contains(got, "date.") {
				t.Errorf("%s: month %d has no name: %q", lang, m, got)
			}
		}
	}
	if got := i18n.Date("pl", time.Date(2026, time.September, 30, 0, 0, 0, 0, time.UTC)); got != "30 września 2026" {
		t.Errorf("pl September: %q", got)
	}
}

// TestPluralEveryLanguage: a count picks the language's plural form, and
// every form the language needs is there (a missing one would show the
// text's id).
func TestPluralEveryLanguage(t *testing.T) {
	for _, lang := range i18n.Languages() {
		for _, n := range []int{0, 1, 2, 3, 5, 11, 22, 30, 101, 1000000} {
			got := i18n.T(lang, "page.gone.window", map[string]any{"Count": n})
			if got == "page.gone.window" || !strings.Contains(got, strconv.Itoa(n)) {
				t.Errorf("%s, %d: %q", lang, n, got)
			}
		}
	}
	for _, tc := range []struct {
		lang  string
		n     int
		words string
	}{
		{"en", 1, "1 day "}, {"en", 30, "30 days"}, {"de", 1, "1 Tag "}, {"de", 30, "30 Tage "},
		{"pl", 1, "1 dnia"}, {"pl", 2, "2 dni"}, {"pl", 5, "5 dni"}, {"pl", 22, "22 dni"},
		{"fr", 1, "1 jour "}, {"fr", 30, "30 jours"}, {"fr", 1000000, "1000000 de jours"},
		{"da", 1, "1 dag,"}, {"sv", 30, "30 dagar"},
	} {
		if got := i18n.T(tc.lang, "page.gone.window", map[string]any{"Count": tc.n}); !strings.Contains(got, tc.words) {
			t.Errorf("%s, %d: %q, want %q", tc.lang, tc.n, got, tc.words)
		}
	}
}
