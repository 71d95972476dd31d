package server_test

import (
	"net/url"
	"strings"
	"testing"
)

// The console speaks the browser's language (Accept-Language) in its
// frame, menu and sign-in pages, from the catalog: a German admin gets a
// German menu and sign-in, an English one English; page text not yet in
// the catalog is marked as English for screen readers.
func TestConsoleInTheBrowsersLanguage(t *testing.T) {
	site := newConsoleSite(t)
	site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	de := []string{"Accept-Language", "de-DE,de;q=0.9,en;q=0.5"}

	b := site.browser()
	login := b.do("GET", "/console/login", nil, de...)
	for _, want := range []string{`<html lang="de">`, "Zum Inhalt springen", "Mit einem Link per E-Mail anmelden", "Anmeldelink per E-Mail senden", "(Pflichtfeld)"} {
		if !strings.Contains(login.body, want) {
			t.Errorf("the German sign-in page lacks %q", want)
		}
	}
	if strings.Contains(login.body, "Email me a sign-in link") || strings.Contains(login.body, `<div lang="en">`) {
		t.Error("the German sign-in page has English in it")
	}
	if p := b.do("POST", "/console/login", url.Values{"email": {"nicht-gültig"}}, de...); p.status != 400 ||
		!strings.Contains(p.body, "<strong>Fehler:</strong> Geben Sie eine E-Mail-Adresse ein") {
		t.Errorf("the German field error: %d %s", p.status, p.body)
	}
	b.signIn("ada@nordlicht.example")
	p := b.do("GET", "/console/responses", nil, de...)
	for _, want := range []string{`<html lang="de">`, `<nav aria-label="Konsole">`, ">Übersicht</a>", ">Antworten</a>", ">Connectoren</a>",
		">Datenschutz</a>", ">Audit-Protokoll</a>", "<h1>Antworten</h1>", ">Abmelden</button>", `<div lang="en">`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the German responses page lacks %q", want)
		}
	}
	if p.header.Get("Vary") != "Accept-Language" {
		t.Errorf("Vary: %q", p.header.Get("Vary"))
	}
	en := b.do("GET", "/console/responses", nil, "Accept-Language", "en-GB,en;q=0.9")
	if !strings.Contains(en.body, `<html lang="en">`) || !strings.Contains(en.body, ">Overview</a>") || strings.Contains(en.body, "Übersicht") {
		t.Errorf("the English menu: %s", en.body)
	}
	if nl := b.do("GET", "/console/", nil, "Accept-Language", "ja"); !strings.Contains(nl.body, ">Overview</a>") || !strings.Contains(nl.body, `<html lang="en">`) {
		t.Error("a language without texts does not fall back to English")
	}
}
