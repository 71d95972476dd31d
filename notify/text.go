package notify

import "github.com/plaudit/plaudit/i18n"

// smsArgs names the positional arguments of the texts T is called with,
// in order, as the catalog's template data.
var smsArgs = map[string][]string{
	"sms.help": {"Brand"},
}

// T returns the catalog's text id in lang, with args filled in by position
// ("sms.help" takes the brand). It is kept for the SMS answers in server/
// (hooks_twilio.go and its neighbours), which call it with positional
// arguments; new code calls i18n.T with named data. It reads the one
// catalog in package i18n, so the answers cannot drift from the email and
// the page.
func T(lang, id string, args ...any) string {
	var data map[string]any
	for i, name := range smsArgs[id] {
		if i < len(args) {
			if data == nil {
				data = map[string]any{}
			}
			data[name] = args[i]
		}
	}
	return i18n.T(lang, id, data)
}
