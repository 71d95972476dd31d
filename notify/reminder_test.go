package notify

import (
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

func TestRenderReminderEmail(t *testing.T) {
	for lang, prefix := range map[string]string{"en": "Reminder: ", "de": "Erinnerung: "} {
		c := testContent(lang)
		subject, _, _, err := RenderEmail(c)
		if err != nil {
			t.Fatal(err)
		}
		c.Reminder = true
		rs, html, text, err := RenderEmail(c)
		if err != nil {
			t.Fatal(err)
		}
		if rs != prefix+subject {
			t.Errorf("%s: reminder subject %q, want %q", lang, rs, prefix+subject)
		}
		for _, part := range []string{T(lang, "email.reminder_intro"), "Max M.", "Hamburg", ScoreURL(pageURL, 5), pageURL} {
			if !strings.Contains(text, part) || !strings.Contains(html, strings.ReplaceAll(part, "&", "&amp;")) {
				t.Errorf("%s: reminder lacks %q", lang, part)
			}
		}
		if lang == "de" && T("de", "email.reminder_intro") == T("en", "email.reminder_intro") {
			t.Error("reminder intro not translated")
		}
	}
}

// The reminder SMS keeps to one GSM-7 segment, as the first one does.
func TestRenderReminderSMSFitsOneSegment(t *testing.T) {
	brands := []string{"Acme", "Müller & Söhne Kundenservice", "Contoso Customer Experience Team International", ""}
	names := []string{"Max Mustermann", "Anna-Lena Schmidt", "Bartholomew Featherstonehaugh", ""}
	for _, lang := range plaudit.Languages {
		for _, brand := range brands {
			for _, name := range names {
				c := testContent(lang)
				c.Settings.BrandName, c.Settings.FromName = brand, ""
				c.Agent.Name = name
				c.Reminder = true
				s := RenderSMS(c)
				if !IsGSM7(s) || GSM7Segments(s) != 1 {
					t.Errorf("%s %q %q: %d segments (%d chars): %q", lang, brand, name, GSM7Segments(s), len([]rune(s)), s)
				}
				for _, part := range []string{T(lang, "sms.reminder"), c.Agent.FirstName(), pageURL, "1-5", "STOP"} {
					if !strings.Contains(s, part) {
						t.Errorf("%s: %q lacks %q", lang, s, part)
					}
				}
			}
		}
	}
	if got, want := RenderSMS(Content{Settings: plaudit.Settings{BrandName: "Acme"}, Agent: plaudit.Agent{Name: "Max M"}, PageURL: pageURL, Reminder: true}),
		"Acme: Reminder: How did Max do? Reply 1-5 (5=great) or tap "+pageURL+" Reply STOP to opt out."; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
