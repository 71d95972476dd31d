package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// figures seeds answers for Jonas (Bergen) and Lena (Oslo) over the last
// two weeks, and returns the agents' ids.
func figures(t *testing.T, site *consoleSite) (jonas, lena string) {
	t.Helper()
	ctx := context.Background()
	must(t, site.st.CreateTeam(ctx, &plaudit.Team{TenantID: site.tn.ID, Name: "Oslo"}))
	site.tn.Settings.LeaderboardMinResponses = 2
	must(t, site.st.UpdateTenant(ctx, site.tn))
	for _, a := range []*plaudit.Agent{
		{TenantID: site.tn.ID, Email: "jonas@nordlicht.example", Name: "Jonas Weber", Team: "Bergen", Approved: true},
		{TenantID: site.tn.ID, Email: "lena@nordlicht.example", Name: "Lena Berg", Team: "Oslo", Approved: true},
	} {
		a.ExternalIDs = map[string]string{}
		must(t, site.st.CreateAgent(ctx, a))
		if a.Team == "Bergen" {
			jonas = a.ID
		} else {
			lena = a.ID
		}
	}
	must(t, site.st.CreateUser(ctx, &plaudit.User{TenantID: site.tn.ID, Email: "jonas@nordlicht.example", Name: "Jonas Weber", Role: plaudit.UserAgent}))
	for i, a := range []struct {
		agent, team string
		score, ago  int
		comment     string
	}{
		{jonas, "Bergen", 5, 1, "Jonas sorted out my ferry booking in minutes."}, {jonas, "Bergen", 4, 2, ""},
		{jonas, "Bergen", 5, 3, "Friendly and quick."}, {jonas, "Bergen", 2, 9, "I had to call twice."},
		{lena, "Oslo", 3, 1, "It took a while."}, {lena, "Oslo", 5, 4, "Lena knew exactly what to do."}, {lena, "Oslo", 4, 12, ""},
	} {
		record(t, site, i, a.agent, a.team, a.score, time.Now().UTC().AddDate(0, 0, -a.ago), a.comment)
	}
	return jonas, lena
}

// record stores an answer to a request sent for agent and team, counted on
// day, as the feedback service leaves it.
func record(t *testing.T, site *consoleSite, i int, agent, team string, score int, day time.Time, comment string) {
	t.Helper()
	ctx := context.Background()
	ticket := "T-" + strconv.Itoa(100+i)
	in := plaudit.Interaction{TenantID: site.tn.ID, Source: "zendesk", DedupKey: ticket, ExternalID: ticket, Event: plaudit.EventSolved}
	_, err := site.st.InsertInteraction(ctx, &in)
	must(t, err)
	sent := day.Add(-time.Hour)
	req := plaudit.FeedbackRequest{TenantID: site.tn.ID, InteractionID: in.ID, AgentID: agent, Team: team, TicketID: ticket,
		Channel: plaudit.ChannelEmail, Recipient: "anna@example.org", Language: "en", Status: plaudit.RequestResponded,
		DueAt: sent, SentAt: &sent, Token: keyring.Token(24)}
	_, err = site.st.CreateRequest(ctx, &req)
	must(t, err)
	r := plaudit.Response{TenantID: site.tn.ID, RequestID: req.ID, AgentID: agent, TicketID: ticket, Score: score,
		Comment: comment, Source: "page", Excellence: []string{"fast"}}
	_, err = site.st.CreateResponse(ctx, &r)
	must(t, err)
	must(t, site.st.RecordAggregate(ctx, r, req.Channel, day))
}

// signInAs signs the tab in by the link that email gets.
func signInAs(t *testing.T, site *consoleSite, tab context.Context, email string) {
	t.Helper()
	visit(t, tab, site.url+"/console/login")
	must(t, chromedp.Do(tab, chromedp.SendKeys("#f-email", email),
		chromedp.Click(`form[action="/console/login"] button`), chromedp.WaitVisible(`p[role=status]`)))
	visit(t, tab, site.link(email))
	must(t, chromedp.Do(tab, chromedp.Click(`main form button`), chromedp.WaitVisible(`form[action="/console/logout"]`)))
}

// waitText waits until the element sel says want.
func waitText(t *testing.T, tab context.Context, sel, want string) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if strings.Contains(text(t, tab, sel), want) {
			return
		}
	}
	t.Fatalf("%s never said %q (it says %q)", sel, want, text(t, tab, sel))
}

// The reports, the leaderboard (and its TV mode) and the stream in a real
// browser: each passes axe; the stream shows a new response live, within
// the signed-in user's scope.
func TestReportPagesInBrowser(t *testing.T) {
	site := startConsole(t)
	_, lena := figures(t, site)
	tab := consoleTab(t)
	signInAs(t, site, tab, "ada@nordlicht.example")

	week := time.Now().UTC().AddDate(0, 0, -6).Format(time.DateOnly)
	visit(t, tab, site.url+"/console/reports?by=agent&compare=true&since="+week)
	if got := text(t, tab, "#csat-table tbody"); !strings.Contains(got, "Jonas Weber") || !strings.Contains(got, "Lena Berg") {
		t.Fatalf("the admin's CSAT table: %q", got)
	}
	checkA11y(t, tab, "reports")
	// A group's name opens the responses behind its figures.
	must(t, chromedp.Do(tab, chromedp.Click(`//table[@id="csat-table"]//a[normalize-space(.)="Lena Berg"]`), chromedp.WaitVisible(`#drill-table`)))
	if got := text(t, tab, "#drill-table tbody"); !strings.Contains(got, "Lena Berg") || strings.Contains(got, "Jonas Weber") {
		t.Fatalf("the responses behind Lena's CSAT: %q", got)
	}
	checkA11y(t, tab, "drill")
	visit(t, tab, site.url+"/console/leaderboard")
	if got := text(t, tab, "#board tbody"); !strings.Contains(got, "Jonas W.") {
		t.Fatalf("the board: %q", got)
	}
	checkA11y(t, tab, "leaderboard")
	visit(t, tab, site.url+"/console/leaderboard/tv")
	checkA11y(t, tab, "leaderboard-tv")
	visit(t, tab, site.url+"/console/stream")
	waitText(t, tab, "#stream-status", "Live")
	record(t, site, 20, lena, "Oslo", 5, time.Now().UTC(), "Lena called back at once, thank you!")
	must(t, chromedp.Do(tab, chromedp.WaitVisible(`//ol[@id="stream-list"]/li[1][contains(., "Lena called back at once")]`)))
	checkA11y(t, tab, "stream")
}

// Jonas, an agent, follows his own responses only: another agent's new
// response never reaches his stream, his own does at once.
func TestAgentStreamInBrowser(t *testing.T) {
	site := startConsole(t)
	jonas, lena := figures(t, site)
	tab := consoleTab(t)
	signInAs(t, site, tab, "jonas@nordlicht.example")
	visit(t, tab, site.url+"/console/stream")
	waitText(t, tab, "#stream-status", "Live")
	if got := text(t, tab, "#stream-list"); strings.Contains(got, "Lena") || !strings.Contains(got, "ferry booking") {
		t.Fatalf("Jonas's stream lists %q", got)
	}
	record(t, site, 21, lena, "Oslo", 1, time.Now().UTC(), "Lena's customer, not for Jonas.")
	record(t, site, 22, jonas, "Bergen", 5, time.Now().UTC(), "Jonas again: brilliant.")
	must(t, chromedp.Do(tab, chromedp.WaitVisible(`//ol[@id="stream-list"]/li[1][contains(., "Jonas again")]`)))
	if got := text(t, tab, "#stream-list"); strings.Contains(got, "not for Jonas") {
		t.Errorf("Jonas's stream shows another agent's response: %q", got)
	}
	checkA11y(t, tab, "stream-agent")
}

// The TV mode brings its board up to date in place: a new answer shows
// without a reload, and the page has no controls.
func TestLeaderboardTVUpdatesInPlace(t *testing.T) {
	site := startConsole(t)
	_, lena := figures(t, site)
	tab := consoleTab(t)
	signInAs(t, site, tab, "ada@nordlicht.example")
	visit(t, tab, site.url+"/console/leaderboard/tv?refresh=5")
	if n, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('a, button, input, select, nav').length`)); err != nil || n != 0 {
		t.Fatalf("the TV mode has %d controls (%v)", n, err)
	}
	must(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`)))
	waitText(t, tab, "main table", "Lena B.")
	before := text(t, tab, "main table")
	record(t, site, 30, lena, "Oslo", 5, time.Now().UTC(), "")
	record(t, site, 31, lena, "Oslo", 5, time.Now().UTC(), "")
	for deadline := time.Now().Add(20 * time.Second); text(t, tab, "main table") == before; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the board did not change: %q", before)
		}
	}
	if kept, err := chromedp.Run(tab, chromedp.Evaluate[bool](`window.notReloaded === true`)); err != nil || !kept {
		t.Errorf("the page reloaded instead of updating in place (%v)", err)
	}
}
