package sendgrid

import (
	"bytes"
	"errors"
	"mime/multipart"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/reply"
)

type formField struct{ name, value string }

// postForm encodes fields the way SendGrid posts them (multipart/form-data,
// boundary xYzZY) and reads them back as the HTTP handler would.
func postForm(t testing.TB, fields []formField, files ...formField) *multipart.Form {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if err := w.SetBoundary("xYzZY"); err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		if err := w.WriteField(f.name, f.value); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		fw, err := w.CreateFormFile(f.name, "message.eml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write([]byte(f.value)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	form, err := multipart.NewReader(&body, "xYzZY").ReadForm(32 << 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = form.RemoveAll() })
	return form
}

const fixtureHeaders = "Received: by mx0047p1mdw1.sendgrid.net with SMTP id 6WCVv7KAWn Sat, 28 Nov 2026 09:45:12 +0000 (UTC)\n" +
	"Received: from mail-ej1-f54.google.com (mail-ej1-f54.google.com [209.85.218.54]) by mx0047p1mdw1.sendgrid.net (Postfix) with ESMTPS id 2F1A3C0A2E for <reply+Q2xJc1pWbG9wZ2ZXcGxOQQ@reply.nordlicht.example>; Sat, 28 Nov 2026 09:45:12 +0000 (UTC)\n" +
	"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=20230601; h=to:subject:message-id:date:from:in-reply-to:references:mime-version:from:to:cc:subject:date:message-id:reply-to; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=aGVsbG8=\n" +
	"MIME-Version: 1.0\n" +
	"References: <req_01JDX3Q4@nordlicht.example>\n" +
	"In-Reply-To: <req_01JDX3Q4@nordlicht.example>\n" +
	"From: Anna Schneider <anna.schneider@example.org>\n" +
	"Date: Sat, 28 Nov 2026 10:45:01 +0100\n" +
	"Message-ID: <CAF=qR7e1xYm+0bP2Wn4TgUj8o@mail.example.org>\n" +
	"Subject: Re: Wie war Ihr Kontakt mit Jonas?\n" +
	"To: Nordlicht Reisen <reply+Q2xJc1pWbG9wZ2ZXcGxOQQ@reply.nordlicht.example>\n" +
	"Content-Type: multipart/alternative; boundary=\"000000000000f3a2b1062c8e9d4f\"\n"

const fixtureText = "5 Sterne, alles super!\r\n\r\nAm Sa., 28. Nov. 2026 um 10:41 Uhr schrieb Nordlicht Reisen <feedback@nordlicht.example>:\r\n> Wie war Ihr Kontakt mit Jonas?\r\n> Antworten Sie mit einer Zahl von 1 bis 5.\r\n"

const fixtureHTML = `<div dir="ltr">5 Sterne, alles super!</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">Am Sa., 28. Nov. 2026 um 10:41&nbsp;Uhr schrieb Nordlicht Reisen &lt;<a href="mailto:feedback@nordlicht.example">feedback@nordlicht.example</a>&gt;:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">Wie war Ihr Kontakt mit Jonas?</blockquote></div>` + "\n"

// fixtureFields are the default mode fields of fixtures/sendgrid-inbound-parse.txt.
func fixtureFields() []formField {
	return []formField{
		{"headers", fixtureHeaders},
		{"dkim", "{@example.org : pass}"},
		{"to", "reply+Q2xJc1pWbG9wZ2ZXcGxOQQ@reply.nordlicht.example"},
		{"from", "Anna Schneider <anna.schneider@example.org>"},
		{"subject", "Re: Wie war Ihr Kontakt mit Jonas?"},
		{"text", fixtureText},
		{"html", fixtureHTML},
		{"sender_ip", "203.0.113.5"},
		{"spam_report", "Spam detection software, running on the system \"mx0047p1mdw1.sendgrid.net\", has NOT identified this incoming email as spam.\n"},
		{"spam_score", "0.1"},
		{"envelope", `{"to":["reply+Q2xJc1pWbG9wZ2ZXcGxOQQ@reply.nordlicht.example"],"from":"anna.schneider@example.org"}`},
		{"charsets", `{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"UTF-8"}`},
		{"SPF", "pass"},
		{"attachments", "0"},
	}
}

func replaceField(fields []formField, name, value string) []formField {
	out := make([]formField, 0, len(fields))
	for _, f := range fields {
		if f.name == name {
			if value == "\x00drop" {
				continue
			}
			f.value = value
		}
		out = append(out, f)
	}
	return out
}

func TestParseInboundDefaultMode(t *testing.T) {
	in, err := ParseInbound(postForm(t, fixtureFields()))
	if err != nil {
		t.Fatal(err)
	}
	want := plaudit.InboundReply{
		Channel:   plaudit.ChannelEmail,
		MessageID: "<CAF=qR7e1xYm+0bP2Wn4TgUj8o@mail.example.org>",
		From:      "anna.schneider@example.org",
		To:        []string{"reply+Q2xJc1pWbG9wZ2ZXcGxOQQ@reply.nordlicht.example"},
		Text:      fixtureText,
		HTML:      fixtureHTML,
		Subject:   "Re: Wie war Ihr Kontakt mit Jonas?",
	}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("ParseInbound() =\n%#v\nwant\n%#v", in, want)
	}
	token, ok := reply.TokenFromAddress(in.To[0], "reply.nordlicht.example")
	if !ok || token != "Q2xJc1pWbG9wZ2ZXcGxOQQ" {
		t.Fatalf("TokenFromAddress = %q, %v", token, ok)
	}
	score, comment, ok := reply.Score(reply.EmailText(in.Text, in.HTML))
	if !ok || score != 5 || comment != "alles super!" {
		t.Fatalf("reply.Score(reply.EmailText()) = %d, %q, %v", score, comment, ok)
	}
}

func TestParseInboundCharsets(t *testing.T) {
	fields := fixtureFields()
	// "fünf Sterne – danke" in ISO-8859-1 (ü is 0xFC); the HTML in
	// Windows-1252, whose 0x96 is the en dash and 0x80 the euro sign.
	fields = replaceField(fields, "text", "f\xfcnf Sterne - danke\r\n\r\nAm 28.11.2026 um 10:41 schrieb Nordlicht Reisen:\r\n> Wie war Ihr Kontakt?\r\n")
	fields = replaceField(fields, "html", "<p>f\xfcnf Sterne \x96 danke, 0 \x80 gekostet</p>")
	fields = replaceField(fields, "charsets", `{"to":"UTF-8","html":"windows-1252","subject":"UTF-8","from":"UTF-8","text":"iso-8859-1"}`)
	in, err := ParseInbound(postForm(t, fields))
	if err != nil {
		t.Fatal(err)
	}
	if want := "fünf Sterne - danke\r\n\r\nAm 28.11.2026 um 10:41 schrieb Nordlicht Reisen:\r\n> Wie war Ihr Kontakt?\r\n"; in.Text != want {
		t.Errorf("Text = %q, want %q", in.Text, want)
	}
	if want := "<p>fünf Sterne – danke, 0 € gekostet</p>"; in.HTML != want {
		t.Errorf("HTML = %q, want %q", in.HTML, want)
	}
	score, comment, ok := reply.Score(reply.EmailText(in.Text, in.HTML))
	if !ok || score != 5 || comment != "danke" {
		t.Errorf("reply.Score(reply.EmailText()) = %d, %q, %v", score, comment, ok)
	}
}

// TestParseInboundSubject: the subject comes through in both modes,
// decoded, so that a mail client's "unsubscribe" (the List-Unsubscribe
// mailto:) is read as the customer's objection.
func TestParseInboundSubject(t *testing.T) {
	fields := replaceField(fixtureFields(), "subject", "=?utf-8?q?d=C3=A9sabonner?=")
	in, err := ParseInbound(postForm(t, fields))
	if err != nil || in.Subject != "désabonner" {
		t.Fatalf("default mode: Subject = %q, %v", in.Subject, err)
	}
	raw := "From: Anna <anna@example.org>\r\nTo: reply+AAA@reply.nordlicht.example\r\nSubject: =?iso-8859-1?q?abbestellen_f=FCr_immer?=\r\n\r\n\r\n"
	in, err = ParseInbound(postForm(t, []formField{{"email", raw}, {"to", "reply+AAA@reply.nordlicht.example"}}))
	if err != nil || in.Subject != "abbestellen für immer" {
		t.Fatalf("raw mode: Subject = %q, %v", in.Subject, err)
	}
}

// TestParseInboundCharsetsNotLatin1 uses charsets whose bytes read
// differently as Windows-1252, so that the declared charset must be used.
func TestParseInboundCharsetsNotLatin1(t *testing.T) {
	tests := []struct {
		charset, raw, want string
	}{
		{"iso-8859-2", "5 - dzi\xeakuj\xea", "5 - dziękuję"},
		{"ISO-8859-15", "5 - 0 \xa4 gekostet", "5 - 0 € gekostet"},
		{"koi8-r", "5 - \xd3\xd0\xc1\xd3\xc9\xc2\xcf", "5 - спасибо"},
		{"Shift_JIS", "5 \x82\xa0\x82\xe8\x82\xaa\x82\xc6\x82\xa4", "5 ありがとう"},
	}
	for _, tt := range tests {
		t.Run(tt.charset, func(t *testing.T) {
			fields := replaceField(fixtureFields(), "text", tt.raw)
			fields = replaceField(fields, "charsets", `{"to":"UTF-8","text":"`+tt.charset+`"}`)
			in, err := ParseInbound(postForm(t, fields))
			if err != nil {
				t.Fatal(err)
			}
			if in.Text != tt.want {
				t.Fatalf("Text = %q, want %q", in.Text, tt.want)
			}
		})
	}
}

func TestParseInboundUnlabeledLatin1(t *testing.T) {
	fields := replaceField(fixtureFields(), "charsets", "\x00drop")
	fields = replaceField(fields, "text", "F\xfcnf, sch\xf6n war's")
	in, err := ParseInbound(postForm(t, fields))
	if err != nil {
		t.Fatal(err)
	}
	if in.Text != "Fünf, schön war's" {
		t.Fatalf("Text = %q", in.Text)
	}
	// Declared UTF-8 but not: read as Windows-1252 too.
	fields = replaceField(fixtureFields(), "text", "f\xfcnf")
	if in, err = ParseInbound(postForm(t, fields)); err != nil || in.Text != "fünf" {
		t.Fatalf("Text = %q, %v", in.Text, err)
	}
}

func TestParseInboundRecipients(t *testing.T) {
	tests := []struct {
		name     string
		envelope string
		to       string
		want     []string
	}{
		{
			name:     "envelope first",
			envelope: `{"to":["reply+AAA@reply.nordlicht.example"],"from":"anna.schneider@example.org"}`,
			to:       "Nordlicht <reply+BBB@reply.nordlicht.example>",
			want:     []string{"reply+AAA@reply.nordlicht.example"},
		},
		{
			name:     "envelope with several, duplicates dropped, case kept",
			envelope: `{"to":["reply+AbC@reply.nordlicht.example", " reply+AbC@reply.nordlicht.example", "reply+abc@reply.nordlicht.example", "Team <team@nordlicht.example>"]}`,
			want:     []string{"reply+AbC@reply.nordlicht.example", "reply+abc@reply.nordlicht.example", "team@nordlicht.example"},
		},
		{
			name:     "envelope with one string",
			envelope: `{"to":"reply+AAA@reply.nordlicht.example"}`,
			want:     []string{"reply+AAA@reply.nordlicht.example"},
		},
		{
			name:     "empty envelope falls back to the to header",
			envelope: `{"to":[],"from":"x@example.org"}`,
			to:       `"Schneider, Anna" <anna.schneider@example.org>, Nordlicht Reisen <reply+CCC@reply.nordlicht.example>`,
			want:     []string{"anna.schneider@example.org", "reply+CCC@reply.nordlicht.example"},
		},
		{
			name: "no envelope, encoded names in a charset net/mail does not know",
			to:   `=?windows-1252?Q?J=FCrgen_M=FCller?= <juergen@example.de>, =?ISO-8859-15?B?TvxyZGxpY2h0?= <reply+DDD@reply.nordlicht.example>`,
			want: []string{"juergen@example.de", "reply+DDD@reply.nordlicht.example"},
		},
		{
			name: "no envelope, a list that only tolerant parsers read",
			to:   `Nordlicht Reisen <reply+EEE@reply.nordlicht.example> Anna <anna@example.org>`,
			want: []string{"reply+EEE@reply.nordlicht.example", "anna@example.org"},
		},
		{
			name: "group syntax",
			to:   `Feedback: reply+FFF@reply.nordlicht.example;`,
			want: []string{"reply+FFF@reply.nordlicht.example"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := replaceField(fixtureFields(), "envelope", orDrop(tt.envelope))
			fields = replaceField(fields, "to", orDrop(tt.to))
			in, err := ParseInbound(postForm(t, fields))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(in.To, tt.want) {
				t.Fatalf("To = %q, want %q", in.To, tt.want)
			}
		})
	}
}

func orDrop(s string) string {
	if s == "" {
		return "\x00drop"
	}
	return s
}

func TestParseInboundErrors(t *testing.T) {
	tests := []struct {
		name   string
		fields []formField
		field  string
	}{
		{"envelope not JSON", replaceField(fixtureFields(), "envelope", `{"to":["reply+AAA@reply.nordlicht.example"]`), "envelope"},
		{"envelope to a number", replaceField(fixtureFields(), "envelope", `{"to":42}`), "envelope"},
		{"charsets not JSON", replaceField(fixtureFields(), "charsets", `{"text":`), "charsets"},
		{"unknown charset on bytes that are not UTF-8", replaceField(
			replaceField(fixtureFields(), "charsets", `{"text":"x-klingon"}`), "text", "f\xfcnf"), "text"},
		{"no recipient at all", replaceField(replaceField(fixtureFields(), "envelope", "\x00drop"), "to", "\x00drop"), "to"},
		{"to without an address", replaceField(replaceField(fixtureFields(), "envelope", "\x00drop"), "to", "Nordlicht Reisen"), "to"},
		{"empty group", replaceField(replaceField(fixtureFields(), "envelope", "\x00drop"), "to", "undisclosed-recipients:;"), "to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := ParseInbound(postForm(t, tt.fields))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseInbound() = %+v, %v; want a *FieldError", in, err)
			}
			if fe.Field != tt.field || !strings.Contains(err.Error(), `"`+tt.field+`"`) {
				t.Fatalf("error %q names field %q, want %q", err, fe.Field, tt.field)
			}
		})
	}
	if _, err := ParseInbound(nil); err == nil {
		t.Fatal("ParseInbound(nil) succeeded")
	}
}

func TestParseInboundUnknownCharsetOnUTF8(t *testing.T) {
	fields := replaceField(fixtureFields(), "charsets", `{"text":"x-mac-klingon"}`)
	in, err := ParseInbound(postForm(t, fields))
	if err != nil || in.Text != fixtureText {
		t.Fatalf("ParseInbound() = %q, %v", in.Text, err)
	}
}

func TestParseInboundNUL(t *testing.T) {
	fields := replaceField(fixtureFields(), "text", "5\x00 danke")
	in, err := ParseInbound(postForm(t, fields))
	if err != nil || in.Text != "5 danke" {
		t.Fatalf("Text = %q, %v", in.Text, err)
	}
}

// rawFields are the fields SendGrid posts in raw mode: the message in email,
// the rest as in the default mode but without text, html and attachments.
func rawFields(email string) []formField {
	var out []formField
	for _, f := range fixtureFields() {
		switch f.name {
		case "text", "html", "attachments", "headers":
			continue
		}
		out = append(out, f)
	}
	return append(out, formField{"email", email})
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseInboundRawMode(t *testing.T) {
	tests := []struct {
		file     string
		from     string
		id       string
		to       []string // from the message's To header, without envelope and to
		text     string   // EmailText of Text alone
		html     string   // EmailText of HTML alone
		score    int
		comment  string
		htmlPart string // a piece of the decoded HTML
	}{
		{
			file:     "apple-mail-de.eml",
			from:     "anna.schneider@example.org",
			id:       "<8F2A1C3B-4D5E-4F60-A7B8-C9D0E1F2A3B4@example.org>",
			to:       []string{"reply+Q2xJc1pWbG9wZ2ZXcGxOQQ@reply.nordlicht.example"},
			text:     "Fünf Sterne - Jonas war großartig!\n\nAnna",
			html:     "Fünf Sterne - Jonas war großartig!\n\nAnna",
			score:    5,
			comment:  "Jonas war großartig!\n\nAnna",
			htmlPart: "<div>Fünf Sterne - Jonas war großartig!</div>",
		},
		{
			file:     "outlook-en.eml",
			from:     "mark.evans@example.com",
			id:       "<AM6PR05MB1234ABCD5678EF@AM6PR05MB1234.eurprd05.prod.outlook.com>",
			to:       []string{"reply+mK3vT9xQpL2wZs8nYb4cRA@reply.nordlicht.example"},
			text:     "3 – the answer was right but it took three days.\n\nKind regards\nMark Evans",
			html:     "3 – the answer was right but it took three days.\n\nKind regards\nMark Evans",
			score:    3,
			comment:  "the answer was right but it took three days.\n\nKind regards\nMark Evans",
			htmlPart: `<p class="MsoNormal">3 &#8211; the answer`,
		},
		{
			file:    "iphone-photo-de.eml",
			from:    "klaus.becker@example.de",
			id:      "<1A2B3C4D-5E6F-4A7B-8C9D-0E1F2A3B4C5D@example.de>",
			to:      []string{"reply+Zk9wQ3R5dUxqSGdNbkJ2@reply.nordlicht.example"},
			text:    "4 Sterne, hier das Foto vom Beleg:\n\nSorry, das Foto ist etwas unscharf.",
			score:   4,
			comment: "hier das Foto vom Beleg:\n\nSorry, das Foto ist etwas unscharf.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			email := readTestdata(t, tt.file)
			in, err := ParseInbound(postForm(t, rawFields(email)))
			if err != nil {
				t.Fatal(err)
			}
			if in.Channel != plaudit.ChannelEmail || in.From != tt.from || in.MessageID != tt.id {
				t.Errorf("Channel, From, MessageID = %q, %q, %q; want email, %q, %q", in.Channel, in.From, in.MessageID, tt.from, tt.id)
			}
			if want := []string{"reply+Q2xJc1pWbG9wZ2ZXcGxOQQ@reply.nordlicht.example"}; !reflect.DeepEqual(in.To, want) {
				t.Errorf("To = %q, want the envelope's %q", in.To, want)
			}
			if got := reply.EmailText(in.Text, ""); got != tt.text {
				t.Errorf("reply.EmailText(Text) = %q, want %q", got, tt.text)
			}
			if got := reply.EmailText("", in.HTML); got != tt.html {
				t.Errorf("reply.EmailText(HTML) = %q, want %q", got, tt.html)
			}
			if !strings.Contains(in.HTML, tt.htmlPart) {
				t.Errorf("HTML = %q, want it to contain %q", in.HTML, tt.htmlPart)
			}
			if strings.Contains(in.Text, "\n--\n") {
				t.Errorf("Text = %q joins its parts with a signature delimiter", in.Text)
			}
			score, comment, ok := reply.Score(reply.EmailText(in.Text, in.HTML))
			if !ok || score != tt.score || comment != tt.comment {
				t.Errorf("reply.Score(reply.EmailText()) = %d, %q, %v; want %d, %q", score, comment, ok, tt.score, tt.comment)
			}

			// Without envelope and to field, the To header of the message.
			var fields []formField
			for _, f := range rawFields(email) {
				if f.name != "envelope" && f.name != "to" {
					fields = append(fields, f)
				}
			}
			in, err = ParseInbound(postForm(t, fields))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(in.To, tt.to) {
				t.Errorf("To from the header = %q, want %q", in.To, tt.to)
			}
		})
	}
}

// TestParseInboundRawModeFile covers a message posted as a file part.
func TestParseInboundRawModeFile(t *testing.T) {
	var fields []formField
	for _, f := range rawFields("") {
		if f.name != "email" {
			fields = append(fields, f)
		}
	}
	in, err := ParseInbound(postForm(t, fields, formField{"email", readTestdata(t, "apple-mail-de.eml")}))
	if err != nil {
		t.Fatal(err)
	}
	if got := reply.EmailText(in.Text, in.HTML); got != "Fünf Sterne - Jonas war großartig!\n\nAnna" {
		t.Fatalf("reply.EmailText() = %q", got)
	}
}

func TestParseInboundRawModeSinglePart(t *testing.T) {
	email := "From: Anna <anna@example.org>\r\nTo: reply+AAA@reply.nordlicht.example\r\nSubject: Re: x\r\n" +
		"Content-Type: text/html; charset=windows-1252\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"<p>f=FCnf =96 danke</p><blockquote>Antworten Sie mit 1 bis 5</blockquote>\r\n"
	in, err := ParseInbound(postForm(t, rawFields(email)))
	if err != nil {
		t.Fatal(err)
	}
	if in.Text != "" {
		t.Errorf("Text = %q, want none", in.Text)
	}
	if got := reply.EmailText(in.Text, in.HTML); got != "fünf – danke" {
		t.Errorf("reply.EmailText() = %q", got)
	}
}

// TestParseInboundSender: From is the From header's address, else the
// envelope's sender, else empty; a post that names neither readably is
// no error.
func TestParseInboundSender(t *testing.T) {
	envelope := func(from string) string {
		return `{"to":["reply+AAA@reply.nordlicht.example"],"from":"` + from + `"}`
	}
	for _, tt := range []struct{ from, envelope, want string }{
		{`"Schneider, Anna" <anna.schneider@example.org>`, envelope("x@example.org"), "anna.schneider@example.org"},
		{`=?windows-1252?Q?J=FCrgen?= <juergen@example.de>`, envelope("x@example.org"), "juergen@example.de"},
		{"\x00drop", envelope("bounce@example.org"), "bounce@example.org"},
		{"Anna", envelope("anna@example.org"), "anna@example.org"},
		{"\x00drop", envelope("not an address"), ""},
	} {
		fields := replaceField(replaceField(fixtureFields(), "from", tt.from), "envelope", tt.envelope)
		if in, err := ParseInbound(postForm(t, fields)); err != nil || in.From != tt.want {
			t.Errorf("from %q, envelope %s: From = %q, %v; want %q", tt.from, tt.envelope, in.From, err, tt.want)
		}
	}
}

// TestParseInboundMessageID: the Message-ID of the headers field, when
// there is one that looks like one.
func TestParseInboundMessageID(t *testing.T) {
	for headers, want := range map[string]string{
		"From: a@example.org\nMessage-ID:  <x.1@example.org> \nSubject: Re\n": "<x.1@example.org>",
		"From: a@example.org\r\nSubject: Re\r\n":                              "",
		"Message-ID: <" + strings.Repeat("x", 300) + "@example.org>\n":        "",
		"Message-ID: <bad id@example.org>\n":                                  "",
		"not a header block":                                                  "",
	} {
		in, err := ParseInbound(postForm(t, replaceField(fixtureFields(), "headers", headers)))
		if err != nil {
			t.Fatal(err)
		}
		if in.MessageID != want {
			t.Errorf("headers %q: MessageID = %q, want %q", headers, in.MessageID, want)
		}
	}
}

func FuzzParseInbound(f *testing.F) {
	envelope := `{"to":["reply+Q2xJc1pWbG9wZ2ZXcGxOQQ@reply.nordlicht.example"],"from":"anna.schneider@example.org"}`
	f.Add(fixtureText, fixtureHTML, "reply+Q2xJc1pWbG9wZ2ZXcGxOQQ@reply.nordlicht.example", envelope,
		`{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"UTF-8"}`, "")
	f.Add("f\xfcnf", "", `"Schneider, Anna" <a@example.org>`, "", `{"text":"iso-8859-1"}`, "")
	f.Add("", "", "", envelope, "", "To: reply+a@b.example\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nf=FCnf\r\n")
	f.Fuzz(func(t *testing.T, text, html, to, envelope, charsets, email string) {
		form := &multipart.Form{Value: map[string][]string{}}
		for _, f := range []formField{{"text", text}, {"html", html}, {"to", to}, {"envelope", envelope}, {"charsets", charsets}, {"email", email}} {
			if f.value != "" {
				form.Value[f.name] = []string{f.value}
			}
		}
		in, err := ParseInbound(form)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is no *FieldError", err)
			}
			switch fe.Field {
			case "text", "html", "to", "envelope", "charsets", "email":
			default:
				t.Fatalf("error %v names field %q, which the form does not have", err, fe.Field)
			}
			return
		}
		if len(in.To) == 0 {
			t.Fatal("no error, but no recipient")
		}
		for _, s := range append([]string{in.Text, in.HTML, in.From, in.MessageID}, in.To...) {
			if !utf8.ValidString(s) || strings.Contains(s, "\x00") {
				t.Fatalf("ParseInbound() = %+q: not clean UTF-8", in)
			}
		}
		for _, a := range in.To {
			if a == "" {
				t.Fatalf("ParseInbound() = %+q: an empty recipient", in)
			}
		}
		_ = reply.EmailText(in.Text, in.HTML)
		if in2, err := ParseInbound(form); err != nil || !reflect.DeepEqual(in, in2) {
			t.Fatalf("ParseInbound() changed between calls: %+q, %v", in2, err)
		}
	})
}
