package notify

import (
	htmlpkg "html"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/i18n"
	"github.com/plaudit/plaudit/reply"
)

// TestRenderEmailEveryLanguage: the email in each language is written in
// that language (no text falls back to English, no id shows), and its
// footer names the controller and links to the unsubscribe page, in the
// HTML and in the text part. Nothing in it reads as an objection when a
// reply quotes it.
func TestRenderEmailEveryLanguage(t *testing.T) {
	_, enHTML, enText, err := RenderEmail(testContent("en"))
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range plaudit.Languages {
		t.Run(lang, func(t *testing.T) {
			subject, html, text, err := RenderEmail(testContent(lang))
			if err != nil {
				t.Fatal(err)
			}
			optOut := i18n.T(lang, "email.optout", map[string]any{"Company": "Acme"})
			link := i18n.T(lang, "unsubscribe", nil)
			mustContain(t, "html", html, `<html lang="`+lang+`">`, htmlpkg.EscapeString(optOut), `<a href="`+unsubURL+`"`, ">"+htmlpkg.EscapeString(link)+"</a>")
			mustContain(t, "text", text, optOut+"\n"+link+": "+unsubURL+"\n")
			for _, id := range []string{"email.", "unsub.", "score.", "question", "privacy", "date."} {
				if strings.Contains(html, ">"+id) || strings.Contains(text, "\n"+id) {
					t.Errorf("a text id shows: %s", id)
				}
			}
			if lang != "en" {
				for _, en := range []string{"Rate your support", "Sent on behalf of", "You can object", "Unsubscribe", "Privacy notice", "Great"} {
					if strings.Contains(html, en) || strings.Contains(text, en) {
						t.Errorf("English %q in the %s email", en, lang)
					}
				}
			}
			if reply.OptOut(subject) || reply.OptOut(text) {
				t.Errorf("the email reads as an objection when quoted: %q", subject)
			}
		})
	}
	if !strings.Contains(enHTML, "You can object to further feedback requests from Acme at any time, free of charge:") || !strings.Contains(enText, "Unsubscribe: "+unsubURL) {
		t.Errorf("English footer:\n%s", enText)
	}
}

// TestOptOutNamesTheController: without a brand, the footer names the
// tenant (the controller); with neither, it still offers the link.
func TestOptOutNamesTheController(t *testing.T) {
	c := testContent("de")
	c.Settings.BrandName, c.Settings.FromName = "", ""
	_, html, text, err := RenderEmail(c)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "html", html, "Feedback-Anfragen von Acme Support GmbH jederzeit widersprechen")
	mustContain(t, "text", text, "Abmelden: "+unsubURL)
	c.Controller = ""
	_, _, text, err = RenderEmail(c)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "text", text, "Sie können weiteren Feedback-Anfragen jederzeit widersprechen", "Abmelden: "+unsubURL)
	c.UnsubscribeURL = ""
	if _, _, _, err := RenderEmail(c); plaudit.ErrorCode(err) != plaudit.EInvalid {
		t.Errorf("an email without an unsubscribe link: %v, want refused", err)
	}
}

// TestListUnsubscribe: the headers of RFC 2369 and RFC 8058, with the
// page and the mailto: address; none without a page.
func TestListUnsubscribe(t *testing.T) {
	m := Email{UnsubscribeURL: unsubURL, UnsubscribeMailto: "reply+Qm9v@in.acme.com"}
	got := m.ListUnsubscribe()
	want := []Header{
		{"List-Unsubscribe", "<" + unsubURL + ">, <mailto:reply+Qm9v@in.acme.com?subject=unsubscribe>"},
		{"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("ListUnsubscribe() = %q\nwant %q", got, want)
	}
	if h := (Email{}).ListUnsubscribe(); h != nil {
		t.Errorf("without a page: %q", h)
	}
}

// TestRenderUnsubscribedEveryLanguage: the confirmation of an opt-out by
// email reply, in each language: what is done, what it covers, how to
// undo it, with the link.
func TestRenderUnsubscribedEveryLanguage(t *testing.T) {
	for _, lang := range plaudit.Languages {
		c := testContent(lang)
		subject, html, text, err := RenderUnsubscribed(c)
		if err != nil {
			t.Fatal(err)
		}
		data := map[string]any{"Company": "Acme"}
		if subject != i18n.T(lang, "unsub.done_title", nil) {
			t.Errorf("%s: subject %q", lang, subject)
		}
		for _, part := range []string{i18n.T(lang, "unsub.confirm_email", data), i18n.T(lang, "unsub.scope", data),
			i18n.T(lang, "unsub.undo_question", nil), i18n.T(lang, "email.greeting", map[string]any{"Name": "Anna"})} {
			mustContain(t, lang+" text", text, part)
			mustContain(t, lang+" html", html, htmlpkg.EscapeString(part))
		}
		mustContain(t, lang+" text", text, i18n.T(lang, "unsub.undo_button", nil)+": "+unsubURL)
		mustContain(t, lang+" html", html, `<a href="`+unsubURL+`"`)
	}
	if _, _, _, err := RenderUnsubscribed(Content{}); plaudit.ErrorCode(err) != plaudit.EInvalid {
		t.Errorf("no link: %v", err)
	}
}

// TestRenderSMSEveryLanguageIsTranslated: each language's SMS is its own,
// not the English one, and keeps the link and STOP.
func TestRenderSMSEveryLanguageIsTranslated(t *testing.T) {
	en := RenderSMS(testContent("en"))
	for _, lang := range plaudit.Languages {
		s := RenderSMS(testContent(lang))
		if lang != "en" && s == en {
			t.Errorf("%s: the SMS is the English one", lang)
		}
		if !IsGSM7(s) || GSM7Segments(s) != 1 || !strings.Contains(s, pageURL) || !strings.Contains(s, "STOP") {
			t.Errorf("%s: %q (%d characters)", lang, s, len([]rune(s)))
		}
	}
}
