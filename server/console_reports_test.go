package server_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/server"
)

// figuresWorld is a tenant with a lead of Berlin, an agent user (Max, of
// Berlin), an agent user whom no agent matches, and answers for Max and
// Nina (Berlin) and Olaf (Hamburg) this week and the week before.
type figuresWorld struct {
	site                 *consoleSite
	key                  string
	tenant               plaudit.Tenant
	max, nina, olaf      string
	since, until, before string
}

func newFiguresWorld(t *testing.T, configure ...func(*server.Config)) *figuresWorld {
	site := newConsoleSite(t, configure...)
	w := &figuresWorld{site: site}
	w.key, w.tenant = site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin",
		"lea@nordlicht.example": "lead:Berlin", "max@nordlicht.example": "agent", "uwe@nordlicht.example": "agent"})
	agent := func(email, name, team string) string {
		var a struct{ ID string }
		site.do(call{method: "POST", path: "/api/v1/agents", key: w.key, json: map[string]any{
			"email": email, "name": name, "team": team, "approved": true}}, 201).decode(t, &a)
		return a.ID
	}
	w.max, w.nina = agent("max@nordlicht.example", "Max Mustermann", "Berlin"), agent("nina@nordlicht.example", "Nina Nowak", "Berlin")
	w.olaf = agent("olaf@nordlicht.example", "Olaf Olsen", "Hamburg")
	site.do(call{method: "PATCH", path: "/api/v1/tenant", key: w.key, json: map[string]any{"settings": map[string]any{"leaderboard_min_responses": 2}}}, 200)
	today := time.Now().UTC()
	day := func(ago int) time.Time { return today.AddDate(0, 0, -ago) }
	w.since, w.until, w.before = day(6).Format(time.DateOnly), day(0).Format(time.DateOnly), day(13).Format(time.DateOnly)
	for i, a := range []struct {
		agent, team string
		score, ago  int
		comment     string
	}{
		{w.max, "Berlin", 5, 1, "Max found my lost booking."}, {w.max, "Berlin", 4, 2, ""}, {w.max, "Berlin", 2, 3, "Slow answer."},
		{w.nina, "Berlin", 5, 1, "Nina was wonderful."},
		{w.olaf, "Hamburg", 1, 2, "Olaf never called back."}, {w.olaf, "Hamburg", 5, 4, ""},
		{w.max, "Berlin", 3, 10, ""}, // the week before
	} {
		w.answer(t, i, a.agent, a.team, a.score, day(a.ago), a.comment)
	}
	return w
}

// answer records a customer's answer to a request sent for agent and team,
// counted on day.
func (w *figuresWorld) answer(t *testing.T, i int, agent, team string, score int, day time.Time, comment string) {
	t.Helper()
	if err := w.record(i, agent, team, score, day, comment); err != nil {
		t.Fatal(err)
	}
}

func (w *figuresWorld) record(i int, agent, team string, score int, day time.Time, comment string) error {
	ctx, st := context.Background(), w.site.store
	ticket := "T-" + strconv.Itoa(i)
	in := plaudit.Interaction{TenantID: w.tenant.ID, Source: "api", DedupKey: ticket, ExternalID: ticket, Event: plaudit.EventSolved}
	if _, err := st.InsertInteraction(ctx, &in); err != nil {
		return err
	}
	sent := day.Add(-time.Hour)
	req := plaudit.FeedbackRequest{TenantID: w.tenant.ID, InteractionID: in.ID, AgentID: agent, Team: team, TicketID: ticket,
		Channel: plaudit.ChannelEmail, Recipient: "anna@example.org", Language: "en", Status: plaudit.RequestResponded,
		DueAt: sent, SentAt: &sent, Token: keyring.Token(24)}
	if _, err := st.CreateRequest(ctx, &req); err != nil {
		return err
	}
	r := plaudit.Response{TenantID: w.tenant.ID, RequestID: req.ID, AgentID: agent, TicketID: ticket, Score: score, Comment: comment, Source: "page"}
	if _, err := st.CreateResponse(ctx, &r); err != nil {
		return err
	}
	return st.RecordAggregate(ctx, r, req.Channel, day)
}

func (w *figuresWorld) as(email string) *browser {
	b := w.site.browser()
	b.signIn(email)
	return b
}

var tableRow = regexp.MustCompile(`<tr><th scope="row">(?:<a href="[^"]*">)?([^<]+)(?:</a>)?</th><td>([^<]+)</td><td>([^<]+)</td><td>(\d+)</td>`)

// rows are the label, CSAT and n of each row of the table with id.
func rows(t *testing.T, body, id string) [][3]string {
	t.Helper()
	start := strings.Index(body, `<table id="`+id+`">`)
	if start < 0 {
		t.Fatalf("no table %s in %s", id, body)
	}
	table := body[start : start+strings.Index(body[start:], "</table>")]
	var out [][3]string
	for _, m := range tableRow.FindAllStringSubmatch(table, -1) {
		out = append(out, [3]string{m[1], m[2], m[4]})
	}
	return out
}

// TestConsoleReportsByRole: the reports page shows the CSAT of the
// caller's scope by agent, with the week before: an admin the tenant, a
// lead their team, an agent themselves; a filter outside the scope is
// refused.
func TestConsoleReportsByRole(t *testing.T) {
	w := newFiguresWorld(t)
	q := "/console/reports?since=" + w.since + "&until=" + w.until + "&by=agent&compare=true"
	admin := w.as("ada@nordlicht.example").get(q)
	if admin.status != 200 || !strings.Contains(admin.body, `role="img"`) || !strings.Contains(admin.body, "Share of counted responses that scored 4 or 5") {
		t.Fatalf("admin: %d %s", admin.status, admin.body)
	}
	want := [][3]string{{"Max Mustermann", "66.7 %", "3"}, {"Nina Nowak", "100.0 %", "1"}, {"Olaf Olsen", "50.0 %", "2"}}
	slices.SortFunc(want, func(a, b [3]string) int { return strings.Compare(a[0], b[0]) })
	got := rows(t, admin.body, "csat-table")
	slices.SortFunc(got, func(a, b [3]string) int { return strings.Compare(a[0], b[0]) })
	if !slices.Equal(got, want) {
		t.Errorf("admin's CSAT rows %v, want %v", got, want)
	}
	if !strings.Contains(admin.body, "<strong>66.7 %</strong> (average 3.67, n = 6") || !strings.Contains(admin.body, "<td>0.0 %</td><td>1</td>") {
		t.Errorf("admin's totals or Max's week before missing: %s", admin.body)
	}

	lead := w.as("lea@nordlicht.example")
	got = rows(t, lead.get(q).body, "csat-table")
	if len(got) != 2 || slices.ContainsFunc(got, func(r [3]string) bool { return r[0] == "Olaf Olsen" }) {
		t.Errorf("the lead of Berlin sees %v", got)
	}
	if p := lead.get(q + "&team=Hamburg"); p.status != 403 || !strings.Contains(p.body, "your own team only") {
		t.Errorf("the lead asking for Hamburg: %d", p.status)
	}

	self := w.as("max@nordlicht.example")
	if got = rows(t, self.get(q).body, "csat-table"); !slices.Equal(got, [][3]string{{"Max Mustermann", "66.7 %", "3"}}) {
		t.Errorf("Max sees %v", got)
	}
	if got = rows(t, self.get(strings.Replace(q, "by=agent", "by=team", 1)).body, "csat-table"); !slices.Equal(got, [][3]string{{"Berlin", "66.7 %", "3"}}) {
		t.Errorf("Max by team sees %v", got)
	}
	if p := self.get(q + "&agent=" + w.olaf); p.status != 403 {
		t.Errorf("Max asking for Olaf: %d", p.status)
	}
	if p := w.as("uwe@nordlicht.example").get(q); p.status != 200 || !strings.Contains(p.body, "no agent has your address") || strings.Contains(p.body, "Olaf") {
		t.Errorf("an agent user without an agent: %d %s", p.status, p.body)
	}
	if p := lead.get("/console/reports?since=yesterday"); p.status != 400 || !strings.Contains(p.body, "since must be a date") {
		t.Errorf("a bad date: %d", p.status)
	}
}

// TestConsoleReportCSVIsTheTable: the CSV links of the reports page give
// the rows of its tables, in the same scope, label first.
func TestConsoleReportCSVIsTheTable(t *testing.T) {
	w := newFiguresWorld(t)
	lead := w.as("lea@nordlicht.example")
	page := lead.get("/console/reports?since=" + w.since + "&until=" + w.until + "&by=agent&compare=true")
	link := regexp.MustCompile(`href="(/console/reports/csat\.csv\?[^"]+)"`).FindStringSubmatch(page.body)
	if link == nil {
		t.Fatalf("no CSV link on %s", page.body)
	}
	p := lead.get(strings.ReplaceAll(link[1], "&amp;", "&"))
	if p.status != 200 || !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s", p.status, p.body)
	}
	records, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int { return slices.Index(records[0], name) }
	if records[0][0] != "label" || col("csat") < 0 || col("responses") < 0 || col("previous.csat") < 0 {
		t.Fatalf("CSV header %v", records[0])
	}
	table := rows(t, page.body, "csat-table")
	if len(records)-1 != len(table) {
		t.Fatalf("CSV has %d rows, the page %d", len(records)-1, len(table))
	}
	for i, r := range table {
		rec := records[i+1]
		if rec[0] != r[0] || rec[col("responses")] != r[2] {
			t.Errorf("CSV row %v, the page's %v", rec, r)
		}
	}
	rate := lead.get("/console/reports/response-rate.csv?since=" + w.since + "&until=" + w.until + "&by=agent")
	if rate.status != 200 || !strings.Contains(rate.body, "response_rate") || strings.Contains(rate.body, w.olaf) {
		t.Errorf("response-rate CSV: %d %s", rate.status, rate.body)
	}
}

var boardRow = regexp.MustCompile(`<tr(?: class="self")?><td>([^<]+)</td><th scope="row">([^<]+?)(?: <span class="badge">You</span>)?</th>`)

func board(body string) []string {
	var out []string
	for _, m := range boardRow.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1]+" "+m[2])
	}
	return out
}

// TestConsoleLeaderboardByRole: the board ranks by the Wilson bound with
// the tenant's minimum n; a lead sees their team, an agent the whole
// board with their own row marked; the TV mode has no controls and
// reloads itself.
func TestConsoleLeaderboardByRole(t *testing.T) {
	w := newFiguresWorld(t)
	q := "?since=" + w.since + "&until=" + w.until
	admin := w.as("ada@nordlicht.example").get("/console/leaderboard" + q)
	want := []string{"1 Max M.", "2 Olaf O.", "not ranked (n under 2) Nina N."}
	if got := board(admin.body); !slices.Equal(got, want) {
		t.Errorf("admin's board %v, want %v", got, want)
	}
	lead := w.as("lea@nordlicht.example")
	if got := board(lead.get("/console/leaderboard" + q).body); !slices.Equal(got, []string{"1 Max M.", "not ranked (n under 2) Nina N."}) {
		t.Errorf("the lead's board %v", got)
	}
	if p := lead.get("/console/leaderboard" + q + "&team=Hamburg"); p.status != 403 {
		t.Errorf("the lead asking for Hamburg's board: %d", p.status)
	}
	self := w.as("max@nordlicht.example").get("/console/leaderboard" + q)
	if got := board(self.body); !slices.Equal(got, want) || !strings.Contains(self.body, `<tr class="self"><td>1</td><th scope="row">Max M. <span class="badge">You</span>`) {
		t.Errorf("Max's board %v: %s", got, self.body)
	}

	tv := lead.get("/console/leaderboard/tv" + q)
	if tv.status != 200 || !strings.Contains(tv.body, `<noscript><meta http-equiv="refresh" content="60"></noscript>`) ||
		!strings.Contains(tv.body, `<script src="/static/console-tv.js" defer></script>`) || strings.Contains(tv.body, "<form") ||
		strings.Contains(tv.body, "<nav") || strings.Contains(tv.body, "Olaf") || !strings.Contains(tv.body, "Max M.") {
		t.Errorf("TV mode: %d %s", tv.status, tv.body)
	}
	csvBody := lead.get("/console/leaderboard.csv" + q).body
	if !strings.HasPrefix(csvBody, "rank,agent_id,agent_name,n,csat") || strings.Count(csvBody, "\n") != 3 || strings.Contains(csvBody, "Olaf") {
		t.Errorf("the lead's board as CSV: %s", csvBody)
	}
}

// TestConsoleStreamByRole: the stream page lists the responses of the
// caller's scope under their 30 days, and loads the script that follows
// the API's stream, which answers each user in the same scope.
func TestConsoleStreamByRole(t *testing.T) {
	w := newFiguresWorld(t)
	comments := []string{"Max found my lost booking.", "Nina was wonderful.", "Olaf never called back."}
	for _, c := range []struct {
		email string
		sees  []bool
		n     int
	}{
		{"ada@nordlicht.example", []bool{true, true, true}, 7}, // 30 days: the week before too
		{"lea@nordlicht.example", []bool{true, true, false}, 5},
		{"max@nordlicht.example", []bool{true, false, false}, 4},
	} {
		b := w.as(c.email)
		p := b.get("/console/stream")
		if p.status != 200 || !strings.Contains(p.body, `<script src="/static/console-stream.js" defer></script>`) ||
			!strings.Contains(p.body, `data-src="/api/v1/stream"`) {
			t.Fatalf("%s: %d %s", c.email, p.status, p.body)
		}
		for i, comment := range comments {
			if strings.Contains(p.body, comment) != c.sees[i] {
				t.Errorf("%s sees %q: %v, want %v", c.email, comment, !c.sees[i], c.sees[i])
			}
		}
		r := b.api("GET", "/api/v1/stream/summary", "")
		if r.status != 200 || !strings.Contains(r.body, `"responses":`+strconv.Itoa(c.n)+`,`) {
			t.Errorf("%s: summary %d %s, want n = %d", c.email, r.status, r.body, c.n)
		}
	}
	// The stream is an agent's landing page; the others land on the overview.
	if p := w.as("max@nordlicht.example").get("/console/"); p.status != 200 || !strings.Contains(p.body, `data-src="/api/v1/stream"`) || !strings.Contains(p.body, "Slow answer.") {
		t.Errorf("an agent's landing page: %d %s", p.status, p.body)
	}
	if p := w.as("lea@nordlicht.example").get("/console/"); p.status != 200 || strings.Contains(p.body, `data-src="/api/v1/stream"`) {
		t.Errorf("a lead's landing page: %d", p.status)
	}
	if r := w.as("lea@nordlicht.example").api("GET", "/api/v1/stream/summary?team=Hamburg", ""); r.status != 403 {
		t.Errorf("the lead's summary of Hamburg: %d", r.status)
	}
	if r := w.as("uwe@nordlicht.example").api("GET", "/api/v1/stream/summary", ""); r.status != 404 {
		t.Errorf("an agent user without an agent: %d %s", r.status, r.body)
	}
}

// TestStreamFollowsTheLeadsTeam: the live stream of a lead's session sends
// the new responses of their team, and not another team's.
func TestStreamFollowsTheLeadsTeam(t *testing.T) {
	w := newFiguresWorld(t, func(c *server.Config) { c.StreamMax, c.StreamPoll = 1500*time.Millisecond, 100*time.Millisecond })
	lead := w.as("lea@nordlicht.example")
	recorded := make(chan error, 1)
	go func() {
		time.Sleep(400 * time.Millisecond)
		err := w.record(20, w.nina, "Berlin", 5, time.Now().UTC(), "Nina, once more: thank you.")
		if err == nil {
			err = w.record(21, w.olaf, "Hamburg", 5, time.Now().UTC(), "Olaf, once more: thank you.")
		}
		recorded <- err
	}()
	r := lead.api("GET", "/api/v1/stream", "")
	if err := <-recorded; err != nil {
		t.Fatal(err)
	}
	if r.status != http.StatusOK || !strings.Contains(r.body, "Nina, once more") || strings.Contains(r.body, "Olaf") {
		t.Errorf("the lead's stream: %d %s", r.status, r.body)
	}
}
