package sendgrid

// SendGrid Inbound Parse: the post of an email sent to the reply domain,
// in the default mode (parsed fields) or the raw one (the MIME message).

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jhillyerd/enmime"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"

	"github.com/plaudit/plaudit"
)

// FieldError reports a field of an Inbound Parse post that ParseInbound could
// not read, or that is missing. Field names the form field, so that the
// answer to the sender can say which.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return fmt.Sprintf("sendgrid: field %q: %v", e.Field, e.Err) }

func (e *FieldError) Unwrap() error { return e.Err }

// maxRawEmail bounds the raw MIME message read from a file part. Replies with
// large attachments are cut there; the text comes first in every client.
const maxRawEmail = 32 << 20

// ParseInbound reads a SendGrid Inbound Parse post from its multipart form
// into an email reply.
//
// In the default mode SendGrid posts the parsed mail as fields text, html,
// to, from, headers, envelope and charsets. Each body is converted to UTF-8
// from the charset that the charsets field (a JSON map such as
// {"text":"iso-8859-1"}) names for it; a body with no charset, or declared
// UTF-8 but not valid as such, is read as Windows-1252, which is what
// mislabeled Western mail almost always is. In raw mode the whole MIME
// message is in the field email, and is decoded here (transfer encodings,
// charsets, multipart structure). Text and HTML are the bodies as UTF-8,
// either possibly empty; reply.EmailText finds the customer's words in
// them.
//
// To comes from the SMTP envelope (the envelope field's "to"), which names
// the address the mail was delivered to even when the customer's client
// moved it to Cc or Bcc: bare addresses ("reply+tok@reply.example"), in the
// order SendGrid gave them, without duplicates. Only when there is no
// envelope is the to field (or in raw mode the message's To header) parsed
// instead.
//
// From is the address of the message's From header, else the envelope's
// sender; Subject the subject (decoded); MessageID its Message-ID header. Both are "" when the post does
// not carry them readably, which is no error.
//
// An error (but for a nil form) is a *FieldError naming the field that could
// not be read, or that is missing: a post without any recipient is no
// Inbound Parse post. Empty bodies are no error; the customer may have sent
// only an attachment.
func ParseInbound(form *multipart.Form) (plaudit.InboundReply, error) {
	if form == nil {
		return plaudit.InboundReply{}, errors.New("sendgrid: no inbound form")
	}
	charsets, err := formCharsets(form)
	if err != nil {
		return plaudit.InboundReply{}, err
	}
	in := plaudit.InboundReply{Channel: plaudit.ChannelEmail}
	var headerTo, headerFrom string
	raw, isRaw, err := rawEmail(form)
	if err != nil {
		return plaudit.InboundReply{}, err
	}
	if isRaw {
		env, err := mimeParser.ReadEnvelope(bytes.NewReader(raw))
		if err != nil {
			return plaudit.InboundReply{}, &FieldError{Field: "email", Err: err}
		}
		// enmime has converted what declared a charset it knows; bytes left
		// in another are read as Windows-1252, as in the default mode.
		in.Text = cleanBody(utf8OrWindows1252(plainText(env.Root)))
		in.HTML = cleanBody(utf8OrWindows1252(env.HTML))
		headerTo = env.Root.Header.Get("To")
		headerFrom = utf8OrWindows1252(env.Root.Header.Get("From"))
		in.Subject = utf8OrWindows1252(env.GetHeader("Subject"))
		in.MessageID = messageIDHeader(env.Root.Header.Get("Message-Id"))
	} else {
		if in.Text, err = decodeField(form, "text", charsets); err != nil {
			return plaudit.InboundReply{}, err
		}
		if in.HTML, err = decodeField(form, "html", charsets); err != nil {
			return plaudit.InboundReply{}, err
		}
		if v, ok := formValue(form, "from"); ok {
			headerFrom, _ = toUTF8(v, charsets["from"])
		}
		if v, ok := formValue(form, "subject"); ok {
			in.Subject, _ = toUTF8(v, charsets["subject"])
			// Encoded words ("=?utf-8?q?…?=") where a relay left them.
			if d, err := new(mime.WordDecoder).DecodeHeader(in.Subject); err == nil {
				in.Subject = d
			}
		}
		in.MessageID = messageIDHeader(headerField(form, "Message-Id"))
	}
	in.To, err = recipients(form, charsets, headerTo)
	if err != nil {
		return plaudit.InboundReply{}, err
	}
	in.From = sender(form, headerFrom)
	return in, nil
}

// sender returns the address in headerFrom, else the envelope's "from",
// else "".
func sender(form *multipart.Form, headerFrom string) string {
	if from, err := addressList(headerFrom); err == nil && len(from) > 0 {
		return cleanBody(from[0])
	}
	if v, ok := formValue(form, "envelope"); ok {
		var env struct {
			From string `json:"from"`
		}
		if json.Unmarshal([]byte(v), &env) == nil {
			if a, err := mail.ParseAddress(env.From); err == nil {
				return cleanBody(a.Address)
			}
		}
	}
	return ""
}

// headerField returns a header of the default mode's headers field, the
// received message's header block, or "".
func headerField(form *multipart.Form, name string) string {
	v, ok := formValue(form, "headers")
	if !ok {
		return ""
	}
	h, err := textproto.NewReader(bufio.NewReader(strings.NewReader(strings.TrimRight(v, "\r\n") + "\r\n\r\n"))).ReadMIMEHeader()
	if err != nil {
		return ""
	}
	return h.Get(name)
}

// messageIDHeader returns a Message-ID header's value ("<…@…>") when it
// looks like one: at most 255 printable ASCII characters without spaces.
func messageIDHeader(v string) string {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 255 || !visibleASCII(v) {
		return ""
	}
	return v
}

// mimeParser reads raw mode messages. It takes a part's declared charset at
// its word rather than second-guessing it from the bytes (detection, which
// misreads short texts, still serves parts that declare none), keeps what it
// can of broken base64 and malformed parts, and leaves HTML as HTML:
// EmailText converts it, knowing where the quote starts.
var mimeParser = enmime.NewParser(
	enmime.DisableCharacterDetection(true),
	enmime.DisableTextConversion(true),
	enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
	enmime.SkipMalformedParts(true),
	enmime.MultipartWOBoundaryAsSinglePart(true),
)

// maxPartDepth bounds the nesting of MIME parts followed.
const maxPartDepth = 256

// plainText joins the text/plain parts of a message that are not
// attachments, taking one from each multipart/alternative. enmime's own
// Text joins parts with "--" lines, which would read as a signature.
func plainText(root *enmime.Part) string {
	var texts []string
	var walk func(p *enmime.Part, depth int)
	walk = func(p *enmime.Part, depth int) {
		if p == nil || depth > maxPartDepth {
			return
		}
		if p.ContentType == "multipart/alternative" {
			if q := p.BreadthMatchFirst(isPlainPart); q != nil {
				texts = append(texts, string(q.Content))
			}
			return
		}
		if isPlainPart(p) {
			texts = append(texts, string(p.Content))
		}
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(root, 0)
	return strings.Join(texts, "\n\n")
}

func isPlainPart(p *enmime.Part) bool {
	return p.ContentType == "text/plain" && p.Disposition != "attachment"
}

// rawEmail returns the raw mode message, from a value or, when SendGrid's
// post was large enough for the form to keep it as a file, from that file.
func rawEmail(form *multipart.Form) (raw []byte, ok bool, err error) {
	if v := form.Value["email"]; len(v) > 0 {
		return []byte(v[0]), true, nil
	}
	fhs := form.File["email"]
	if len(fhs) == 0 {
		return nil, false, nil
	}
	f, err := fhs[0].Open()
	if err != nil {
		return nil, true, &FieldError{Field: "email", Err: err}
	}
	defer f.Close()
	raw, err = io.ReadAll(io.LimitReader(f, maxRawEmail))
	if err != nil {
		return nil, true, &FieldError{Field: "email", Err: err}
	}
	return raw, true, nil
}

func formValue(form *multipart.Form, field string) (string, bool) {
	if v := form.Value[field]; len(v) > 0 {
		return v[0], true
	}
	return "", false
}

// formCharsets reads the charsets field: which charset each other field is
// in.
func formCharsets(form *multipart.Form) (map[string]string, error) {
	v, ok := formValue(form, "charsets")
	if !ok || strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return nil, &FieldError{Field: "charsets", Err: err}
	}
	return m, nil
}

// decodeField returns a field's value as UTF-8.
func decodeField(form *multipart.Form, field string, charsets map[string]string) (string, error) {
	v, ok := formValue(form, field)
	if !ok {
		return "", nil
	}
	s, err := toUTF8(v, charsets[field])
	if err != nil {
		return "", &FieldError{Field: field, Err: err}
	}
	return cleanBody(s), nil
}

// toUTF8 converts s from the charset label (a MIME or WHATWG name such as
// "iso-8859-1", "windows-1252", "UTF-8") to UTF-8. An unknown label is an
// error unless s is valid UTF-8 anyway.
func toUTF8(s, label string) (string, error) {
	label = strings.Trim(strings.TrimSpace(label), `"'`)
	if label != "" {
		enc, err := htmlindex.Get(label)
		if err != nil {
			if utf8.ValidString(s) {
				return s, nil
			}
			return "", fmt.Errorf("unknown charset %q", label)
		}
		if name, _ := htmlindex.Name(enc); name != "utf-8" {
			out, err := enc.NewDecoder().String(s)
			if err != nil {
				return "", fmt.Errorf("charset %q: %w", label, err)
			}
			return out, nil
		}
	}
	return utf8OrWindows1252(s), nil
}

// utf8OrWindows1252 returns s if it is valid UTF-8, else s read as
// Windows-1252.
func utf8OrWindows1252(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	if out, err := charmap.Windows1252.NewDecoder().String(s); err == nil {
		return out
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// cleanBody makes a body safe to store: valid UTF-8 and free of NUL bytes,
// which PostgreSQL refuses in text.
func cleanBody(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// recipients returns the envelope's recipients or, without an envelope, the
// addresses in the to field or else headerTo (raw mode's To header).
func recipients(form *multipart.Form, charsets map[string]string, headerTo string) ([]string, error) {
	if v, ok := formValue(form, "envelope"); ok && strings.TrimSpace(v) != "" {
		to, err := envelopeTo(v)
		if err != nil {
			return nil, &FieldError{Field: "envelope", Err: err}
		}
		if len(to) > 0 {
			return to, nil
		}
	}
	field, list := "to", ""
	if v, ok := formValue(form, "to"); ok && strings.TrimSpace(v) != "" {
		s, err := toUTF8(v, charsets["to"])
		if err != nil {
			return nil, &FieldError{Field: "to", Err: err}
		}
		list = s
	} else if strings.TrimSpace(headerTo) != "" {
		field, list = "email", utf8OrWindows1252(headerTo)
	}
	if strings.TrimSpace(list) == "" {
		return nil, &FieldError{Field: "to", Err: errors.New("no recipient: neither envelope nor to names one")}
	}
	to, err := addressList(list)
	if err != nil {
		return nil, &FieldError{Field: field, Err: err}
	}
	if len(to) == 0 {
		return nil, &FieldError{Field: field, Err: errors.New("no recipient address")}
	}
	return to, nil
}

// envelopeTo reads "to" from the envelope JSON. SendGrid sends a list; a
// single string is taken as well.
func envelopeTo(v string) ([]string, error) {
	var env struct {
		To json.RawMessage `json:"to"`
	}
	if err := json.Unmarshal([]byte(v), &env); err != nil {
		return nil, err
	}
	var list []string
	if len(env.To) > 0 && string(env.To) != "null" {
		if err := json.Unmarshal(env.To, &list); err != nil {
			var one string
			if json.Unmarshal(env.To, &one) != nil {
				return nil, fmt.Errorf(`"to" is neither a list of addresses nor one: %w`, err)
			}
			list = []string{one}
		}
	}
	var to []string
	for _, a := range list {
		a = strings.TrimSpace(a)
		if a == "" || strings.IndexFunc(a, unicode.IsControl) >= 0 {
			continue // no address has control characters
		}
		if addr, err := mail.ParseAddress(a); err == nil {
			a = addr.Address
		}
		to = appendUnique(to, a)
	}
	return to, nil
}

// addressParser decodes RFC 2047 names in any charset the WHATWG knows, so
// that a name such as "=?windows-1252?Q?J=FCrgen?=" does not fail the list.
var addressParser = mail.AddressParser{WordDecoder: &mime.WordDecoder{
	CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
		enc, err := htmlindex.Get(charset)
		if err != nil {
			return nil, err
		}
		return enc.NewDecoder().Reader(input), nil
	},
}}

// addressList parses an address list header with net/mail and, when that
// fails on a list that mail clients write but RFC 5322 forbids (a missing
// comma, an unquoted comma in a name), with enmime's more tolerant parser.
func addressList(list string) ([]string, error) {
	addrs, err := addressParser.ParseList(list)
	if err != nil {
		var err2 error
		if addrs, err2 = enmime.ParseAddressList(list); err2 != nil {
			return nil, err
		}
	}
	var to []string
	for _, a := range addrs {
		if a != nil && a.Address != "" {
			to = appendUnique(to, a.Address)
		}
	}
	return to, nil
}

// appendUnique appends a unless list holds it. Addresses that differ in
// case stay apart: the local part is the token's, and tokens keep case.
func appendUnique(list []string, a string) []string {
	for _, b := range list {
		if a == b {
			return list
		}
	}
	return append(list, a)
}
