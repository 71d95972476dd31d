package web

import "fmt"

// texts holds the page's words in each language Plaudit speaks.
var texts = map[string]map[string]string{
	"en": {
		"title":                "Rate your support",
		"question":             "How did %s do?",
		"score.1":              "Poor",
		"score.2":              "Fair",
		"score.3":              "Good",
		"score.4":              "Very good",
		"score.5":              "Excellent",
		"scale":                "Choose a rating from 1 (poor) to 5 (excellent).",
		"confirm":              "You chose %d. Saving your rating…",
		"submit":               "Send rating",
		"thanks":               "Thank you! Your rating has been saved.",
		"more":                 "Would you like to tell us more?",
		"excellence":           "What went well?",
		"improvement":          "What could be better?",
		"comment":              "Your comment (optional)",
		"reward":               "Yes, send %s a small thank-you reward",
		"send_more":            "Send",
		"done":                 "Thank you, your feedback has been sent to the team.",
		"change":               "Changed your mind? You can pick another rating:",
		"notfound.title":       "Link not found",
		"notfound.body":        "This feedback link does not exist. Please check that you opened the whole link from the message.",
		"gone.title":           "This survey is closed",
		"gone.body":            "Thank you for your interest. This feedback request is no longer open.",
		"processor":            "%s asks for your feedback on its support. Your answer is processed by Plaudit on behalf of %s and used only to improve its service.",
		"privacy":              "Privacy notice",
		"area.friendly":        "Friendly",
		"area.fast":            "Fast",
		"area.knowledgeable":   "Knowledgeable",
		"area.clear":           "Clear explanations",
		"area.went_extra_mile": "Went the extra mile",
		"area.speed":           "Speed",
		"area.clarity":         "Clarity",
		"area.knowledge":       "Knowledge",
		"area.friendliness":    "Friendliness",
		"area.solution":        "The solution itself",
		"photo_alt":            "Photo of %s",
		"from":                 "from %s",
		"team":                 "our team",
	},
	"de": {
		"title":                "Bewerten Sie unseren Support",
		"question":             "Wie hat %s Ihnen geholfen?",
		"score.1":              "Schlecht",
		"score.2":              "Mäßig",
		"score.3":              "Gut",
		"score.4":              "Sehr gut",
		"score.5":              "Ausgezeichnet",
		"scale":                "Wählen Sie eine Bewertung von 1 (schlecht) bis 5 (ausgezeichnet).",
		"confirm":              "Sie haben %d gewählt. Ihre Bewertung wird gespeichert …",
		"submit":               "Bewertung senden",
		"thanks":               "Vielen Dank! Ihre Bewertung wurde gespeichert.",
		"more":                 "Möchten Sie uns mehr erzählen?",
		"excellence":           "Was war gut?",
		"improvement":          "Was könnte besser sein?",
		"comment":              "Ihr Kommentar (optional)",
		"reward":               "Ja, %s soll ein kleines Dankeschön bekommen",
		"send_more":            "Senden",
		"done":                 "Vielen Dank, Ihr Feedback wurde an das Team weitergegeben.",
		"change":               "Doch anders entschieden? Sie können eine andere Bewertung wählen:",
		"notfound.title":       "Link nicht gefunden",
		"notfound.body":        "Diesen Feedback-Link gibt es nicht. Bitte prüfen Sie, ob Sie den ganzen Link aus der Nachricht geöffnet haben.",
		"gone.title":           "Diese Umfrage ist beendet",
		"gone.body":            "Vielen Dank für Ihr Interesse. Diese Feedback-Anfrage ist nicht mehr offen.",
		"processor":            "%s bittet Sie um Feedback zum Support. Ihre Antwort wird von Plaudit im Auftrag von %s verarbeitet und nur zur Verbesserung des Service verwendet.",
		"privacy":              "Datenschutzhinweis",
		"area.friendly":        "Freundlich",
		"area.fast":            "Schnell",
		"area.knowledgeable":   "Kompetent",
		"area.clear":           "Verständlich erklärt",
		"area.went_extra_mile": "Hat mehr getan als nötig",
		"area.speed":           "Schnelligkeit",
		"area.clarity":         "Verständlichkeit",
		"area.knowledge":       "Fachwissen",
		"area.friendliness":    "Freundlichkeit",
		"area.solution":        "Die Lösung selbst",
		"photo_alt":            "Foto von %s",
		"from":                 "aus %s",
		"team":                 "unser Team",
	},
}

// T returns the text for key in lang (English when missing), formatted
// with args.
func T(lang, key string, args ...any) string {
	s, ok := texts[lang][key]
	if !ok {
		s, ok = texts["en"][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}
