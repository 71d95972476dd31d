package reply

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlToText converts an HTML mail body to plain text: tags stripped,
// entities decoded, white space collapsed as a browser would, and line breaks
// where <br>, <p>, <div> and the other blocks put them. It leaves out what a
// reader of the mail would not take for the customer's words: scripts and
// styles, quoted messages (<blockquote>, Gmail's gmail_quote, Thunderbird's
// moz-cite-prefix, Yahoo's yahoo_quoted) and marked signatures; and it stops
// where Outlook begins the message it replies to (divRplyFwdMsg,
// appendonsend), since Outlook does not mark the quote itself.
func htmlToText(src string) string {
	if strings.TrimFunc(src, unicode.IsSpace) == "" {
		return ""
	}
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return "" // only a failing reader errors, and a string reader does not fail
	}
	var w textWriter
	w.walk(doc, 0)
	return w.b.String()
}

// maxHTMLDepth bounds the nesting followed. Real mail nests a few dozen
// levels; deeper content is garbage or an attack on the stack.
const maxHTMLDepth = 256

type textWriter struct {
	b       strings.Builder
	breaks  int  // line breaks owed before the next text
	space   bool // a space owed before the next text
	pre     int  // depth inside <pre>, where white space is kept
	stopped bool // the quoted message began: write nothing more
}

func (w *textWriter) walk(n *html.Node, depth int) {
	if w.stopped || depth > maxHTMLDepth {
		return
	}
	switch n.Type {
	case html.DocumentNode:
		w.children(n, depth)
	case html.TextNode:
		w.text(n.Data)
	case html.ElementNode:
		w.element(n, depth)
	}
}

func (w *textWriter) children(n *html.Node, depth int) {
	for c := n.FirstChild; c != nil && !w.stopped; c = c.NextSibling {
		w.walk(c, depth+1)
	}
}

func (w *textWriter) element(n *html.Node, depth int) {
	switch n.DataAtom {
	case atom.Head, atom.Script, atom.Style, atom.Title, atom.Template, atom.Noscript,
		atom.Object, atom.Iframe, atom.Svg, atom.Math, atom.Blockquote:
		return
	case atom.Br:
		w.breaks++
		return
	case atom.Img:
		// Gmail sends emoji as images with the emoji as alt text: keep "⭐",
		// but not "Logo" or "Nordlicht Reisen".
		if alt := strings.TrimSpace(attr(n, "alt")); alt != "" && utf8.RuneCountInString(alt) <= 16 &&
			strings.IndexFunc(alt, isWordRune) < 0 {
			w.text(alt)
		}
		return
	}
	id := attr(n, "id")
	switch id {
	case "divRplyFwdMsg", "x_divRplyFwdMsg", "appendonsend", "x_appendonsend",
		"mail-editor-reference-message-container", "OLK_SRC_BODY_SECTION":
		w.stopped = true
		return
	case "AppleMailSignature":
		return
	}
	for _, class := range strings.Fields(attr(n, "class")) {
		switch class {
		case "gmail_quote", "gmail_quote_container", "gmail_attr", "gmail_signature",
			"gmail_signature_prefix", "moz-cite-prefix", "moz-signature", "yahoo_quoted",
			"protonmail_quote", "protonmail_signature_block":
			return
		}
	}

	switch n.DataAtom {
	case atom.Pre:
		w.pre++
		defer func() { w.pre-- }()
	case atom.Td, atom.Th:
		w.space = true
		w.children(n, depth)
		w.space = true
		return
	}
	block := isBlock(n.DataAtom)
	if block {
		w.lineBreak()
	}
	w.children(n, depth)
	if block {
		w.lineBreak()
	}
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.Dl, atom.Dt, atom.Dd, atom.Tr,
		atom.Table, atom.Caption, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Hr, atom.Pre, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Aside,
		atom.Nav, atom.Main, atom.Address, atom.Center, atom.Figure, atom.Figcaption,
		atom.Form, atom.Fieldset, atom.Body:
		return true
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

func (w *textWriter) lineBreak() {
	if w.breaks == 0 {
		w.breaks = 1
	}
}

// text writes a text node, collapsing HTML white space outside <pre>. A
// non-breaking space is kept as a plain space.
func (w *textWriter) text(s string) {
	for _, r := range s {
		switch {
		case w.pre > 0 && r == '\n':
			w.breaks++
		case w.pre == 0 && (r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'):
			w.space = true
		default:
			w.flush()
			if r == '\u00a0' {
				r = ' '
			}
			w.b.WriteRune(r)
		}
	}
}

// flush writes the breaks or the space owed before the next character;
// neither is owed at the start of the text.
func (w *textWriter) flush() {
	if w.b.Len() > 0 {
		switch {
		case w.breaks > 0:
			w.b.WriteString("\n\n"[:min(w.breaks, 2)])
		case w.space:
			w.b.WriteByte(' ')
		}
	}
	w.breaks, w.space = 0, false
}
