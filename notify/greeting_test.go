package notify

import (
	"html"
	"strings"
	"testing"
)

// Whoever opens a ticket chooses the name in it. A name that is a URL, an
// address, a phone number or markup is not repeated in the company's
// email: both parts greet neutrally, in the customer's language.
func TestGreetingLeavesOutNamesThatAreNoNames(t *testing.T) {
	for name, tell := range map[string]string{
		"https://acme-refunds.evil.example/claim?id=1": "evil.example",
		"acme-refunds.evil.example/claim":              "evil.example",
		"www.evil.example":                             "evil.example",
		"refunds@evil.example":                         "evil.example",
		"+1 555 0100":                                  "+1",
		"0800-123456 Hotline":                          "0800",
		`<a href="https://evil.example">Anna</a>`:      "evil.example",
		"<b>Anna</b> Schmidt":                          "Anna",
		"Anna<img src=x>":                              "Anna",
		"Dr. https://evil.example":                     "evil.example",
		"{{.Name}}":                                    "{{",
	} {
		for lang, neutral := range map[string]string{"en": "Hello,", "de": "Guten Tag,"} {
			c := testContent(lang)
			c.CustomerName = name
			_, htmlPart, text, err := RenderEmail(c)
			if err != nil {
				t.Fatal(err)
			}
			for part, body := range map[string]string{"html": html.UnescapeString(htmlPart), "text": text} {
				if !strings.Contains(body, neutral) {
					t.Errorf("%s %s part for %q lacks the neutral greeting %q", lang, part, name, neutral)
				}
				if strings.Contains(body, tell) {
					t.Errorf("%s %s part for %q shows %q", lang, part, name, tell)
				}
			}
		}
	}
}

// Real names still get their greeting, the first name only.
func TestGreetingUsesRealFirstNames(t *testing.T) {
	for name, want := range map[string]string{
		"Anna Schmidt": "Anna", "Dr. Anna Schmidt": "Anna", "Prof. Dr. Jörg Weiß": "Jörg",
		"Jean-Luc Picard": "Jean-Luc", "Siobhán O'Brien": "Siobhán", "O'Brien": "O'Brien",
		"李小龙": "李小龙", "Zoë": "Zoë", "  Ana  María ": "Ana",
	} {
		c := testContent("en")
		c.CustomerName = name
		_, htmlPart, text, err := RenderEmail(c)
		if err != nil {
			t.Fatal(err)
		}
		greeting := "Hi " + want + ","
		if !strings.Contains(text, greeting) || !strings.Contains(html.UnescapeString(htmlPart), greeting) {
			t.Errorf("%q: want %q in both parts", name, greeting)
		}
	}
}

func TestPlainName(t *testing.T) {
	for w, want := range map[string]bool{
		"Anna": true, "Jean-Luc": true, "D’Angelo": true, "Zoe\u0308": true,
		"": false, "-Anna": false, "Anna-": false, "Jean--Luc": false, "Anna1": false, "an.na": false,
		"\u0308Anna": false, strings.Repeat("a", 41): false, "a@b": false, "Anna;": false,
	} {
		if got := plainName(w); got != want {
			t.Errorf("plainName(%q) = %v, want %v", w, got, want)
		}
	}
}
