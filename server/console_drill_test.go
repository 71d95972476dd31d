package server_test

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

// drillLink is the href of the row labelled label in the table with id.
func drillLink(t *testing.T, body, id, label string) string {
	t.Helper()
	start := strings.Index(body, `<table id="`+id+`">`)
	if start < 0 {
		t.Fatalf("no table %s", id)
	}
	m := regexp.MustCompile(`<th scope="row"><a href="([^"]+)">` + regexp.QuoteMeta(label) + `</a></th>`).FindStringSubmatch(body[start:])
	if m == nil {
		t.Fatalf("no link to the responses behind %q in %s", label, body[start:])
	}
	return html.UnescapeString(m[1])
}

// TestConsoleDrillDown: a group's name in a report opens the responses
// behind its figure, with their tickets and a link to each response; the
// drill-down narrows by score, follows a period's days, and keeps to the
// caller's scope.
func TestConsoleDrillDown(t *testing.T) {
	w := newFiguresWorld(t)
	q := "/console/reports?since=" + w.since + "&until=" + w.until + "&by=agent&compare=true"
	admin := w.as("ada@nordlicht.example")
	link := drillLink(t, admin.get(q).body, "csat-table", "Max Mustermann")
	p := admin.get(link)
	if p.status != 200 {
		t.Fatalf("drill-down: %d %s", p.status, p.body)
	}
	for _, want := range []string{"Max found my lost booking.", "Slow answer.", `<caption>3 responses`, `href="/console/responses/`, ">T-0</a>"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the responses behind Max's CSAT lack %q", want)
		}
	}
	if strings.Contains(p.body, "Nina was wonderful.") || strings.Contains(p.body, "Olaf") {
		t.Errorf("the responses behind Max's CSAT show another agent's")
	}
	if p := admin.get(link + "&score=2"); !strings.Contains(p.body, "Slow answer.") || strings.Contains(p.body, "Max found my lost booking.") {
		t.Errorf("narrowed to score 2: %s", p.body)
	}
	if p := admin.get(link + "&score=9"); p.status != 400 || !strings.Contains(p.body, "score must be between 1 and 5") {
		t.Errorf("a bad score: %d", p.status)
	}

	// A row of a period drills into that period's days only: the week
	// before holds Max's single 3.
	weekly := admin.get("/console/reports?since=" + w.before + "&until=" + w.until + "&by=agent&interval=week")
	for _, m := range regexp.MustCompile(`<th scope="row"><a href="([^"]+)">([^<]+ · Max Mustermann)</a>`).FindAllStringSubmatch(weekly.body, -1) {
		if !strings.Contains(m[1], "since=") || !strings.Contains(m[1], "until=") {
			t.Errorf("a week's row links to %s without its days", m[1])
		}
		p := admin.get(html.UnescapeString(m[1]))
		if n := strings.Count(p.body, "<tr>\n<td>"); n == 0 || n > 3 {
			t.Errorf("the week %s shows %d of Max's responses", m[2], n)
		}
	}

	lead := w.as("lea@nordlicht.example")
	// The lead's team bounds every filter: Olaf of Hamburg has nothing in it.
	if p := lead.get(strings.Replace(link, w.max, w.olaf, 1)); strings.Contains(p.body, "Olaf never called back.") || !strings.Contains(p.body, "<caption>0 responses") {
		t.Errorf("the lead of Berlin drilling into Olaf of Hamburg: %d %s", p.status, p.body)
	}
	if p := lead.get(link + "&team=Hamburg"); p.status != 403 {
		t.Errorf("the lead drilling into Hamburg: %d", p.status)
	}
	self := w.as("max@nordlicht.example")
	if p := self.get("/console/reports/responses?since=" + w.since + "&until=" + w.until); p.status != 200 || !strings.Contains(p.body, "Slow answer.") || strings.Contains(p.body, "Nina was wonderful.") {
		t.Errorf("Max's own drill-down: %d", p.status)
	}
}
