package server

import (
	"bytes"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/i18n"
	"github.com/plaudit/plaudit/notify"
	"github.com/plaudit/plaudit/web"
)

var (
	emailScore = regexp.MustCompile(`(?m)^([1-5]) - (.+): \S+\?score=`)
	pageScore  = regexp.MustCompile(`<b>([1-5])</b> ([^<]+)</span>`)
	heading    = regexp.MustCompile(`<h1[^>]*>([^<]+)</h1>`)
)

// TestEmailAndPageSayTheSame renders the feedback email and the feedback
// page for one agent in each language: the label of each score and the
// question are the same words in both, so that the score a customer taps
// in the email is the one the page shows as chosen.
func TestEmailAndPageSayTheSame(t *testing.T) {
	tmpl, err := web.Templates()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Languages() {
		t.Run(lang, func(t *testing.T) {
			_, emailHTML, emailText, err := notify.RenderEmail(notify.Content{
				Settings: plaudit.DefaultSettings(),
				Agent:    plaudit.Agent{Name: "Max Mustermann"},
				Language: lang,
				PageURL:  "https://fb.example.com/f/tok", UnsubscribeURL: "https://fb.example.com/u/tok",
			})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			d := pageData{Lang: lang, Token: "tok", State: "rate", BrandOrCompany: "Acme",
				HasAgent: true, AgentName: "Max M.", AgentFirst: "Max"}
			if err := tmpl.ExecuteTemplate(&buf, "page", d); err != nil {
				t.Fatal(err)
			}
			page := buf.String()

			email, onPage := labels(emailScore, emailText), labels(pageScore, page)
			for n := 1; n <= 5; n++ {
				want := i18n.T(lang, "score."+strconv.Itoa(n), nil)
				if email[n] != want || onPage[n] != want {
					t.Errorf("score %d: email says %q, page says %q, catalog %q", n, email[n], onPage[n], want)
				}
			}
			eq, pq := firstHeading(emailHTML), firstHeading(page)
			if eq == "" || eq != pq {
				t.Errorf("question: email asks %q, page asks %q", eq, pq)
			}
		})
	}
}

// labels maps each score to its label as re finds them in s.
func labels(re *regexp.Regexp, s string) map[int]string {
	out := map[int]string{}
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		n, _ := strconv.Atoi(m[1])
		out[n] = strings.TrimSpace(html.UnescapeString(m[2]))
	}
	return out
}

func firstHeading(s string) string {
	if m := heading.FindStringSubmatch(s); m != nil {
		return strings.TrimSpace(html.UnescapeString(m[1]))
	}
	return ""
}
