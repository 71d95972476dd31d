package reply

import "testing"

// TestOptOut: replies that object, in every supported language, as people
// type them (with and without accents, in a sentence or alone).
func TestOptOut(t *testing.T) {
	for _, in := range []string{
		"STOP", "stop", "Stop!", "STOP, please unsubscribe me", "Stopp", "stop.\n\nAnna",
		"Please unsubscribe me.", "I want to opt out", "Remove me from your list", "Please stop sending these surveys",
		"abmelden", "Bitte abmelden!", "Bitte melden Sie mich ab.", "Keine E-Mails mehr, danke", "Ich widerspreche der Nutzung meiner Adresse.",
		"Me désabonner svp", "desabonner", "Je ne veux plus recevoir ces e-mails", "Arrêtez",
		"Quiero darme de baja", "Por favor, denme de baja", "no quiero recibir más correos",
		"Disiscrivimi", "cancellatemi da questa lista", "Non voglio ricevere altre email",
		"afmelden", "Schrijf mij uit alstublieft", "Geen e-mails meer aub",
		"Quero descadastrar", "Não quero receber mais", "nao quero receber mais isto",
		"Wypisz mnie", "Rezygnuję", "rezygnuje z tych wiadomosci", "Nie chcę otrzymywać tych maili",
		"Avregistrera mig", "Sluta skicka mejl", "Ta bort mig från listan",
		"Afmeld mig", "Stop med at sende mig mails", "Fjern mig fra listen",
		"1, and unsubscribe me",
	} {
		if !OptOut(in) {
			t.Errorf("OptOut(%q) = false, want true", in)
		}
	}
}

// TestOptOutLeavesAnswersAlone: scores, comments that say "stop" in
// passing, quoted footers and links are no objection.
func TestOptOutLeavesAnswersAlone(t *testing.T) {
	for _, in := range []string{
		"", "5", "5 – quick and kind", "4, don't stop being great", "Non-stop service, 5 stars",
		"5 Sterne, alles super!", "Kundenservice war top", "La baja calidad del producto no es culpa de Max, 4",
		"Alto nivel, 5", "Basta dire che è stato bravissimo: 5",
		"Unsubscribe: https://fb.acme.example/u/Tok123", "Abmelden: https://fb.acme.example/u/Tok123",
		"Sie können weiteren Feedback-Anfragen jederzeit widersprechen",
		"Gracias, todo bien", "Tout était parfait", "Alles prima, dank je", "Allt var bra", "Alt var godt", "Wszystko super",
	} {
		if OptOut(in) {
			t.Errorf("OptOut(%q) = true, want false", in)
		}
	}
}

func FuzzOptOut(f *testing.F) {
	for _, s := range []string{"STOP", "abmelden", "5 – quick and kind", "Me désabonner", "Wypisz mnie", "unsubscribe: https://x/u/t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := OptOut(in)
		if OptOut(in) != got {
			t.Fatalf("OptOut(%q) changed between calls", in)
		}
		// What the customer added after a line with a link cannot take an
		// objection back, and a link line alone makes none.
		if OptOut("https://x.example/u/" + in) {
			for _, r := range in {
				if r == '\n' || r == '\r' {
					return
				}
			}
			t.Fatalf("OptOut on a link line %q", in)
		}
	})
}
