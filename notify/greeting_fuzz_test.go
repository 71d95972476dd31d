package notify

import (
	"html"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzGreeting renders the email for any customer name. Both parts open
// with the same greeting: the neutral one, or the language's "Hi {name},"
// with a word of the name made of letters, joined by hyphens or
// apostrophes, at most 40 of them. So nothing of a URL, an address, a
// phone number or markup (no '<', ':', '@', '/', '.', digit) reaches the
// greeting. A name that is one plain word is greeted by it. Seeds:
// testdata/fuzz/FuzzGreeting.
func FuzzGreeting(f *testing.F) {
	f.Fuzz(func(t *testing.T, name string, german bool) {
		lang, hi, neutral := "en", "Hi ", "Hello,"
		if german {
			lang, hi, neutral = "de", "Hallo ", "Guten Tag,"
		}
		c := testContent(lang)
		c.CustomerName = name
		_, htmlPart, text, err := RenderEmail(c)
		if err != nil {
			t.Fatalf("RenderEmail with name %q: %v", name, err)
		}
		greeting, _, _ := strings.Cut(text, "\n")
		if !strings.Contains(html.UnescapeString(htmlPart), ">"+greeting+"</p>") {
			t.Fatalf("name %q: the HTML part lacks the text part's greeting %q", name, greeting)
		}
		if greeting == neutral {
			if asciiWord(name) {
				t.Fatalf("name %q, a plain word, got the neutral greeting", name)
			}
			return
		}
		first, ok := strings.CutPrefix(greeting, hi)
		first, ok2 := strings.CutSuffix(first, ",")
		if !ok || !ok2 {
			t.Fatalf("name %q: greeting %q is neither neutral nor %q", name, greeting, hi+"…,")
		}
		if !slices.Contains(strings.Fields(name), first) {
			t.Fatalf("name %q: greeted as %q, no word of it", name, first)
		}
		if strings.ContainsAny(first, "<>:@/.&;\"=?#%+") || utf8.RuneCountInString(first) > 40 || !nameRunes(first) {
			t.Fatalf("name %q: greeted as %q, no plain name", name, first)
		}
	})
}

// asciiWord reports whether s is one word of 1 to 40 ASCII letters.
func asciiWord(s string) bool {
	return len(s) >= 1 && len(s) <= 40 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// nameRunes reports whether w starts with a letter and holds letters,
// combining marks and the joiners of "Jean-Luc" and "O'Brien" only.
func nameRunes(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	if !unicode.IsLetter(r) {
		return false
	}
	for _, r := range w {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.M, r) && !strings.ContainsRune("-'’‐", r) {
			return false
		}
	}
	return true
}
