package reply

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Keyword is a carrier keyword an SMS may consist of.
type Keyword int

// The keywords. None is any message that is not one of them.
const (
	None  Keyword = iota
	Stop          // opt out: suppress the number for the tenant
	Start         // opt back in: lift that suppression
	Help          // ask what the messages are and how to stop them
)

// String returns the keyword's name, as used in logs and audit events.
func (k Keyword) String() string {
	switch k {
	case Stop:
		return "stop"
	case Start:
		return "start"
	case Help:
		return "help"
	}
	return "none"
}

// keywords are Twilio's default opt-out, opt-in and help keywords, and STOPP,
// which German customers type. Twilio acts on its own keywords (it blocks
// further messages to a number after STOP), so Plaudit reads them the same
// way, or its suppressions and Twilio's would disagree. YES is no opt-in
// here: in a feedback conversation it answers a question.
var keywords = map[string]Keyword{
	"STOP": Stop, "STOPALL": Stop, "UNSUBSCRIBE": Stop, "CANCEL": Stop, "END": Stop,
	"QUIT": Stop, "OPTOUT": Stop, "REVOKE": Stop, "STOPP": Stop,
	"START": Start, "UNSTOP": Start,
	"HELP": Help, "INFO": Help,
}

// maxKeyword bounds the text worth normalizing: the longest keyword with
// generous spacing. Longer messages are never a keyword.
const maxKeyword = 64

// KeywordOf recognizes a message that consists of a keyword only, ignoring
// case, spaces ("Stop all", "OPT OUT"), hyphens ("opt-out") and trailing
// punctuation ("Stop!", "STOP."). A keyword inside a longer message
// ("please stop", "stop sending me these") is None: such a message is a
// comment for a person to read, and Twilio does not block on it either.
func KeywordOf(text string) Keyword {
	return keywords[normalizeKeyword(text)]
}

// ConfirmedByTwilio reports whether text is a keyword that Twilio itself
// answers by default (it sends the carrier-mandated confirmation for STOP,
// START and their variants). STOPP is Plaudit's own: Twilio neither blocks
// nor confirms it, so Plaudit has to confirm it.
func ConfirmedByTwilio(text string) bool {
	w := normalizeKeyword(text)
	return keywords[w] != None && keywords[w] != Help && w != "STOPP"
}

// normalizeKeyword folds text to the form the keywords table is keyed by,
// or "" when it is too long to be one.
func normalizeKeyword(text string) string {
	s := strings.TrimSpace(text)
	if len(s) > maxKeyword {
		return ""
	}
	// NFKC folds full-width letters ("ＳＴＯＰ") to ASCII.
	s = norm.NFKC.String(s)
	s = strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' || r == '_' {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}
