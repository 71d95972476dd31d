package reply

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The feedback request as mail clients quote it.
const quotedRequest = `How was your contact with Jonas?

Jonas S. from Hamburg
"I love untangling bookings that went wrong."

Reply with a number from 1 to 5, or choose a star:
https://feedback.nordlicht.example/f/Q2xJc1pWbG9wZ2ZXcGxOQQ?score=5

Nordlicht Reisen processes your answer for its service reports.
Privacy: https://nordlicht.example/privacy`

func quote(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l == "" {
			lines[i] = ">"
		} else {
			lines[i] = "> " + l
		}
	}
	return strings.Join(lines, "\n")
}

func TestEmailTextPlain(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{
			name: "gmail en, attribution wrapped",
			text: "5 - Jonas sorted it out in minutes, thank you!\r\n\r\n" +
				"On Sat, Nov 28, 2026 at 10:41 AM Nordlicht Reisen <feedback@nordlicht.example>\r\nwrote:\r\n\r\n" +
				strings.ReplaceAll(quote(quotedRequest), "\n", "\r\n") + "\r\n",
			want: "5 - Jonas sorted it out in minutes, thank you!",
		},
		{
			name: "gmail de, the fixture's text",
			text: "5 Sterne, alles super!\r\n\r\nAm Sa., 28. Nov. 2026 um 10:41 Uhr schrieb Nordlicht Reisen <feedback@nordlicht.example>:\r\n> Wie war Ihr Kontakt mit Jonas?\r\n> ...",
			want: "5 Sterne, alles super!",
		},
		{
			name: "apple mail en on iPhone",
			text: "Four stars. Quick, but I had to explain twice.\n\nSent from my iPhone\n\n" +
				"> On Nov 28, 2026, at 10:41, Nordlicht Reisen <feedback@nordlicht.example> wrote:\n>\n" + quote(quotedRequest),
			want: "Four stars. Quick, but I had to explain twice.",
		},
		{
			name: "apple mail de on iPhone",
			text: "Fünf! Danke Jonas\n\nVon meinem iPhone gesendet\n\n" +
				"> Am 28.11.2026 um 10:41 schrieb Nordlicht Reisen <feedback@nordlicht.example>:\n>\n> Wie war Ihr Kontakt mit Jonas?",
			want: "Fünf! Danke Jonas",
		},
		{
			name: "outlook en desktop, original message",
			text: "3 – the answer was right but it took three days.\r\n\r\nKind regards\r\nMark Evans\r\n\r\n" +
				"-----Original Message-----\r\nFrom: Nordlicht Reisen <feedback@nordlicht.example> \r\n" +
				"Sent: Saturday, November 28, 2026 10:41 AM\r\nTo: Mark Evans <mark.evans@example.com>\r\n" +
				"Subject: How was your contact with Jonas?\r\n\r\n" + strings.ReplaceAll(quotedRequest, "\n", "\r\n"),
			want: "3 – the answer was right but it took three days.\n\nKind regards\nMark Evans",
		},
		{
			name: "outlook en mobile, underscores",
			text: "5\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n________________________________\n" +
				"From: Nordlicht Reisen <feedback@nordlicht.example>\nSent: Saturday, November 28, 2026 10:41:07 AM\n" +
				"To: anna.schneider@example.org <anna.schneider@example.org>\nSubject: How was your contact with Jonas?\n\n" + quotedRequest,
			want: "5",
		},
		{
			name: "outlook de, header block only",
			text: "2 - niemand hat zurückgerufen.\n\nMit freundlichen Grüßen\nKlaus Becker\n\n" +
				"Von: Nordlicht Reisen <feedback@nordlicht.example> \nGesendet: Samstag, 28. November 2026 10:41\n" +
				"An: Becker, Klaus <klaus.becker@example.de>\nBetreff: Wie war Ihr Kontakt mit Jonas?\n\nWie war Ihr Kontakt mit Jonas?",
			want: "2 - niemand hat zurückgerufen.\n\nMit freundlichen Grüßen\nKlaus Becker",
		},
		{
			name: "outlook de, ursprüngliche nachricht",
			text: "vier Sterne\n\n-----Ursprüngliche Nachricht-----\nVon: Nordlicht Reisen <feedback@nordlicht.example>\n" +
				"Gesendet: Samstag, 28. November 2026 10:41\nAn: Klaus Becker\nBetreff: Wie war Ihr Kontakt mit Jonas?",
			want: "vier Sterne",
		},
		{
			name: "gmx, sent before from",
			text: "4 - freundlich und kompetent\n\n\nGesendet: Samstag, 28. November 2026 um 10:41 Uhr\n" +
				"Von: \"Nordlicht Reisen\" <feedback@nordlicht.example>\nAn: klaus.becker@gmx.example\n" +
				"Betreff: Wie war Ihr Kontakt mit Jonas?\n\nWie war Ihr Kontakt mit Jonas?",
			want: "4 - freundlich und kompetent",
		},
		{
			name: "signature delimiter",
			text: "5 stars, Jonas was patient with me.\n\n-- \nAnna Schneider\nSchneider & Söhne GmbH\nTel. +49 40 1234567\n\n" + quote(quotedRequest),
			want: "5 stars, Jonas was patient with me.",
		},
		{
			name: "signature delimiter without its space",
			text: "5\n--\nAnna",
			want: "5",
		},
		{
			name: "thunderbird de, bottom-posted",
			text: "Am 28.11.26 um 10:41 schrieb Nordlicht Reisen:\n" + quote("Wie war Ihr Kontakt mit Jonas?\n\nAntworten Sie mit einer Zahl von 1 bis 5") +
				"\n\n3, es hat gedauert.\n",
			want: "3, es hat gedauert.",
		},
		{
			name: "answer between quoted lines",
			text: "> How was your contact with Jonas?\n\n5\n\n> Reply with a number from 1 to 5\n\nAnd thanks for asking.",
			want: "5\n\nAnd thanks for asking.",
		},
		{
			name: "the customer's own sentences starting like quote headers",
			text: "On the phone he was great.\nOn time too.\nFrom: my side, 5 stars\nAm Ende war alles gut.",
			want: "On the phone he was great.\nOn time too.\nFrom: my side, 5 stars\nAm Ende war alles gut.",
		},
		{
			name: "attribution by name only, on its own line",
			text: "Thanks a lot!\nNordlicht Reisen <feedback@nordlicht.example> wrote:\n> How was your contact with Jonas?",
			want: "Thanks a lot!",
		},
		{
			name: "quoted lines are gone before the header rule looks",
			text: "5 stars\n\nFrom: me\n> a quoted line\nSent: from my desk",
			want: "5 stars",
		},
		{
			name: "android samsung",
			text: "1 - nobody listened\n\n\n\nSent from my Galaxy\n\n\n-------- Original message --------\nFrom: Nordlicht Reisen <feedback@nordlicht.example>",
			want: "1 - nobody listened",
		},
		{
			name: "gmail forward",
			text: "see below\n\n---------- Forwarded message ---------\nFrom: Nordlicht Reisen <feedback@nordlicht.example>\nDate: Sat, Nov 28, 2026 at 10:41 AM",
			want: "see below",
		},
		{
			name: "only quoted",
			text: "On Sat, Nov 28, 2026 at 10:41 AM Nordlicht Reisen <feedback@nordlicht.example> wrote:\n" + quote(quotedRequest),
			want: "",
		},
		{
			name: "blank lines collapsed, white space trimmed",
			text: "\n\n  5  \n\n\n\nthanks   \n\n",
			want: "  5\n\nthanks",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EmailText(tt.text, "<p>the HTML body must not be used</p>"); got != tt.want {
				t.Errorf("EmailText() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestEmailTextHTML(t *testing.T) {
	tests := []struct {
		name, html, want string
	}{
		{
			name: "gmail",
			html: `<div dir="ltr">5 &ndash; quick and kind<br><div><br></div><div>Anna</div></div><br>` +
				`<div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Sat, Nov 28, 2026 at 10:41&#8239;AM ` +
				`Nordlicht Reisen &lt;<a href="mailto:feedback@nordlicht.example">feedback@nordlicht.example</a>&gt; wrote:<br></div>` +
				`<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">` +
				`<div>How was your contact with Jonas?</div><div>Reply with a number from 1 to 5</div></blockquote></div>`,
			want: "5 – quick and kind\n\nAnna",
		},
		{
			name: "gmail emoji as images, signature",
			html: `<div dir="ltr"><img data-emoji="⭐" class="an1" alt="⭐" aria-label="⭐" src="https://fonts.gstatic.com/s/e/notoemoji/15.1/2b50/72.png" loading="lazy">` +
				`<img data-emoji="⭐" class="an1" alt="⭐" aria-label="⭐" src="https://fonts.gstatic.com/s/e/notoemoji/15.1/2b50/72.png" loading="lazy">` +
				`<img data-emoji="⭐" class="an1" alt="⭐" aria-label="⭐" src="https://fonts.gstatic.com/s/e/notoemoji/15.1/2b50/72.png" loading="lazy"> ok` +
				`<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature">` +
				`<div><img src="https://example.org/logo.png" alt="Schneider Logo"> Anna Schneider</div></div></div>`,
			want: "⭐⭐⭐ ok",
		},
		{
			name: "outlook web de",
			html: `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style></head>` +
				`<body dir="ltr"><div class="elementToProof" style="font-family: Aptos, sans-serif; font-size: 12pt;">4 Sterne &ndash; sehr nett,&nbsp;aber lange Wartezeit.</div>` +
				`<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr">` +
				`<font face="Calibri, sans-serif" style="font-size:11pt" color="#000000"><b>Von:</b> Nordlicht Reisen &lt;feedback@nordlicht.example&gt;<br>` +
				`<b>Gesendet:</b> Samstag, 28. November 2026 10:41<br><b>An:</b> Klaus Becker<br><b>Betreff:</b> Wie war Ihr Kontakt mit Jonas?</font></div>` +
				`<div>Wie war Ihr Kontakt mit Jonas?</div></body></html>`,
			want: "4 Sterne – sehr nett, aber lange Wartezeit.",
		},
		{
			name: "outlook desktop en, no marker ids",
			html: `<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><!--[if gte mso 9]><xml><o:OfficeDocumentSettings></o:OfficeDocumentSettings></xml><![endif]-->` +
				`<style><!-- p.MsoNormal {margin:0cm;} --></style></head><body lang="EN-GB"><div class="WordSection1">` +
				`<p class="MsoNormal">Three stars.<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p>` +
				`<p class="MsoNormal">Regards,<o:p></o:p></p><p class="MsoNormal">Mark<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p>` +
				`<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>From:</b> Nordlicht Reisen &lt;feedback@nordlicht.example&gt; <br>` +
				`<b>Sent:</b> Saturday, November 28, 2026 10:41 AM<br><b>To:</b> Mark Evans &lt;mark.evans@example.com&gt;<br>` +
				`<b>Subject:</b> How was your contact with Jonas?<o:p></o:p></p></div></div><p class="MsoNormal">How was your contact with Jonas?</p></div></body></html>`,
			want: "Three stars.\n\nRegards,\nMark",
		},
		{
			name: "apple mail",
			html: `<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body dir="auto">` +
				`<div dir="ltr">5 stars &amp; thanks &lt;3</div><div dir="ltr"><br><div id="AppleMailSignature" dir="ltr">Sent from my iPhone</div>` +
				`<div dir="ltr"><br><blockquote type="cite">On 28. Nov 2026, at 10:41, Nordlicht Reisen &lt;feedback@nordlicht.example&gt; wrote:<br><br></blockquote></div>` +
				`<blockquote type="cite"><div dir="ltr">How was your contact with Jonas?</div></blockquote></div></body></html>`,
			want: "5 stars & thanks <3",
		},
		{
			name: "thunderbird",
			html: `<html><body><p>vier von fünf Sternen<br>Gruß Klaus</p><div class="moz-signature">-- <br>Klaus Becker</div>` +
				`<div class="moz-cite-prefix">Am 28.11.26 um 10:41 schrieb Nordlicht Reisen:<br></div><blockquote type="cite" cite="mid:x@nordlicht.example">Wie war Ihr Kontakt mit Jonas?</blockquote></body></html>`,
			want: "vier von fünf Sternen\nGruß Klaus",
		},
		{
			name: "scripts, styles, tables and pre",
			html: `<style>td{color:red}</style><script>alert("x")</script><table><tr><td>Score:</td><td>5</td></tr></table><pre>  kept   as
  written</pre>`,
			want: "Score: 5\n  kept   as\n  written",
		},
		{
			name: "broken html",
			html: `<div>2 <b>stars<p>late & rude</div></i>`,
			want: "2 stars\nlate & rude",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EmailText("", tt.html); got != tt.want {
				t.Errorf("EmailText() =\n%q\nwant\n%q", got, tt.want)
			}
			if got := EmailText(" \r\n\u00a0", tt.html); got != tt.want {
				t.Errorf("EmailText() with blank text =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// TestEmailTextScore follows a reply through both steps, as the inbound
// hook does.
func TestEmailTextScore(t *testing.T) {
	tests := []struct {
		text, html string
		score      int
		comment    string
	}{
		{"5 Sterne, alles super!\r\n\r\nAm Sa., 28. Nov. 2026 um 10:41 Uhr schrieb Nordlicht Reisen <feedback@nordlicht.example>:\r\n> Wie war Ihr Kontakt mit Jonas?\r\n> Antworten Sie mit einer Zahl von 1 bis 5", "", 5, "alles super!"},
		{"", `<div dir="ltr">5 &ndash; quick and kind</div><div class="gmail_quote">On Sat, Nov 28, 2026 at 10:41 AM X wrote:<blockquote>Reply 1 to 5</blockquote></div>`, 5, "quick and kind"},
		{"\n\nSent from my iPhone\n\n> On Nov 28, 2026, at 10:41, X <x@example.org> wrote:\n> Reply with a number from 1 to 5", "", 0, ""},
	}
	for _, tt := range tests {
		body := EmailText(tt.text, tt.html)
		score, comment, ok := Score(body)
		if ok != (tt.score != 0) || score != tt.score || comment != tt.comment {
			t.Errorf("Score(EmailText(%q, %q)) = %d, %q, %v; want %d, %q", tt.text, tt.html, score, comment, ok, tt.score, tt.comment)
		}
	}
}

func TestEmailTextDeepHTML(t *testing.T) {
	html := strings.Repeat("<div>", 100000) + "5" + strings.Repeat("</div>", 100000)
	_ = EmailText("", html) // must neither crash nor take long
	if got := EmailText("", strings.Repeat("<div>", 20)+"5"); got != "5" {
		t.Errorf("got %q", got)
	}
}

func FuzzEmailText(f *testing.F) {
	f.Add("5 Sterne, alles super!\r\n\r\nAm Sa., 28. Nov. 2026 um 10:41 Uhr schrieb Nordlicht Reisen <feedback@nordlicht.example>:\r\n> Wie war Ihr Kontakt mit Jonas?", "")
	f.Add("", `<div dir="ltr">5 &ndash; quick</div><div class="gmail_quote"><blockquote>x</blockquote></div>`)
	f.Add("3\n\n-----Original Message-----\nFrom: a\nSent: b", "")
	f.Add("", `<div id="divRplyFwdMsg">x</div><pre> a </pre><img alt="⭐">`)
	f.Fuzz(func(t *testing.T, text, html string) {
		got := EmailText(text, html)
		if !utf8.ValidString(got) {
			t.Fatalf("EmailText(%q, %q) = %q: not UTF-8", text, html, got)
		}
		if got != strings.TrimRight(got, " \t\n") || strings.Contains(got, "\n\n\n") || strings.Contains(got, "\r") {
			t.Fatalf("EmailText(%q, %q) = %q: not tidied", text, html, got)
		}
		for _, line := range strings.Split(got, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), ">") {
				t.Fatalf("EmailText(%q, %q) = %q: keeps a quoted line", text, html, got)
			}
		}
		if strings.TrimSpace(text) != "" && len(got) > len(strings.ToValidUTF8(text, "\uFFFD")) {
			t.Fatalf("EmailText(%q, %q) = %q: longer than the text", text, html, got)
		}
		if EmailText(got, "") != got {
			t.Fatalf("EmailText(%q, %q) = %q: not stable when applied again", text, html, got)
		}
	})
}
