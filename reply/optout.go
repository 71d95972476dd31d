package reply

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// OptOut reports whether an email reply (its subject, or the customer's
// words as EmailText gives them) asks for no more feedback requests: it
// starts with STOP (or STOPP, "Stop!", "STOP, please…"), or says
// unsubscribe, abmelden, désabonner, darme de baja, disiscrivimi,
// afmelden, descadastrar, wypisz, avregistrera, afmeld or the like in one
// of the supported languages, anywhere in the text.
//
// It leans towards the customer: a reply that asks to be left alone is
// read as an objection even when it also holds a number ("1, and
// unsubscribe me"), because an objection missed is a legal problem and
// one honoured by mistake costs the company one survey. "Stop" inside a
// sentence ("don't stop being great") is no objection; lines with a link
// are left out, since they are quoted text (the email's own footer names
// its unsubscribe link) rather than the customer's words.
func OptOut(text string) bool {
	words := optOutWords(text)
	if words == "" {
		return false
	}
	first, _, _ := strings.Cut(words, " ")
	if stopWords[first] {
		return true
	}
	padded := " " + words + " "
	for _, p := range optOutPhrases() {
		if strings.Contains(padded, p) {
			return true
		}
	}
	return false
}

// maxOptOutText bounds the text looked at: an objection is short, and
// comes first.
const maxOptOutText = 2000

// stopWords opt out when a reply starts with them.
var stopWords = setOf("stop", "stopp", "stopt", "unsubscribe", "optout", "arret", "arretez")

// optOutPhraseList holds what asks for no more requests, per language, as
// people write it; optOutPhrases folds them the way optOutWords folds a
// reply. Each is a whole word or a run of whole words.
var optOutPhraseList = []string{
	// English
	"unsubscribe", "unsubscribing", "opt out", "opt-out", "optout", "remove me", "take me off",
	"stop sending", "stop emailing", "stop contacting", "no more emails", "no more surveys",
	"do not email", "don't email", "do not contact", "don't contact",
	// German
	"abmelden", "abmeldung", "melde mich ab", "meldet mich ab", "melden sie mich ab", "austragen",
	"trage mich aus", "tragen sie mich aus", "abbestellen", "bestelle ab", "keine e-mails mehr",
	"keine emails mehr", "keine mails mehr", "keine umfragen mehr", "keine nachrichten mehr",
	"widerspreche", "widerspruch",
	// French
	"désabonner", "désabonnez", "désabonnement", "désinscrire", "désinscrivez", "désinscription",
	"me retirer", "retirez-moi", "plus d'e-mails", "plus de mails", "plus de courriels", "veux plus recevoir",
	"souhaite plus recevoir",
	"ne plus recevoir", "je m'oppose",
	// Spanish
	"darme de baja", "dar de baja", "denme de baja", "cancelar suscripción",
	"cancelar la suscripción", "desuscribir", "desuscribirme", "no quiero recibir", "no más correos",
	"no me envíen", "me opongo",
	// Italian
	"disiscrivi", "disiscrivimi", "disiscrivermi", "disiscrizione", "cancellami", "cancellatemi",
	"annulla iscrizione", "non voglio ricevere", "non inviatemi", "non mandatemi", "mi oppongo",
	// Dutch
	"afmelden", "afmelding", "uitschrijven", "schrijf mij uit", "schrijf me uit", "meld mij af",
	"meld me af", "geen e-mails meer", "geen mails meer", "niet meer ontvangen",
	// Portuguese
	"descadastrar", "descadastre", "descadastrem", "cancelar inscrição", "cancelar subscrição",
	"remover-me", "removam-me", "não quero receber", "não enviem", "deixar de receber", "oponho-me",
	// Polish
	"wypisz", "wypiszcie", "wypisać", "wypisanie", "rezygnuję", "rezygnacja", "nie chcę otrzymywać",
	"nie wysyłajcie", "sprzeciw", "sprzeciwiam się",
	// Swedish
	"avregistrera", "avsluta prenumeration", "avprenumerera", "sluta skicka", "vill inte få",
	"ta bort mig", "avanmäl",
	// Danish
	"afmeld", "afmelde", "frameld", "framelde", "stop med at sende", "vil ikke modtage", "fjern mig",
}

var optOutPhrases = sync.OnceValue(func() []string {
	out := make([]string, 0, len(optOutPhraseList))
	for _, p := range optOutPhraseList {
		out = append(out, " "+optOutWords(p)+" ")
	}
	return out
})

// foldMarks drops the accents that people leave out when they type in a
// hurry ("desabonner", "nao quero receber", "rezygnuje"). A chain keeps
// state while it runs, so each call makes its own: one shared by
// concurrent replies races and can panic.
func foldMarks() transform.Transformer {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}

// optOutWords folds text to lower-case words without accents, joined by
// single spaces, leaving out lines that hold a link; "ł" becomes "l",
// which has no accent to drop.
func optOutWords(text string) string {
	if len(text) > maxOptOutText {
		text = text[:maxOptOutText]
	}
	var kept []string
	for _, line := range strings.Split(cleanText(text), "\n") {
		if !strings.Contains(line, "://") && !strings.Contains(strings.ToLower(line), "mailto:") {
			kept = append(kept, line)
		}
	}
	folded, _, err := transform.String(foldMarks(), strings.ToLower(strings.Join(kept, " ")))
	if err != nil {
		return ""
	}
	folded = strings.NewReplacer("ł", "l", "’", "'", "ß", "ss").Replace(folded)
	var words []string
	for _, w := range strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		if w = strings.Trim(w, "'"); w != "" {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}
