package reply

import (
	"slices"
	"testing"
)

// TestScoreInEveryLanguage: number words, scales and units of each
// supported language are read in that language.
func TestScoreInEveryLanguage(t *testing.T) {
	tests := []struct {
		lang, in string
		score    int
		comment  string
	}{
		{"fr", "cinq", 5, ""},
		{"fr", "Je donne 4 sur 5, très aimable", 4, "très aimable"},
		{"fr", "quatre étoiles", 4, ""},
		{"fr", "Je lui donne un 5 !", 5, ""},
		{"es", "cinco", 5, ""},
		{"es", "Le doy un 4 de 5 - muy amable", 4, "muy amable"},
		{"es", "3 estrellas", 3, ""},
		{"it", "cinque", 5, ""},
		{"it", "Darei 4 su 5, gentilissimo", 4, "gentilissimo"},
		{"it", "tre stelle", 3, ""},
		{"nl", "vijf", 5, ""},
		{"nl", "Ik geef een 4, prima geholpen", 4, "prima geholpen"},
		{"nl", "4 sterren", 4, ""},
		{"pt", "cinco", 5, ""},
		{"pt", "Dou 4 de 5, muito simpático", 4, "muito simpático"},
		{"pt", "três estrelas", 3, ""},
		{"pl", "pięć", 5, ""},
		{"pl", "piec", 5, ""},
		{"pl", "Daję 4 na 5, szybko i miło", 4, "szybko i miło"},
		{"pl", "5 gwiazdek", 5, ""},
		{"sv", "fem", 5, ""},
		{"sv", "Jag ger 4 av 5, snabb hjälp", 4, "snabb hjälp"},
		{"sv", "fyra stjärnor", 4, ""},
		{"da", "fem", 5, ""},
		{"da", "fire", 4, ""},
		{"da", "Jeg giver 4 ud af 5, god hjælp", 4, "god hjælp"},
		{"da", "5 stjerner", 5, ""},
	}
	for _, tc := range tests {
		score, comment, ok := Score(tc.in, tc.lang, "en")
		if !ok || score != tc.score || comment != tc.comment {
			t.Errorf("%s: Score(%q) = %d, %q, %v; want %d, %q", tc.lang, tc.in, score, comment, ok, tc.score, tc.comment)
		}
	}
}

// TestScoreRefusesInEveryLanguage: alternatives, scales other than five and
// numbers that count something else are no score in any language.
func TestScoreRefusesInEveryLanguage(t *testing.T) {
	for lang, ins := range map[string][]string{
		"fr": {"4 ou 5", "8 sur 10", "5 minutes d'attente", "3 jours", "deux ou trois"},
		"es": {"4 o 5", "8 de 10", "5 minutos de espera", "tres o cuatro"},
		"it": {"4 o 5", "8 su 10", "5 minuti di attesa", "due o tre"},
		"nl": {"8 uit 10", "5 minuten gewacht", "drie of vier"},
		"pt": {"4 ou 5", "8 de 10", "5 minutos de espera", "dois ou três"},
		"pl": {"4 lub 5", "8 na 10", "5 minut czekania", "trzy albo cztery"},
		"sv": {"4 eller 5", "8 av 10", "5 minuter i kö", "tre eller fyra"},
		"da": {"4 eller 5", "8 af 10", "5 minutter i kø", "tre eller fire"},
	} {
		for _, in := range ins {
			if score, _, ok := Score(in, lang, "en"); ok {
				t.Errorf("%s: Score(%q) = %d, want no score", lang, in, score)
			}
		}
	}
}

// TestScoreLanguagesAreKeptApart: a word is a number only in the languages
// asked for, so that an English "Fire!" is not a Danish four.
func TestScoreLanguagesAreKeptApart(t *testing.T) {
	for _, tc := range []struct {
		in    string
		langs []string
	}{
		{"fire", []string{"en", "de"}}, {"fem", []string{"fr", "en"}}, {"pięć", []string{"de", "en"}},
		{"cinq", []string{"es", "en"}}, {"vijf", []string{"sv", "en"}},
	} {
		if score, _, ok := Score(tc.in, tc.langs...); ok {
			t.Errorf("Score(%q, %v) = %d, want no score", tc.in, tc.langs, score)
		}
	}
	if score, _, ok := Score("fire", "da"); !ok || score != 4 {
		t.Errorf("Score(fire, da) = %d, %v", score, ok)
	}
	// No language, or none known: every language's words.
	for _, langs := range [][]string{nil, {"xx"}} {
		if score, _, ok := Score("vijf", langs...); !ok || score != 5 {
			t.Errorf("Score(vijf, %v) = %d, %v", langs, score, ok)
		}
	}
}

// TestWordsCoverEveryLanguage: each language has its numbers one to five
// and the words that make a rating.
func TestWordsCoverEveryLanguage(t *testing.T) {
	langs := []string{"en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da"}
	for _, l := range langs {
		w, ok := words[l]
		if !ok {
			t.Errorf("%s: no words", l)
			continue
		}
		var got []int
		for _, n := range w.numbers {
			if !slices.Contains(got, n) {
				got = append(got, n)
			}
		}
		for n := 1; n <= 10; n++ {
			if !slices.Contains(got, n) {
				t.Errorf("%s: no word for %d", l, n)
			}
		}
		if len(w.leadIn) == 0 || len(w.connectors) == 0 || len(w.units) == 0 || len(w.counts) == 0 || len(w.scales)+len(w.scalePairs) == 0 {
			t.Errorf("%s: a word list is empty", l)
		}
	}
	if len(words) != len(langs) {
		t.Errorf("words has %d languages, want %d", len(words), len(langs))
	}
}
