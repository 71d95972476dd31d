package plaudit

import "testing"

// TestLanguage: what helpdesks send (Zendesk's display names in the
// language itself, Salesforce's and the trigger API's codes and locales)
// maps to the language the customer reads, and anything else to the
// tenant's default.
func TestLanguage(t *testing.T) {
	for raw, want := range map[string]string{
		"Deutsch": "de", "de-AT": "de", "German": "de",
		"Français": "fr", "Français (Canada)": "fr", "fr-CA": "fr", "fr_FR": "fr", "Francais": "fr",
		"Español": "es", "Español (Latinoamérica)": "es", "es-419": "es", "es": "es",
		"Italiano": "it", "it-CH": "it",
		"Nederlands": "nl", "Nederlands (België)": "nl", "nl_BE": "nl", "Dutch": "nl",
		"Português": "pt", "Português (Brasil)": "pt", "pt-BR": "pt", "pt_PT": "pt", "Portugues": "pt",
		"Polski": "pl", "pl": "pl", "pl-PL": "pl",
		"Svenska": "sv", "sv-SE": "sv", "Swedish": "sv",
		"Dansk": "da", "da-DK": "da", "DA": "da",
		"English (United Kingdom)": "en", "en-GB": "en",
	} {
		if got := Language(raw, "xx"); got != want {
			t.Errorf("Language(%q) = %q, want %q", raw, got, want)
		}
	}
	for _, raw := range []string{"", "Norsk", "nb-NO", "日本語", "ja", "Suomi", "klingon", "Deutschland"} {
		if got := Language(raw, "de"); got != "de" {
			t.Errorf("Language(%q) = %q, want the default de", raw, got)
		}
	}
}

// TestDefaultLanguageIsSupported: a tenant's default_language is one of
// the languages with texts, named in the error otherwise.
func TestDefaultLanguageIsSupported(t *testing.T) {
	for _, l := range Languages {
		s := DefaultSettings()
		s.DefaultLanguage = l
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", l, err)
		}
	}
	for _, l := range []string{"xx", "no", "EN", "deu", ""} {
		s := DefaultSettings()
		s.DefaultLanguage = l
		if err := s.Validate(); ErrorCode(err) != EInvalid || ErrorMessage(err) != "settings.default_language must be one of en, de, fr, es, it, nl, pt, pl, sv, da" {
			t.Errorf("%q: %v", l, err)
		}
	}
}
