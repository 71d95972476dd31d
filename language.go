package plaudit

import "strings"

// Languages the messages and the page are written in.
var Languages = []string{"en", "de"}

// languageNames maps the display names helpdesks use (Zendesk fills
// {{ticket.requester.language}} with a name) to codes.
var languageNames = map[string]string{
	"english": "en", "englisch": "en",
	"deutsch": "de", "german": "de",
	"français": "fr", "francais": "fr", "french": "fr",
	"español": "es", "espanol": "es", "spanish": "es",
	"italiano": "it", "italian": "it",
	"nederlands": "nl", "dutch": "nl",
}

// Language maps a helpdesk's language value (a name such as "Deutsch", a
// code such as "de", a locale such as "de-AT" or "fr-ca") to one of the
// supported languages, falling back to def.
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
	for _, l := range Languages {
		if s == l {
			return l
		}
	}
	return def
}
