package plaudit

import "golang.org/x/text/language"

// AcceptLanguage picks the best of Languages for an Accept-Language
// header ("de-AT,de;q=0.9,en;q=0.8"), or def when none fits: the page's
// language when it does not know whom it is for.
func AcceptLanguage(header, def string) string {
	prefs, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(prefs) == 0 {
		return def
	}
	supported := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		supported[i] = language.Make(l)
	}
	_, i, conf := language.NewMatcher(supported).Match(prefs...)
	if conf == language.No {
		return def
	}
	return Languages[i]
}
