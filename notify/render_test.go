package notify

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

// pageURL is a realistic feedback link: 45 characters; unsubURL its
// unsubscribe page.
const (
	pageURL  = "https://fb.acme-help.com/f/Qm9vZ3J5aWQxMjM0NT"
	unsubURL = "https://fb.acme-help.com/u/Qm9vZ3J5aWQxMjM0NT"
)

func testContent(lang string) Content {
	s := plaudit.DefaultSettings()
	s.BrandName = "Acme"
	s.BrandColor = "#2f6fed"
	s.LogoURL = "https://cdn.acme.com/logo.png"
	s.PrivacyURL = "https://acme.com/privacy"
	return Content{
		Settings: s,
		Agent: plaudit.Agent{
			Name:     "Max Mustermann",
			PhotoURL: "https://cdn.acme.com/agents/max.jpg",
			Hometown: "Hamburg",
			Bio:      "Fixes printers & <script>alert(1)</script> hearts.",
		},
		Language:       lang,
		PageURL:        pageURL,
		UnsubscribeURL: unsubURL,
		Controller:     "Acme Support GmbH",
		CustomerName:   "Anna Schmidt",
	}
}

func TestPageURLLength(t *testing.T) {
	if n := len(pageURL); n < 44 || n > 46 {
		t.Fatalf("test URL has %d characters, want about 45", n)
	}
}

func TestRenderEmail(t *testing.T) {
	cases := []struct {
		lang                        string
		subject, question, greeting string
		labels                      []string
		privacy, footer, alt        string
	}{
		{"en", "How did Max do? Rate your support from Acme", "How did Max do?", "Hi Anna,",
			[]string{"Poor", "Fair", "Okay", "Good", "Great"}, "Privacy notice",
			"Sent on behalf of Acme by its feedback service.", `alt="Photo of Max M."`},
		{"de", "Wie zufrieden waren Sie mit Max? Bewerten Sie den Support von Acme", "Wie zufrieden waren Sie mit Max?", "Hallo Anna,",
			[]string{"Schlecht", "Mäßig", "Okay", "Gut", "Sehr gut"}, "Datenschutzhinweise",
			"Gesendet im Auftrag von Acme über den Feedback-Dienst des Unternehmens.", `alt="Foto von Max M."`},
	}
	for _, tc := range cases {
		t.Run(tc.lang, func(t *testing.T) {
			subject, html, text, err := RenderEmail(testContent(tc.lang))
			if err != nil {
				t.Fatal(err)
			}
			if subject != tc.subject {
				t.Errorf("subject = %q, want %q", subject, tc.subject)
			}
			mustContain(t, "html", html,
				`<html lang="`+tc.lang+`">`,
				tc.question, tc.greeting, tc.privacy, tc.footer, tc.alt,
				// agent card
				`src="https://cdn.acme.com/agents/max.jpg"`, ">Max M.<", "Hamburg",
				"Fixes printers &amp; &lt;script&gt;alert(1)&lt;/script&gt; hearts.",
				// logo with alt text, privacy link
				`src="https://cdn.acme.com/logo.png"`, `href="https://acme.com/privacy"`,
			)
			for i, label := range tc.labels {
				mustContain(t, "html", html,
					fmt.Sprintf(`href="%s?score=%d"`, pageURL, i+1),
					fmt.Sprintf(`>%d</span>`, i+1),
					">"+label+"</span>")
				mustContain(t, "text", text, fmt.Sprintf("%d - %s: %s?score=%d", i+1, label, pageURL, i+1))
			}
			if n := strings.Count(html, "?score="); n != 5 {
				t.Errorf("html has %d score links, want 5", n)
			}
			for _, bad := range []string{"<script", "<style", "<link", "stylesheet", "javascript:", "ZgotmplZ", "@import"} {
				if strings.Contains(strings.ToLower(html), strings.ToLower(bad)) {
					t.Errorf("html contains %q", bad)
				}
			}
			// every image has an alt text
			for _, img := range regexp.MustCompile(`<img [^>]*>`).FindAllString(html, -1) {
				if !regexp.MustCompile(`alt="[^"]+"`).MatchString(img) {
					t.Errorf("image without alt text: %s", img)
				}
			}
			mustContain(t, "html", html, `alt="`+map[string]string{"en": "Acme logo", "de": "Logo von Acme"}[tc.lang]+`"`)
			mustContain(t, "text", text, tc.greeting, tc.question, "Max M.", "Hamburg", "https://acme.com/privacy", tc.footer,
				"<script>alert(1)</script>", pageURL+"\n")
		})
	}
}

func TestRenderEmailUnknownLanguageIsEnglish(t *testing.T) {
	subject, _, _, err := RenderEmail(testContent("xx"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(subject, "How did Max do?") {
		t.Errorf("subject = %q", subject)
	}
}

func TestRenderEmailSparse(t *testing.T) {
	c := Content{
		Settings: plaudit.DefaultSettings(),
		Agent:    plaudit.Agent{Name: "Zoë"},
		PageURL:  pageURL, UnsubscribeURL: unsubURL,
	}
	subject, html, text, err := RenderEmail(c)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "How did Zoë do? Rate your recent support" {
		t.Errorf("subject = %q", subject)
	}
	mustContain(t, "html", html, "Hello,", ">Zoë<", ">Z</td>", "Sent on behalf of the company you contacted by its feedback service.")
	for _, bad := range []string{"<img", "privacy", "Hometown"} {
		if strings.Contains(html, bad) {
			t.Errorf("html contains %q although there is nothing to show", bad)
		}
	}
	mustContain(t, "text", text, pageURL+"?score=5")
	if _, _, _, err := RenderEmail(Content{}); plaudit.ErrorCode(err) != plaudit.EInvalid {
		t.Errorf("no page URL: err = %v, want invalid", err)
	}
}

func TestRenderEmailEscapesSettings(t *testing.T) {
	c := testContent("en")
	c.Settings.BrandName = `Evil "><img src=x onerror=alert(1)>`
	c.Settings.BrandColor = `red;background:url(https://evil.example/x)`
	c.Settings.LogoURL = "javascript:alert(1)"
	c.CustomerName = "<b>Bob</b>"
	_, html, _, err := RenderEmail(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<img src=x", "evil.example", "javascript:", "<b>Bob", "Bob"} {
		if strings.Contains(html, bad) {
			t.Errorf("html contains %q", bad)
		}
	}
	// A name that is markup is not shown at all (greeting_test.go).
	mustContain(t, "html", html, defaultBrandColor, "Hello,")
}

func TestOnColor(t *testing.T) {
	if got := onColor("#2f6fed"); got != "#ffffff" {
		t.Errorf("dark blue: %s", got)
	}
	if got := onColor("#ffe066"); got != "#111111" {
		t.Errorf("light yellow: %s", got)
	}
}

func TestRenderSMS(t *testing.T) {
	want := map[string]string{
		"en": "Acme: How did Max do? Reply 1-5 (5=great) or tap " + pageURL + " Reply STOP to opt out.",
		"de": "Acme: Wie zufrieden waren Sie mit Max? Antworten Sie 1-5 (5=sehr gut) oder öffnen Sie " + pageURL + " STOP zum Abmelden",
	}
	for lang, w := range want {
		got := RenderSMS(testContent(lang))
		if got != w {
			t.Errorf("%s:\n got %q\nwant %q", lang, got, w)
		}
	}
}

func TestRenderSMSFitsOneSegment(t *testing.T) {
	brands := []string{"Acme", "Müller & Söhne Kundenservice", "Contoso Customer Experience Team International"}
	names := []string{"Max Mustermann", "Anna-Lena Schmidt", "Bartholomew Featherstonehaugh"}
	for _, lang := range plaudit.Languages {
		for _, brand := range brands {
			for _, name := range names {
				c := testContent(lang)
				c.Settings.BrandName = brand
				c.Agent.Name = name
				s := RenderSMS(c)
				if !IsGSM7(s) {
					t.Errorf("%s %q %q: not GSM-7: %q", lang, brand, name, s)
				}
				if n := GSM7Segments(s); n != 1 {
					t.Errorf("%s %q %q: %d segments (%d chars): %q", lang, brand, name, n, len([]rune(s)), s)
				}
				for _, part := range []string{brand, c.Agent.FirstName(), pageURL, "1-5", "STOP"} {
					if !strings.Contains(s, part) {
						t.Errorf("%s: %q lacks %q", lang, s, part)
					}
				}
			}
		}
	}
}

func TestRenderSMSLongBrandIsShortened(t *testing.T) {
	c := testContent("de")
	c.Settings.BrandName = strings.Repeat("Sehr lange Firmenbezeichnung ", 4) + "GmbH"
	s := RenderSMS(c)
	if GSM7Segments(s) != 1 {
		t.Fatalf("%d segments: %q", GSM7Segments(s), s)
	}
	for _, part := range []string{"Sehr lange", "Max", pageURL, "1-5", "STOP"} {
		if !strings.Contains(s, part) {
			t.Errorf("%q lacks %q", s, part)
		}
	}
}

func TestRenderSMSWithoutBrandOrName(t *testing.T) {
	c := Content{Settings: plaudit.DefaultSettings(), PageURL: pageURL}
	if got, want := RenderSMS(c), "How did we do? Reply 1-5 (5=great) or tap "+pageURL+" Reply STOP to opt out."; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestCatalog(t *testing.T) {
	keys := []string{"sms.ask_comment", "sms.thanks_comment", "sms.unparsed", "sms.expired", "sms.stopped", "sms.started", "sms.help",
		"sms.help_nobrand", "sms.already"}
	for _, lang := range plaudit.Languages {
		for _, k := range keys {
			var s string
			if k == "sms.help" {
				s = T(lang, k, "Acme Customer Care")
			} else {
				s = T(lang, k)
			}
			if s == k || s == "" {
				t.Errorf("%s: %s missing", lang, k)
			}
			if lang != "en" && s == T("en", k, "Acme Customer Care") {
				t.Errorf("%s: %s not translated", lang, k)
			}
			if !IsGSM7(s) || GSM7Segments(s) != 1 {
				t.Errorf("%s: %s is not one GSM-7 segment: %q", lang, k, s)
			}
		}
	}
	if got := T("en", "sms.unparsed"); got != "Sorry, we didn't get that. Please reply with a number from 1 (poor) to 5 (great)." {
		t.Errorf("sms.unparsed = %q", got)
	}
	if got := T("en", "sms.help", "Acme"); got != "Acme asks for your feedback on support. Reply 1-5 to rate, STOP to opt out." {
		t.Errorf("sms.help = %q", got)
	}
	if got := T("xx", "sms.ask_comment"); got != T("en", "sms.ask_comment") {
		t.Errorf("unknown language: %q", got)
	}
	if got := T("de", "no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key: %q", got)
	}
}

func TestScoreURL(t *testing.T) {
	if got := ScoreURL("https://h/f/t", 3); got != "https://h/f/t?score=3" {
		t.Error(got)
	}
	if got := ScoreURL("https://h/f/t?lang=de", 3); got != "https://h/f/t?lang=de&score=3" {
		t.Error(got)
	}
}

func mustContain(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s lacks %q", what, p)
		}
	}
}

func TestTruncateBrandDropsDanglingWords(t *testing.T) {
	for _, tc := range []struct {
		brand string
		n     int
		want  string
	}{
		{"Nordlicht Reisen und Touristik GmbH & Co. KG", 38, "Nordlicht Reisen und Touristik GmbH"},
		{"Nordlicht Reisen und Touristik GmbH & Co. KG", 22, "Nordlicht Reisen"},
		{"Müller & Söhne Haustechnik", 16, "Müller & Söhne"},
		{"Acme", 10, "Acme"},
	} {
		if got := truncateBrand(tc.brand, tc.n); got != tc.want {
			t.Errorf("truncateBrand(%q, %d) = %q, want %q", tc.brand, tc.n, got, tc.want)
		}
	}
}
