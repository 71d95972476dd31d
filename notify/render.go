package notify

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"unicode"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/i18n"
)

// Content is what a feedback request says: who helped, for which brand, in
// which language, and where to answer.
type Content struct {
	Settings plaudit.Settings // brand_name, brand_color, logo_url, privacy_url, from_*
	Agent    plaudit.Agent    // shown as DisplayName ("Max M."), FirstName, PhotoURL, Hometown, Bio
	Language string           // a language of i18n.Languages; anything else is rendered in English
	PageURL  string           // https://host/f/{token}; score links are PageURL+"?score=N"
	// CustomerName may be empty; only the first name is used, in the
	// greeting.
	CustomerName string
	// Reminder marks the one reminder of an unanswered request: the same
	// message and link, with "Reminder:" before the subject (and the SMS
	// question) and a line saying so.
	Reminder bool
	// UnsubscribeURL is the unsubscribe page ({public}/u/{token}); every
	// email's footer links to it, with the controller's name.
	UnsubscribeURL string
	// Controller is the tenant's name: the company responsible for the
	// customer's data, named in the footer when it has no brand_name.
	Controller string
}

//go:embed templates/*.tmpl
var templateFS embed.FS

// The templates are parsed on first use rather than in init, so that a
// broken template is an error of RenderEmail, not a panic at start.
var (
	htmlTemplate = sync.OnceValues(func() (*htmltemplate.Template, error) {
		return htmltemplate.ParseFS(templateFS, "templates/email.html.tmpl")
	})
	textTemplate = sync.OnceValues(func() (*texttemplate.Template, error) {
		return texttemplate.ParseFS(templateFS, "templates/email.txt.tmpl")
	})
)

const defaultBrandColor = "#2f6fed"

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

type scoreLink struct {
	Score int
	URL   string
	Label string
}

type agentCard struct {
	Name     string
	PhotoURL string
	PhotoAlt string
	Initial  string
	Hometown string
	Bio      string
}

// emailData is everything the email templates show, already translated, so
// that the templates hold layout only.
type emailData struct {
	Lang       string
	Subject    string
	Preheader  string
	Greeting   string
	Intro      string
	Question   string
	Scale      string
	Brand      string
	LogoURL    string
	LogoAlt    string
	Color      string // brand colour, checked to be #rrggbb
	OnColor    string // text colour readable on Color
	Agent      agentCard
	Scores     []scoreLink
	Fallback   string
	PageURL    string
	Why        string
	Privacy    string
	PrivacyURL string
	Footer     string
	// OptOut is the footer line on the right to object, before the link
	// Unsubscribe to UnsubscribeURL.
	OptOut, Unsubscribe, UnsubscribeURL string
}

// lang maps c.Language to a language the catalog has.
func (c Content) lang() string {
	if slices.Contains(i18n.Languages(), c.Language) {
		return c.Language
	}
	return i18n.Default
}

// tr is i18n.T for the email and the SMS.
func tr(lang, id string, kv ...string) string {
	var data map[string]any
	if len(kv) > 0 {
		data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			data[kv[i]] = kv[i+1]
		}
	}
	return i18n.T(lang, id, data)
}

// brand is the name the customer knows the company by.
func (c Content) brand() string {
	if b := strings.TrimSpace(c.Settings.BrandName); b != "" {
		return b
	}
	return strings.TrimSpace(c.Settings.FromName)
}

// color is the brand colour, checked to be #rrggbb.
func (c Content) color() string {
	if color := strings.TrimSpace(c.Settings.BrandColor); hexColor.MatchString(color) {
		return color
	}
	return defaultBrandColor
}

// company is the name the footer gives the controller: the brand, else
// the tenant's name.
func (c Content) company() string {
	if b := c.brand(); b != "" {
		return b
	}
	return strings.TrimSpace(c.Controller)
}

// customerFirstName picks the first name from a full name, skipping titles
// such as "Dr." that helpdesks keep in the name field. Whoever opens a
// ticket chooses that name, and the greeting shows it under the brand's
// name: a first name that is not a plain word (a URL, an email address, a
// phone number, markup) gives "" and so the neutral greeting, rather than
// "Hi https://refunds.evil.example/claim," in the company's own email.
func customerFirstName(name string) string {
	for _, f := range strings.Fields(name) {
		if strings.HasSuffix(f, ".") && plainName(strings.TrimSuffix(f, ".")) {
			continue
		}
		if plainName(f) {
			return f
		}
		return ""
	}
	return ""
}

// maxFirstName bounds a first name in the greeting, in characters.
const maxFirstName = 40

// plainName reports whether w reads as a name: letters (with their
// combining marks), joined by single hyphens or apostrophes as in
// "Jean-Luc" and "O'Brien". Digits, dots, '@', ':', '/', '<' and the like
// are no part of one.
func plainName(w string) bool {
	if w == "" || utf8.RuneCountInString(w) > maxFirstName {
		return false
	}
	joined := true // at the start, as after a joiner: a letter must come
	for _, r := range w {
		switch {
		case unicode.IsLetter(r):
			joined = false
		case unicode.Is(unicode.M, r) && !joined:
		case strings.ContainsRune("-'’‐", r) && !joined:
			joined = true
		default:
			return false
		}
	}
	return !joined
}

// ScoreURL is the one-click link for score n.
func ScoreURL(pageURL string, n int) string {
	sep := "?"
	if strings.Contains(pageURL, "?") {
		sep = "&"
	}
	return pageURL + sep + "score=" + strconv.Itoa(n)
}

// onColor picks black or white text for a background, by the background's
// relative luminance, so that a light brand colour keeps its buttons
// readable.
func onColor(hex string) string {
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil {
		return "#ffffff"
	}
	r, g, b := float64(v>>16&0xff), float64(v>>8&0xff), float64(v&0xff)
	if (0.299*r + 0.587*g + 0.114*b) > 160 {
		return "#111111"
	}
	return "#ffffff"
}

func (c Content) emailData() emailData {
	lang := c.lang()
	brand := c.brand()
	name := c.Agent.DisplayName()
	color := c.color()
	d := emailData{
		Lang:       lang,
		Preheader:  tr(lang, "email.preheader"),
		Scale:      tr(lang, "email.scale"),
		Brand:      brand,
		LogoURL:    strings.TrimSpace(c.Settings.LogoURL),
		LogoAlt:    "Logo",
		Color:      color,
		OnColor:    onColor(color),
		Fallback:   tr(lang, "email.fallback"),
		PageURL:    c.PageURL,
		Privacy:    tr(lang, "privacy"),
		PrivacyURL: strings.TrimSpace(c.Settings.PrivacyURL),
	}
	var helped, ask string
	if name != "" {
		d.Question = tr(lang, "question", "Name", c.Agent.FirstName())
		helped = tr(lang, "email.helped", "Name", name)
		d.Agent = agentCard{
			Name:     name,
			PhotoURL: strings.TrimSpace(c.Agent.PhotoURL),
			PhotoAlt: tr(lang, "photo_alt", "Name", name),
			Bio:      strings.TrimSpace(c.Agent.Bio),
		}
		for _, r := range name {
			d.Agent.Initial = strings.ToUpper(string(r))
			break
		}
		if h := strings.TrimSpace(c.Agent.Hometown); h != "" {
			d.Agent.Hometown = tr(lang, "hometown", "Place", h)
		}
	} else {
		d.Question = tr(lang, "question_noname")
		helped = tr(lang, "email.helped_noname")
	}
	if brand != "" {
		d.Subject = d.Question + " " + tr(lang, "email.rate", "Brand", brand)
		ask = tr(lang, "email.ask", "Brand", brand)
		d.Why = tr(lang, "email.why", "Brand", brand)
		d.Footer = tr(lang, "email.footer", "Brand", brand)
		d.LogoAlt = tr(lang, "email.logo_alt", "Brand", brand)
	} else {
		d.Subject = d.Question + " " + tr(lang, "email.rate_nobrand")
		ask = tr(lang, "email.ask_nobrand")
		d.Why = tr(lang, "email.why_nobrand")
		d.Footer = tr(lang, "email.footer_nobrand")
	}
	d.OptOut, d.Unsubscribe, d.UnsubscribeURL = tr(lang, "email.optout_nocompany"), tr(lang, "unsubscribe"), c.UnsubscribeURL
	if company := c.company(); company != "" {
		d.OptOut = tr(lang, "email.optout", "Company", company)
	}
	d.Intro = helped + " " + ask
	if c.Reminder {
		d.Subject = tr(lang, "email.reminder_subject", "Subject", d.Subject)
		d.Preheader = tr(lang, "email.reminder_preheader")
		d.Intro = tr(lang, "email.reminder_intro") + " " + d.Intro
	}
	if n := customerFirstName(c.CustomerName); n != "" {
		d.Greeting = tr(lang, "email.greeting", "Name", n)
	} else {
		d.Greeting = tr(lang, "email.greeting_noname")
	}
	for i := 1; i <= 5; i++ {
		d.Scores = append(d.Scores, scoreLink{
			Score: i,
			URL:   ScoreURL(c.PageURL, i),
			Label: tr(lang, "score."+strconv.Itoa(i)),
		})
	}
	return d
}

// RenderEmail renders the feedback request email: a subject, an HTML body
// built for mail clients (table layout, inline styles, no scripts, no
// external stylesheets) and a plain-text alternative with the same links.
// Everything that comes from tenants, agents or customers is escaped.
func RenderEmail(c Content) (subject, html, text string, err error) {
	if strings.TrimSpace(c.PageURL) == "" || strings.TrimSpace(c.UnsubscribeURL) == "" {
		return "", "", "", plaudit.Errorf(plaudit.EInvalid, "notify: the feedback page URL and the unsubscribe URL are required")
	}
	ht, err := htmlTemplate()
	if err != nil {
		return "", "", "", err
	}
	tt, err := textTemplate()
	if err != nil {
		return "", "", "", err
	}
	d := c.emailData()
	var hb, tb bytes.Buffer
	if err := ht.ExecuteTemplate(&hb, "email.html.tmpl", d); err != nil {
		return "", "", "", err
	}
	if err := tt.ExecuteTemplate(&tb, "email.txt.tmpl", d); err != nil {
		return "", "", "", err
	}
	return d.Subject, hb.String(), tb.String(), nil
}

// smsTails is how many forms of the SMS's tail the catalog has, sms.tail.1
// (the longest) to sms.tail.4.
const smsTails = 4

// smsQuestions lists the SMS's question in its long and, where the
// language has one, its short form: the longer form reads better, the
// shorter one keeps a long brand or name within one segment.
func smsQuestions(lang, first string) []string {
	long, short := tr(lang, "question", "Name", first), tr(lang, "sms.question_short", "Name", first)
	if first == "" {
		long, short = tr(lang, "question_noname"), tr(lang, "sms.question_noname_short")
	}
	if short == long {
		return []string{long}
	}
	return []string{long, short}
}

// smsVariants lists the texts for one brand, most complete first: optional
// words in the tail go before the question is shortened. Every tail keeps
// the link and the way to opt out. A reminder puts "Reminder:" before the
// question.
func smsVariants(lang, brand, first, link string, reminder bool) []string {
	qs := smsQuestions(lang, first)
	prefix := ""
	if brand != "" {
		prefix = brand + ": "
	}
	if reminder {
		prefix += tr(lang, "sms.reminder") + " "
	}
	var out []string
	for ti := range smsTails {
		tail := tr(lang, "sms.tail."+strconv.Itoa(ti+1), "Link", link)
		for qi, q := range qs {
			if ti == 0 && qi > 0 {
				continue // shorten the question only once the tail is shorter too
			}
			out = append(out, prefix+q+" "+tail)
		}
	}
	return out
}

// fewestSegments returns the first variant that takes the fewest segments,
// and that count.
func fewestSegments(variants []string) (string, int) {
	best, min := "", 0
	for _, v := range variants {
		if n := GSM7Segments(v); best == "" || n < min {
			best, min = v, n
		}
	}
	return best, min
}

// truncateBrand shortens brand to at most n characters, at a word boundary
// when there is one in the second half. Words that only join what was cut
// off ("&", "-", "und", "and") go too: "Nordlicht Reisen und Touristik GmbH
// & Co. KG" becomes "Nordlicht Reisen und Touristik GmbH", not "… GmbH &".
func truncateBrand(brand string, n int) string {
	r := []rune(brand)
	if len(r) <= n {
		return brand
	}
	cut := string(r[:n])
	if i := strings.LastIndex(cut, " "); i >= len(cut)/2 {
		cut = cut[:i]
		for {
			f := strings.Fields(cut)
			if len(f) < 2 || !danglingWord(f[len(f)-1]) {
				break
			}
			cut = strings.Join(f[:len(f)-1], " ")
		}
	}
	return strings.TrimRightFunc(strings.TrimSpace(cut), func(r rune) bool { return strings.ContainsRune(",;:-&+/", r) })
}

// danglingWord reports a word that cannot end a shortened brand: a lone
// symbol or a conjunction.
func danglingWord(w string) bool {
	switch strings.ToLower(w) {
	case "&", "+", "-", "–", "/", "|", ",", "und", "and", "of", "the", "der", "die", "das", "für", "for":
		return true
	}
	return false
}

// RenderSMS renders the SMS text: brand, the agent's first name, the link
// and "reply 1-5". It fits one GSM-7 segment (160 characters) whenever the
// brand and name allow: optional words are dropped first, then a long
// brand is shortened; only when even that is not enough does the text take
// more segments.
func RenderSMS(c Content) string {
	lang, brand, first := c.lang(), c.brand(), c.Agent.FirstName()
	full := smsVariants(lang, brand, first, c.PageURL, c.Reminder)
	text, segs := fewestSegments(full)
	if segs <= 1 || brand == "" {
		return text
	}
	shortest := smsVariants(lang, "", first, c.PageURL, c.Reminder)
	last := shortest[len(shortest)-1]
	room := 160 - len([]rune(last)) - len(": ")
	if room >= 3 {
		short := truncateBrand(brand, room)
		if t, n := fewestSegments(smsVariants(lang, short, first, c.PageURL, c.Reminder)); n == 1 {
			return t
		}
	}
	return text
}
