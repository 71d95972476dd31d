package notify

import (
	"fmt"
	"strings"
)

// catalog holds the short texts of messages and SMS answers. German uses
// "Sie". SMS texts stay within the GSM-7 alphabet (no en dash, no curly
// quotes; umlauts and ß are part of it) so that they are not sent as UCS-2.
var catalog = map[string]map[string]string{
	"en": {
		"email.question":        "How did %s do?",
		"email.question_noname": "How did we do?",
		"email.rate":            "Rate your support from %s",
		"email.rate_nobrand":    "Rate your recent support",
		"email.helped":          "%s recently helped you with your request.",
		"email.helped_noname":   "Our support team recently helped you with your request.",
		"email.ask":             "Your rating takes one click and helps the team at %s get better.",
		"email.ask_nobrand":     "Your rating takes one click and helps the team get better.",
		"email.preheader":       "Your rating takes one click.",
		"email.greeting":        "Hi %s,",
		"email.greeting_noname": "Hello,",
		"email.photo_alt":       "Photo of %s",
		"email.logo_alt":        "%s logo",
		"email.hometown":        "From %s",
		"email.scale":           "1 = poor, 5 = great",
		"email.fallback":        "Or open the feedback page:",
		"email.why":             "You are receiving this email because you recently contacted %s support.",
		"email.why_nobrand":     "You are receiving this email because you recently contacted support.",
		"email.privacy":         "Privacy notice",
		"email.footer":          "Sent on behalf of %s by its feedback service.",
		"email.footer_nobrand":  "Sent on behalf of the company you contacted by its feedback service.",
		"score.1":               "Poor",
		"score.2":               "Fair",
		"score.3":               "Okay",
		"score.4":               "Good",
		"score.5":               "Great",

		"email.reminder_subject":   "Reminder: %s",
		"email.reminder_preheader": "A quick reminder: your rating still takes one click.",
		"email.reminder_intro":     "A quick reminder, in case our first email got lost.",

		"sms.ask_comment":    "Thanks for your rating! Anything to add? Just reply with a comment.",
		"sms.thanks_comment": "Thank you for your comment! We have passed it on.",
		"sms.unparsed":       "Sorry, we didn't get that. Please reply with a number from 1 (poor) to 5 (great).",
		"sms.expired":        "Thank you for your reply! This survey has already closed, so we could not record it.",
		"sms.stopped":        "You won't get more messages from us. Reply START to undo.",
		"sms.started":        "You are subscribed again. Reply STOP to opt out.",
		"sms.help":           "%s asks for your feedback on support. Reply 1-5 to rate, STOP to opt out.",
		"sms.help_nobrand":   "This number asks for feedback on support you received. Reply 1-5 to rate, STOP to opt out.",
		"sms.already":        "Thank you! We have already received your feedback.",
		"sms.reminder":       "Reminder:",
		"sms.ambiguous":      "We could not tell which survey your reply is for, so we did not record it. Please answer on the page the message linked to:",
	},
	"de": {
		"email.question":        "Wie zufrieden waren Sie mit %s?",
		"email.question_noname": "Wie zufrieden waren Sie mit unserem Support?",
		"email.rate":            "Bewerten Sie den Support von %s",
		"email.rate_nobrand":    "Bewerten Sie unseren Support",
		"email.helped":          "%s hat Ihnen kürzlich bei Ihrer Anfrage geholfen.",
		"email.helped_noname":   "Unser Support-Team hat Ihnen kürzlich bei Ihrer Anfrage geholfen.",
		"email.ask":             "Ihre Bewertung dauert nur einen Klick und hilft dem Team von %s, noch besser zu werden.",
		"email.ask_nobrand":     "Ihre Bewertung dauert nur einen Klick und hilft dem Team, noch besser zu werden.",
		"email.preheader":       "Ihre Bewertung dauert nur einen Klick.",
		"email.greeting":        "Hallo %s,",
		"email.greeting_noname": "Guten Tag,",
		"email.photo_alt":       "Foto von %s",
		"email.logo_alt":        "Logo von %s",
		"email.hometown":        "Aus %s",
		"email.scale":           "1 = schlecht, 5 = sehr gut",
		"email.fallback":        "Oder öffnen Sie die Feedback-Seite:",
		"email.why":             "Sie erhalten diese E-Mail, weil Sie kürzlich den Support von %s kontaktiert haben.",
		"email.why_nobrand":     "Sie erhalten diese E-Mail, weil Sie kürzlich den Support kontaktiert haben.",
		"email.privacy":         "Datenschutzhinweise",
		"email.footer":          "Gesendet im Auftrag von %s über den Feedback-Dienst des Unternehmens.",
		"email.footer_nobrand":  "Gesendet im Auftrag des Unternehmens, das Sie kontaktiert haben, über dessen Feedback-Dienst.",
		"score.1":               "Schlecht",
		"score.2":               "Mäßig",
		"score.3":               "Okay",
		"score.4":               "Gut",
		"score.5":               "Sehr gut",

		"email.reminder_subject":   "Erinnerung: %s",
		"email.reminder_preheader": "Eine kurze Erinnerung: Ihre Bewertung dauert weiterhin nur einen Klick.",
		"email.reminder_intro":     "Eine kurze Erinnerung, falls unsere erste E-Mail untergegangen ist.",

		"sms.ask_comment":    "Danke für Ihre Bewertung! Möchten Sie noch etwas ergänzen? Antworten Sie einfach mit einem Kommentar.",
		"sms.thanks_comment": "Vielen Dank für Ihren Kommentar! Wir haben ihn weitergegeben.",
		"sms.unparsed":       "Entschuldigung, das haben wir nicht verstanden. Bitte antworten Sie mit einer Zahl von 1 (schlecht) bis 5 (sehr gut).",
		"sms.expired":        "Vielen Dank für Ihre Antwort! Diese Umfrage ist bereits beendet, daher konnten wir sie nicht mehr aufnehmen.",
		"sms.stopped":        "Sie erhalten keine weiteren Nachrichten von uns. Antworten Sie START, um dies rückgängig zu machen.",
		"sms.started":        "Sie erhalten wieder Nachrichten von uns. Antworten Sie STOP zum Abmelden.",
		"sms.help":           "%s bittet um Ihr Feedback zum Support. Antworten Sie 1-5 zum Bewerten, STOP zum Abmelden.",
		"sms.help_nobrand":   "Diese Nummer bittet um Feedback zu Ihrem Support-Kontakt. Antworten Sie 1-5 zum Bewerten, STOP zum Abmelden.",
		"sms.already":        "Vielen Dank! Ihr Feedback haben wir bereits erhalten.",
		"sms.reminder":       "Erinnerung:",
		"sms.ambiguous":      "Wir konnten nicht erkennen, zu welcher Umfrage Ihre Antwort gehört, und haben sie daher nicht gespeichert. Bitte antworten Sie auf der Seite aus der Nachricht:",
	},
}

// T returns the text for key in lang ("en" or "de"; anything else falls
// back to English), formatted with args when the text takes any. An unknown key
// is returned as is, so that a missing text shows up rather than vanishing.
func T(lang, key string, args ...any) string {
	s, ok := catalog[lang][key]
	if !ok {
		if s, ok = catalog["en"][key]; !ok {
			return key
		}
	}
	if len(args) == 0 || !strings.Contains(s, "%") {
		return s
	}
	return fmt.Sprintf(s, args...)
}
