package plaudit

import (
	"slices"
	"strings"
)

// Languages the messages and the page are written in. The first is the
// default of a new tenant.
var Languages = []string{"en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da"}

// languageNames maps the display names helpdesks use to codes: Zendesk
// fills {{ticket.requester.language}} with the name of the language in
// itself ("Deutsch", "Français", "Português (Brasil)"), other tools with
// its English or German name. Names are in lower case, also as typed
// without accents.
var languageNames = map[string]string{
	"english": "en", "englisch": "en", "anglais": "en", "inglés": "en", "ingles": "en",
	"deutsch": "de", "german": "de", "allemand": "de", "alemán": "de", "aleman": "de", "tedesco": "de", "duits": "de", "alemão": "de", "niemiecki": "de", "tyska": "de", "tysk": "de",
	"français": "fr", "francais": "fr", "french": "fr", "französisch": "fr", "franzoesisch": "fr",
	"español": "es", "espanol": "es", "spanish": "es", "spanisch": "es", "castellano": "es",
	"italiano": "it", "italian": "it", "italienisch": "it",
	"nederlands": "nl", "dutch": "nl", "niederländisch": "nl", "niederlaendisch": "nl", "vlaams": "nl", "flemish": "nl",
	"português": "pt", "portugues": "pt", "portuguese": "pt", "portugiesisch": "pt",
	"polski": "pl", "polish": "pl", "polnisch": "pl",
	"svenska": "sv", "swedish": "sv", "schwedisch": "sv",
	"dansk": "da", "danish": "da", "dänisch": "da", "daenisch": "da",
}

// Language maps a helpdesk's language value (a name such as "Deutsch" or
// "Français (Canada)", a code such as "de", a locale such as "de-AT",
// "pt_BR" or "fr-ca") to one of the supported languages, falling back to
// def. "nb", "no" and other languages without a catalog fall back too.
func Language(raw, def string) string {
	s := strings.ToLower(strings.TrimSpace(raw))
	if c, ok := languageNames[s]; ok {
		s = c
	}
	if i := strings.IndexAny(s, "-_ ("); i > 0 {
		if c, ok := languageNames[strings.TrimSpace(s[:i])]; ok {
			s = c
		} else {
			s = s[:i]
		}
	}
	if slices.Contains(Languages, s) {
		return s
	}
	return def
}
