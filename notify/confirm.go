package notify

import (
	"bytes"
	htmltemplate "html/template"
	"strings"
	"sync"
	texttemplate "text/template"

	"github.com/plaudit/plaudit"
)

// The confirmation of an opt-out by email reply: the customer wrote
// "unsubscribe" (or STOP, abmelden, …) and gets one short email in their
// language saying that it is done, what it covers and how to undo it.
var (
	confirmHTML = sync.OnceValues(func() (*htmltemplate.Template, error) {
		return htmltemplate.ParseFS(templateFS, "templates/confirm.html.tmpl")
	})
	confirmText = sync.OnceValues(func() (*texttemplate.Template, error) {
		return texttemplate.ParseFS(templateFS, "templates/confirm.txt.tmpl")
	})
)

// confirmData is what the confirmation shows, already translated.
type confirmData struct {
	Lang, Subject, Brand, Color                    string
	Greeting, Body, Scope, Undo, UndoLink, UndoURL string
	Privacy, PrivacyURL, Footer                    string
}

func (c Content) confirmData() confirmData {
	lang, company := c.lang(), c.company()
	d := confirmData{
		Lang: lang, Subject: tr(lang, "unsub.done_title"), Brand: c.brand(), Color: c.color(),
		Greeting: tr(lang, "email.greeting_noname"),
		Body:     tr(lang, "unsub.confirm_email", "Company", company),
		Scope:    tr(lang, "unsub.scope", "Company", company),
		Undo:     tr(lang, "unsub.undo_question"), UndoLink: tr(lang, "unsub.undo_button"), UndoURL: c.UnsubscribeURL,
		Privacy: tr(lang, "privacy"), PrivacyURL: strings.TrimSpace(c.Settings.PrivacyURL),
		Footer: tr(lang, "email.footer_nobrand"),
	}
	if n := customerFirstName(c.CustomerName); n != "" {
		d.Greeting = tr(lang, "email.greeting", "Name", n)
	}
	if b := c.brand(); b != "" {
		d.Footer = tr(lang, "email.footer", "Brand", b)
	}
	return d
}

// RenderUnsubscribed renders the confirmation of an opt-out by email
// reply: subject, HTML and text. c.UnsubscribeURL is the page where the
// customer can take it back; c.Controller names the company when it has
// no brand.
func RenderUnsubscribed(c Content) (subject, html, text string, err error) {
	if strings.TrimSpace(c.UnsubscribeURL) == "" {
		return "", "", "", plaudit.Errorf(plaudit.EInvalid, "notify: the unsubscribe URL is required")
	}
	ht, err := confirmHTML()
	if err != nil {
		return "", "", "", err
	}
	tt, err := confirmText()
	if err != nil {
		return "", "", "", err
	}
	d := c.confirmData()
	var hb, tb bytes.Buffer
	if err := ht.ExecuteTemplate(&hb, "confirm.html.tmpl", d); err != nil {
		return "", "", "", err
	}
	if err := tt.ExecuteTemplate(&tb, "confirm.txt.tmpl", d); err != nil {
		return "", "", "", err
	}
	return d.Subject, hb.String(), tb.String(), nil
}
