package reply

import (
	"maps"
	"slices"
	"strings"
	"sync"
)

// vocab holds the words Score reads, of one language or of several
// merged.
type vocab struct {
	// numbers are the spelled-out numbers. Six to ten are here so that
	// "five out of ten" and "4 oder sechs" are read as numbers, and refused.
	numbers map[string]int
	// leadIn holds the words that may precede a rating. It leaves out
	// words that change its meaning ("not", "nicht", "between", "zwischen"),
	// and the words for a school grade ("Note", "note", "nota", "voto",
	// "cijfer", "karakter"): grades run the other way, or to 10 and
	// beyond.
	leadIn map[string]bool
	// connectors are the words by which a second number is offered as an
	// alternative or a correction ("4 or 5", "4, eher 5", "3 bis 4").
	connectors map[string]bool
	// units may follow a number without changing it: "4 stars", "4 Sterne".
	units map[string]bool
	// counts after a digit mean it counts something other than stars, so
	// it is no rating: "5 minutes on hold", "3 Anrufe", "5 jours".
	counts map[string]bool
	// scales introduce the scale after a number ("4 von 5", "4 sur 5");
	// scalePairs are two-word ones, by first word ("out of", "ud af").
	scales     map[string]bool
	scalePairs map[string]string
	// tailVerbs end a rating whose verb comes last ("Ich würde 4 geben");
	// tailWords may stand between the rating and that verb.
	tailVerbs, tailWords map[string]bool
}

// words are the words of each language of plaudit.Languages, in lower
// case, also as typed without accents where people do.
var words = map[string]vocab{
	"en": {
		numbers: map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
			"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10},
		leadIn: setOf("i", "i'd", "id", "i'll", "i'm", "im", "would", "will", "say", "give", "giving",
			"gave", "it", "you", "he", "she", "they", "him", "her", "them", "a", "an", "rate",
			"rating", "rated", "score", "my", "is", "was", "it's", "its", "it'd", "that's", "thats",
			"that", "he's", "she's", "deserve", "deserved", "earned", "solid",
			"full", "definitely", "easily", "clearly", "overall", "honestly", "well", "hmm",
			"hm", "um", "ok", "okay", "so", "hi", "hey", "hello", "deserves", "gets", "get"),
		connectors: setOf("or", "and", "to", "maybe", "rather", "actually", "no", "nah", "sorry",
			"mean", "meant", "correction", "even", "plus", "but", "make"),
		units: setOf("star", "stars", "point", "points", "pts"),
		counts: setOf("minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs", "h",
			"day", "days", "week", "weeks", "month", "months", "year", "years", "second",
			"seconds", "sec", "secs", "time", "times", "x", "am", "pm", "o'clock", "euro",
			"euros", "eur", "dollar", "dollars", "usd", "percent", "call", "calls", "attempt",
			"attempts", "tries", "mail", "mails", "emails"),
		scales:     setOf("of"),
		scalePairs: map[string]string{"out": "of"},
	},
	"de": {
		numbers: map[string]int{"eins": 1, "ein": 1, "eine": 1, "einen": 1, "zwei": 2, "zwo": 2,
			"drei": 3, "vier": 4, "fünf": 5, "fuenf": 5, "funf": 5,
			"sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10},
		leadIn: setOf("ich", "würde", "wuerde", "gebe", "geben", "gäbe", "gaebe", "vergebe", "sage",
			"sagen", "bewerte", "bewertung", "meine", "mein", "es", "er", "sie", "ihm", "ihr",
			"ihnen", "ein", "eine", "einen", "klare", "klar", "glatte", "volle", "definitiv",
			"eindeutig", "also", "na", "hallo", "moin", "servus", "insgesamt", "gesamt",
			"dafür", "dafuer", "bekommt", "verdient", "das", "ist", "war"),
		connectors: setOf("oder", "und", "bis", "vielleicht", "eher", "eigentlich", "nein",
			"meinte", "sogar", "aber", "mach", "daraus"),
		units: setOf("stern", "sterne", "sternen", "sternchen", "punkt", "punkte", "punkten"),
		counts: setOf("minuten", "std", "stunde", "stunden", "tag", "tage", "tagen", "woche",
			"wochen", "monat", "monate", "monaten", "jahr", "jahre", "jahren", "sek", "sekunde",
			"sekunden", "mal", "uhr", "prozent", "anruf", "anrufe", "anrufen", "versuch",
			"versuche", "versuchen"),
		scales:    setOf("von", "aus"),
		tailVerbs: setOf("geben", "vergeben", "sagen"),
		tailWords: setOf("würde", "wuerde", "ich", "ihm", "ihr", "ihnen", "es", "dafür", "dafuer"),
	},
	"fr": {
		numbers: map[string]int{"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
			"six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10},
		leadIn: setOf("je", "j'ai", "donne", "donnerais", "mets", "mettrais", "dirais", "il", "elle", "lui", "leur", "mérite", "merite", "vaut", "c'est",
			"un", "une", "bonjour", "salut", "alors", "franchement", "globalement", "ma", "mon",
			"évaluation", "evaluation", "vous", "bien", "sûr", "sur", "largement"),
		connectors: setOf("ou", "et", "à", "plutôt", "plutot", "voire", "mais", "non", "enfin",
			"pardon", "même", "meme"),
		units: setOf("étoile", "étoiles", "etoile", "etoiles", "point", "points"),
		counts: setOf("minute", "minutes", "heure", "heures", "jour", "jours", "semaine",
			"semaines", "mois", "an", "ans", "année", "années", "annee", "annees", "fois",
			"appel", "appels", "euros", "seconde", "secondes"),
		scales: setOf("sur"),
	},
	"es": {
		numbers: map[string]int{"uno": 1, "una": 1, "un": 1, "dos": 2, "tres": 3, "cuatro": 4,
			"cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10},
		leadIn: setOf("le", "les", "doy", "daría", "daria", "pongo", "pondría", "pondria", "diría",
			"diria", "un", "una", "mi", "calificación", "calificacion", "puntuación",
			"puntuacion", "es", "se", "merece", "hola", "pues", "sinceramente", "yo", "sin",
			"duda", "claramente", "bueno"),
		connectors: setOf("o", "y", "a", "hasta", "mejor", "quizás", "quizas", "incluso", "pero",
			"no", "perdón", "perdon"),
		units: setOf("estrella", "estrellas", "punto", "puntos"),
		counts: setOf("minuto", "minutos", "hora", "horas", "día", "días", "dia", "dias",
			"semana", "semanas", "mes", "meses", "año", "años", "ano", "anos", "vez", "veces",
			"llamada", "llamadas", "euros", "segundo", "segundos"),
		scales: setOf("de", "sobre"),
	},
	"it": {
		numbers: map[string]int{"uno": 1, "una": 1, "un": 1, "due": 2, "tre": 3, "quattro": 4,
			"cinque": 5, "sei": 6, "sette": 7, "otto": 8, "nove": 9, "dieci": 10},
		leadIn: setOf("do", "darei", "metto", "metterei", "direi", "gli", "le", "un", "una",
			"valutazione", "il", "mio", "è", "merita", "ciao", "salve", "allora",
			"sinceramente", "io", "sicuramente", "decisamente", "pieno"),
		connectors: setOf("o", "oppure", "e", "a", "anzi", "forse", "magari", "ma", "no",
			"scusa", "pure"),
		units: setOf("stella", "stelle", "stellina", "stelline", "punto", "punti"),
		counts: setOf("minuto", "minuti", "ora", "ore", "giorno", "giorni", "settimana",
			"settimane", "mese", "mesi", "anno", "anni", "volta", "volte", "chiamata",
			"chiamate", "euro", "secondo", "secondi"),
		scales: setOf("su"),
	},
	"nl": {
		numbers: map[string]int{"een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5,
			"zes": 6, "zeven": 7, "acht": 8, "negen": 9, "tien": 10},
		leadIn: setOf("ik", "geef", "zou", "een", "hij", "zij", "ze", "krijgt", "verdient",
			"het", "is", "was", "mijn", "beoordeling", "score", "hallo", "hoi", "nou", "dus",
			"eerlijk", "gezegd", "zeker", "gewoon", "dikke", "volle"),
		connectors: setOf("of", "en", "tot", "misschien", "eerder", "zelfs", "maar", "nee",
			"sorry", "bedoel"),
		units: setOf("ster", "sterren", "sterretjes", "punt", "punten"),
		counts: setOf("minuut", "minuten", "uur", "uren", "dag", "dagen", "week", "weken",
			"maand", "maanden", "jaar", "jaren", "keer", "keren", "maal", "euro", "seconden"),
		scales: setOf("op", "uit"),
	},
	"pt": {
		numbers: map[string]int{"um": 1, "uma": 1, "dois": 2, "duas": 2, "três": 3, "tres": 3,
			"quatro": 4, "cinco": 5, "seis": 6, "sete": 7, "oito": 8, "nove": 9, "dez": 10},
		leadIn: setOf("eu", "dou", "daria", "dei", "um", "uma", "é", "o", "meu", "minha",
			"avaliação", "avaliacao", "merece", "olá", "ola", "oi", "bom", "então", "entao",
			"sinceramente", "ele", "ela", "lhe", "com", "certeza"),
		connectors: setOf("ou", "e", "a", "até", "ate", "talvez", "aliás", "alias", "mas", "não",
			"nao", "desculpe", "mesmo"),
		units: setOf("estrela", "estrelas", "ponto", "pontos"),
		counts: setOf("minuto", "minutos", "hora", "horas", "dia", "dias", "semana", "semanas",
			"mês", "mes", "meses", "ano", "anos", "vez", "vezes", "ligação", "ligações",
			"chamada", "chamadas", "euros", "reais", "segundos"),
		scales: setOf("de"),
	},
	"pl": {
		numbers: map[string]int{"jeden": 1, "jedna": 1, "jedynka": 1, "dwa": 2, "dwie": 2,
			"dwójka": 2, "dwojka": 2, "trzy": 3, "trójka": 3, "trojka": 3, "cztery": 4,
			"czwórka": 4, "czworka": 4, "pięć": 5, "piec": 5, "piątka": 5, "piatka": 5,
			"sześć": 6, "szesc": 6, "szóstka": 6, "siedem": 7, "osiem": 8, "dziewięć": 9,
			"dziesięć": 10},
		leadIn: setOf("daję", "daje", "dałbym", "dalbym", "dałabym", "dalabym", "dam", "ocena",
			"oceniam", "moja", "to", "jest", "zasługuje", "zasluguje", "dzień", "dzien",
			"dobry", "cześć", "czesc", "witam", "więc", "wiec", "szczerze", "mocna", "mocne",
			"pełna", "pelna", "ja", "na"),
		connectors: setOf("lub", "albo", "i", "do", "czy", "może", "moze", "raczej", "nawet",
			"ale", "nie", "przepraszam"),
		units: setOf("gwiazdka", "gwiazdki", "gwiazdek", "punkt", "punkty", "punktów", "punktow"),
		counts: setOf("minuta", "minuty", "minut", "godzina", "godziny", "godzin", "dzień",
			"dni", "tydzień", "tygodnie", "tygodni", "miesiąc", "miesiące", "miesięcy", "rok",
			"lata", "lat", "raz", "razy", "zł", "zl", "złotych", "sekund"),
		scales: setOf("na"),
	},
	"sv": {
		numbers: map[string]int{"en": 1, "ett": 1, "två": 2, "tva": 2, "tre": 3, "fyra": 4,
			"fem": 5, "sex": 6, "sju": 7, "åtta": 8, "atta": 8, "nio": 9, "tio": 10},
		leadIn: setOf("jag", "ger", "skulle", "säga", "en", "ett", "betyg", "hen", "han", "hon",
			"får", "förtjänar", "fortjanar", "det", "är", "blir", "hej", "tja", "alltså",
			"ärligt", "min", "klar", "stark", "full"),
		connectors: setOf("eller", "och", "till", "kanske", "snarare", "men", "nej", "förlåt",
			"forlat", "menade"),
		units: setOf("stjärna", "stjärnor", "stjarna", "stjarnor", "poäng", "poang"),
		counts: setOf("minut", "minuter", "timme", "timmar", "dag", "dagar", "vecka", "veckor",
			"månad", "månader", "år", "gång", "gånger", "samtal", "kronor", "kr", "sekunder"),
		scales: setOf("av"),
	},
	"da": {
		numbers: map[string]int{"en": 1, "et": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5,
			"seks": 6, "syv": 7, "otte": 8, "ni": 9, "ti": 10},
		leadIn: setOf("jeg", "giver", "ville", "give", "sige", "en", "et", "han", "hun", "får",
			"fortjener", "det", "er", "bliver", "hej", "altså", "altsa", "ærligt", "min",
			"klar", "stærk", "fuld"),
		connectors: setOf("eller", "og", "til", "måske", "maaske", "snarere", "endda", "men",
			"nej", "undskyld", "mente"),
		units: setOf("stjerne", "stjerner", "point"),
		counts: setOf("minut", "minutter", "time", "timer", "dag", "dage", "uge", "uger",
			"måned", "måneder", "år", "gang", "gange", "opkald", "kroner", "kr", "sekunder"),
		scales:     setOf("af"),
		scalePairs: map[string]string{"ud": "af"},
	},
}

// merged caches vocabFor's answers by the languages' codes; there are few
// combinations, since the codes come from plaudit.Languages.
var merged sync.Map // string → *vocab

// vocabFor merges the words of langs (codes of plaudit.Languages; others
// are left out); no known language means every language.
func vocabFor(langs []string) *vocab {
	var known []string
	for _, l := range langs {
		if _, ok := words[l]; ok && !slices.Contains(known, l) {
			known = append(known, l)
		}
	}
	if len(known) == 0 {
		known = slices.Collect(maps.Keys(words))
	}
	slices.Sort(known)
	key := strings.Join(known, ",")
	if v, ok := merged.Load(key); ok {
		return v.(*vocab)
	}
	v := &vocab{numbers: map[string]int{}, leadIn: map[string]bool{}, connectors: map[string]bool{},
		units: map[string]bool{}, counts: map[string]bool{}, scales: map[string]bool{},
		scalePairs: map[string]string{}, tailVerbs: map[string]bool{}, tailWords: map[string]bool{}}
	for _, l := range known {
		w := words[l]
		maps.Copy(v.numbers, w.numbers)
		for _, m := range [][2]map[string]bool{{v.leadIn, w.leadIn}, {v.connectors, w.connectors},
			{v.units, w.units}, {v.counts, w.counts}, {v.scales, w.scales},
			{v.tailVerbs, w.tailVerbs}, {v.tailWords, w.tailWords}} {
			maps.Copy(m[0], m[1])
		}
		maps.Copy(v.scalePairs, w.scalePairs)
	}
	merged.Store(key, v)
	return v
}
