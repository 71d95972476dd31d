package reply

import (
	"regexp"
	"strings"
	"unicode"
)

// EmailText extracts what the customer wrote from an email reply: the plain
// text body, or the HTML body converted to text when there is no plain text.
// It drops what the mail client added below the customer's words: the
// quoted feedback request ("On … wrote:", "Am … schrieb …:", lines starting
// with ">", Outlook's "-----Original Message-----", "From: … Sent: …",
// "Von: … Gesendet: …" and "________________________________" blocks,
// forwarded messages) and signatures (a "-- " line, "Sent from my iPhone",
// "Von meinem iPhone gesendet").
//
// Lines quoted with ">" are dropped wherever they are, so that an answer
// written below or between the quoted lines is kept. Everything else ends the
// customer's text where it starts, because mail clients put it last.
func EmailText(text, html string) string {
	body := text
	if strings.TrimFunc(body, unicode.IsSpace) == "" {
		body = htmlToText(html)
	}
	body = strings.ToValidUTF8(body, "\uFFFD")
	body = strings.ReplaceAll(body, "\r\n", "\n")
	body = strings.ReplaceAll(body, "\r", "\n")
	return stripQuoted(strings.Split(body, "\n"))
}

// stripQuoted keeps the lines the customer wrote, with runs of blank lines
// shortened to one.
func stripQuoted(lines []string) string {
	// Quoted lines go first, and with them the attribution lines above them.
	// The rules below then look at the lines as they will be kept, so that
	// EmailText applied to its own result changes nothing.
	var rest []string
	var quoteAfter []bool // quoteAfter[k]: quoted lines followed rest[k]
	for _, line := range lines {
		if strings.HasPrefix(strings.TrimFunc(line, unicode.IsSpace), ">") {
			if len(rest) > 0 {
				quoteAfter[len(rest)-1] = true
			}
			continue
		}
		rest = append(rest, line)
		quoteAfter = append(quoteAfter, false)
	}
	var unquoted []string
	for k := 0; k < len(rest); k++ {
		if n := attributionLines(rest, k); n > 0 && quoteFollows(rest, quoteAfter, k+n-1) {
			// "On … wrote:" above ">" lines: an answer may follow them.
			k += n - 1
			continue
		}
		unquoted = append(unquoted, rest[k])
	}

	var out []string
	blank := false
	for i, line := range unquoted {
		t := strings.TrimFunc(line, unicode.IsSpace)
		if isSignatureDelimiter(line) || endsQuote(t) || attributionLines(unquoted, i) > 0 || isHeaderBlock(unquoted, i) {
			break
		}
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if line == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// quoteFollows reports whether quoted lines follow rest[k], blank lines
// aside.
func quoteFollows(rest []string, quoteAfter []bool, k int) bool {
	for ; k < len(rest); k++ {
		if quoteAfter[k] {
			return true
		}
		if k+1 < len(rest) && strings.TrimFunc(rest[k+1], unicode.IsSpace) != "" {
			return false
		}
	}
	return false
}

// isSignatureDelimiter reports the line that starts a signature: "-- " as
// RFC 3676 has it, or "--" where a mail system trimmed the trailing space.
func isSignatureDelimiter(line string) bool {
	return strings.TrimRight(line, " \t") == "--"
}

// quoteStarts end the customer's text at the line that matches one of them:
// Outlook's separators, forwarded messages and the lines phones and apps add
// as a signature.
var quoteStarts = []*regexp.Regexp{
	// Outlook and others: "-----Original Message-----", "-----Ursprüngliche
	// Nachricht-----", Gmail's "---------- Forwarded message ---------".
	regexp.MustCompile(`(?i)^-{2,}\s*(original message|ursprüngliche nachricht|originalnachricht|weitergeleitete nachricht|forwarded message|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht)\s*-{2,}$`),
	// Outlook (mobile, web) puts a rule of underscores above the header block.
	regexp.MustCompile(`^_{8,}$`),
	regexp.MustCompile(`(?i)^(begin forwarded message|anfang der weitergeleiteten nachricht):?$`),
	// Signatures of phones and mail apps.
	regexp.MustCompile(`(?i)^sent from my \S.{0,60}$`),
	regexp.MustCompile(`(?i)^sent (from|with|via|using) (outlook|mail|yahoo|gmail|aol|proton ?mail|samsung|android|blackberry|gmx|web\.de|t-online|icloud|the )\S*.{0,60}$`),
	regexp.MustCompile(`(?i)^get (outlook|the outlook app) for (ios|android)\S*$`),
	regexp.MustCompile(`(?i)^von meine[mr]? .{1,60} gesendet\.?$`),
	regexp.MustCompile(`(?i)^von (outlook|yahoo|gmx|web\.de|t-online) .{0,60}gesendet\.?$`),
	regexp.MustCompile(`(?i)^gesendet (von|mit|vom|über|via) (meinem|meiner|mein|der|dem|outlook|yahoo|gmx|web\.de|t-online|iphone|ipad|android|samsung)\b.{0,60}$`),
	regexp.MustCompile(`(?i)^outlook für (ios|android) beziehen$`),
	regexp.MustCompile(`(?i)^(envoyé de mon|enviado desde mi|verstuurd vanaf mijn|inviato da(l mio)?) \S.{0,60}$`),
}

func endsQuote(t string) bool {
	if t == "" || len(t) > 120 {
		return false
	}
	for _, re := range quoteStarts {
		if re.MatchString(t) {
			return true
		}
	}
	return false
}

// attributions match the line a mail client writes above a quoted message.
// Each asks for a digit (the date) so that a sentence of the customer's own
// is not taken for one. These begin with a word of their own, so that a
// wrapped one can be recognized across lines.
var attributions = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^on\s.*\d.*\swrote\s?:$`),               // Gmail, Apple Mail, Thunderbird
	regexp.MustCompile(`(?i)^am\s.*\d.*\sschrieb(\s.*)?:$`),         // German clients
	regexp.MustCompile(`(?i)^le\s.*\d.*\sa écrit\s?:$`),             // French
	regexp.MustCompile(`(?i)^el\s.*\d.*\sescribió\s?:$`),            // Spanish
	regexp.MustCompile(`(?i)^op\s.*\d.*\sschreef(\s.*)?:$`),         // Dutch
	regexp.MustCompile(`(?i)^il (giorno )?.*\d.*\sha scritto\s?:$`), // Italian
}

// oneLineAttributions start with the sender's name, so they are recognized
// on a line of their own only: joined to the line above, any sentence of the
// customer's would pass for one's start.
var oneLineAttributions = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^.{1,200}\sschrieb am\s.*\d.*:$`),                     // GMX, web.de: "X schrieb am 28.11.2026 10:41:"
	regexp.MustCompile(`(?i)^.{1,200}<[^<>@\s]+@[^<>\s]+>\s(wrote|schrieb)\s?:$`), // "Name <a@b> wrote:"
}

// attributionLines reports how many lines from i form an attribution line:
// clients wrap long ones ("On Sat, 28 Nov 2026 at 10:41, Nordlicht Reisen
// <feedback@nordlicht.example>" / "wrote:"), so up to three are joined.
func attributionLines(lines []string, i int) int {
	joined := ""
	for n := 1; n <= 3 && i+n <= len(lines); n++ {
		t := strings.TrimFunc(lines[i+n-1], unicode.IsSpace)
		if t == "" {
			return 0
		}
		if joined == "" {
			joined = t
		} else {
			joined += " " + t
		}
		if len(joined) > 400 {
			return 0
		}
		for _, re := range attributions {
			if re.MatchString(joined) {
				return n
			}
		}
		if n == 1 {
			for _, re := range oneLineAttributions {
				if re.MatchString(joined) {
					return 1
				}
			}
		}
	}
	return 0
}

// headerField matches a line of the header block Outlook writes above the
// message it quotes (bold in HTML, hence the optional asterisks of its plain
// text): "From: …", "Sent: …", "Von: …", "Gesendet: …".
var headerField = regexp.MustCompile(`(?i)^\*?(from|sent|date|to|cc|subject|von|gesendet|datum|an|betreff|de|envoyé|à|objet|enviado|para|asunto)\*?\s?:\*?(\s|$)`)

// senderField matches the fields that name the sender of the quoted
// message; a block without one is not a quoted header.
var senderField = regexp.MustCompile(`(?i)^\*?(from|von|de)\*?\s?:`)

// inlineHeader matches a header block that lost its line breaks, as in
// converted HTML: "From: Nordlicht Reisen Sent: Saturday, … To: …".
var inlineHeader = regexp.MustCompile(`(?i)^\*?(from|von|de)\*?\s?:.*\s\*?(sent|date|gesendet|datum|envoyé|enviado)\*?\s?:`)

// isHeaderBlock reports whether the lines from i are such a header block:
// a sender field and at least one more field, in any order ("Gesendet:"
// comes first in mail from GMX and web.de), blank lines allowed between.
func isHeaderBlock(lines []string, i int) bool {
	t := strings.TrimFunc(lines[i], unicode.IsSpace)
	if !headerField.MatchString(t) {
		return false
	}
	if inlineHeader.MatchString(t) {
		return true
	}
	fields, sender := 0, false
	for j, seen := i, 0; j < len(lines) && seen < 6; j++ {
		t := strings.TrimFunc(lines[j], unicode.IsSpace)
		if t == "" {
			continue
		}
		seen++
		if !headerField.MatchString(t) {
			break
		}
		fields++
		sender = sender || senderField.MatchString(t)
	}
	return sender && fields >= 2
}
