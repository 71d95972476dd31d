package feedback_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/feedback"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/notify"
	"github.com/plaudit/plaudit/store"
)

// notices records the team notices queued; the other tasks are no-ops.
type notices struct {
	mu   sync.Mutex
	list []string // kind + " " + id
}

func (n *notices) Interaction(context.Context, string, string) error     { return nil }
func (n *notices) Send(context.Context, string, string, time.Time) error { return nil }
func (n *notices) Remind(context.Context, string, string) error          { return nil }
func (n *notices) Writeback(context.Context, string, string, int) error  { return nil }
func (n *notices) TeamNotice(_ context.Context, _, id, kind string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, kind+" "+id)
	return nil
}

func (n *notices) take() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.list
	n.list = nil
	return out
}

// mails records emails.
type mails struct {
	mu   sync.Mutex
	list []notify.Email
}

func (m *mails) SendEmail(_ context.Context, e notify.Email) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.list = append(m.list, e)
	return "mail-1", nil
}

// receiver is a local webhook receiver (Slack or Teams) that answers
// fail first, then 200.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
	fail   []int
}

func newReceiver(t *testing.T, fail ...int) *receiver {
	r := &receiver{fail: fail}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.fail) > 0 {
			code := r.fail[0]
			r.fail = r.fail[1:]
			w.WriteHeader(code)
			return
		}
		r.bodies = append(r.bodies, string(b))
	}))
	t.Cleanup(r.Close)
	return r
}

type teamWorld struct {
	st           *store.Store
	svc          *feedback.Service
	tasks        *notices
	mail         *mails
	tenant       plaudit.Tenant
	team         plaudit.Team
	agent        plaudit.Agent
	slack, teams *receiver
	now          time.Time
}

func newTeamWorld(t *testing.T, slackFails ...int) *teamWorld {
	t.Helper()
	ctx := t.Context()
	kr, _ := keyring.New(keyring.RandomBytes(keyring.KeySize), nil)
	st, err := store.Open(ctx, "", t.TempDir(), kr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w := &teamWorld{st: st, tasks: &notices{}, mail: &mails{}, slack: newReceiver(t, slackFails...), teams: newReceiver(t),
		now: time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)}
	w.tenant = plaudit.Tenant{Name: "Nordlicht", Settings: plaudit.DefaultSettings()}
	must(t, st.CreateTenant(ctx, &w.tenant))
	w.team = plaudit.NewTeam(w.tenant.ID, "Support EU")
	w.team.SlackWebhookURL, w.team.TeamsWebhookURL = w.slack.URL+"/services/T/B/x", w.teams.URL+"/workflows/1"
	w.team.LeadEmails = []string{"lead@nordlicht.example", "deputy@nordlicht.example"}
	must(t, st.CreateTeam(ctx, &w.team))
	w.agent = plaudit.Agent{TenantID: w.tenant.ID, Email: "max@nordlicht.example", Name: "Max Mustermann", Approved: true,
		Team: w.team.Name, ExternalIDs: map[string]string{}}
	must(t, st.CreateAgent(ctx, &w.agent))
	w.svc = &feedback.Service{Store: st, Tasks: w.tasks, Email: w.mail, HTTP: http.DefaultClient, PublicURL: "https://plaudit.example",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return w.now }}
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// request makes a sent request of the agent, as Decide and Send leave it.
func (w *teamWorld) request(t *testing.T, ticket string) plaudit.FeedbackRequest {
	t.Helper()
	ctx := t.Context()
	in := plaudit.Interaction{TenantID: w.tenant.ID, Source: "api", DedupKey: ticket, ExternalID: ticket, Event: plaudit.EventSolved,
		Customer: plaudit.Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org"}}
	_, err := w.st.InsertInteraction(ctx, &in)
	must(t, err)
	sent := w.now.Add(-time.Hour)
	req := plaudit.FeedbackRequest{TenantID: w.tenant.ID, InteractionID: in.ID, AgentID: w.agent.ID, Team: w.agent.Team,
		TicketID: ticket, Channel: plaudit.ChannelEmail, Recipient: in.Customer.Email, Status: plaudit.RequestSent, DueAt: sent, SentAt: &sent}
	_, err = w.st.CreateRequest(ctx, &req)
	must(t, err)
	return req
}

func (w *teamWorld) answer(t *testing.T, req plaudit.FeedbackRequest, score int, comment string, reward bool) plaudit.Response {
	t.Helper()
	a := feedback.Answer{Score: &score, Source: plaudit.SourcePage, Reward: &reward}
	if comment != "" {
		a.Comment = &comment
	}
	r, err := w.svc.Record(t.Context(), req, a)
	must(t, err)
	return r
}

func noCustomer(t *testing.T, where, text string) {
	t.Helper()
	for _, p := range []string{"Anna", "Schneider", "anna.schneider@example.org"} {
		if strings.Contains(text, p) {
			t.Errorf("%s names the customer (%q): %s", where, p, text)
		}
	}
}

// TestPraiseGoesToSlackAndTeams: a great rating with a comment is posted
// to both webhooks once, with the agent's display name, the score and the
// comment and nothing about the customer; a failed post is retried and
// both attempts are in the team's delivery log.
func TestPraiseGoesToSlackAndTeams(t *testing.T) {
	w := newTeamWorld(t, http.StatusServiceUnavailable)
	ctx := t.Context()
	req := w.request(t, "4711")
	resp := w.answer(t, req, 5, "", false)
	if got := w.tasks.take(); len(got) != 0 {
		t.Errorf("a score without a comment queued %v, want nothing", got)
	}
	resp = w.answer(t, req, 5, "Max sorted it in minutes, thank you!", false)
	got := w.tasks.take()
	if strings.Join(got, ",") != "praise.slack "+resp.ID+",praise.teams "+resp.ID {
		t.Fatalf("queued %v, want praise to Slack and Teams", got)
	}
	w.answer(t, req, 5, "Max sorted it in minutes, thank you!!", false)
	if again := w.tasks.take(); len(again) != 0 {
		t.Errorf("an edited comment queued %v again", again)
	}

	err := w.svc.NotifyTeam(ctx, w.tenant.ID, resp.ID, feedback.NoticePraiseSlack, feedback.Try{Attempt: 1})
	if err == nil || plaudit.IsPermanent(err) {
		t.Fatalf("Slack answered 503: %v, want an error to retry", err)
	}
	must(t, w.svc.NotifyTeam(ctx, w.tenant.ID, resp.ID, feedback.NoticePraiseSlack, feedback.Try{Attempt: 2}))
	must(t, w.svc.NotifyTeam(ctx, w.tenant.ID, resp.ID, feedback.NoticePraiseTeams, feedback.Try{Attempt: 1}))

	var slack struct{ Text string }
	if len(w.slack.bodies) != 1 || json.Unmarshal([]byte(w.slack.bodies[0]), &slack) != nil {
		t.Fatalf("Slack got %v", w.slack.bodies)
	}
	if !strings.Contains(slack.Text, "Max M.") || !strings.Contains(slack.Text, "5/5") || !strings.Contains(slack.Text, "sorted it in minutes") {
		t.Errorf("Slack text %q: want the agent's display name, the score and the comment", slack.Text)
	}
	if len(w.teams.bodies) != 1 || !strings.Contains(w.teams.bodies[0], "AdaptiveCard") || !strings.Contains(w.teams.bodies[0], "Max M.") {
		t.Errorf("Teams got %v", w.teams.bodies)
	}
	noCustomer(t, "Slack", w.slack.bodies[0])
	noCustomer(t, "Teams", w.teams.bodies[0])

	log, err := w.st.ListTeamDeliveries(ctx, w.tenant.ID, w.team.ID, 10)
	must(t, err)
	var outcomes []string
	for _, d := range log {
		outcomes = append(outcomes, d.EventType+":"+d.Outcome)
		if strings.Contains(d.Error, w.slack.URL) || strings.Contains(d.Error, "/services/") {
			t.Errorf("the delivery log shows the webhook URL: %q", d.Error)
		}
	}
	if strings.Join(outcomes, ",") != "praise.teams:delivered,praise.slack:delivered,praise.slack:retrying" || log[2].StatusCode != 503 {
		t.Errorf("delivery log %v (first attempt %+v)", outcomes, log[len(log)-1])
	}
}

// TestLowRatingMailsTheLeads: a low rating goes to each lead by email,
// once, without the customer's name or address.
func TestLowRatingMailsTheLeads(t *testing.T) {
	w := newTeamWorld(t)
	ctx := t.Context()
	req := w.request(t, "4712")
	resp := w.answer(t, req, 1, "Nobody called me back.", false)
	if got := w.tasks.take(); len(got) != 1 || got[0] != "alert.email "+resp.ID {
		t.Fatalf("queued %v, want one alert", got)
	}
	must(t, w.svc.NotifyTeam(ctx, w.tenant.ID, resp.ID, feedback.NoticeAlertEmail, feedback.Try{Attempt: 1}))
	must(t, w.svc.NotifyTeam(ctx, w.tenant.ID, resp.ID, feedback.NoticeAlertEmail, feedback.Try{Attempt: 2})) // a redelivered task
	if len(w.mail.list) != 2 || w.mail.list[0].To != "lead@nordlicht.example" || w.mail.list[1].To != "deputy@nordlicht.example" {
		t.Fatalf("emails %+v, want one to each lead", w.mail.list)
	}
	m := w.mail.list[0]
	if !strings.Contains(m.Subject, "1/5") || !strings.Contains(m.Text, "Nobody called me back.") || !strings.Contains(m.Text, "4712") {
		t.Errorf("alert %q: %s", m.Subject, m.Text)
	}
	noCustomer(t, "the alert", m.Subject+m.Text+m.HTML)
	if len(w.slack.bodies)+len(w.teams.bodies) != 0 {
		t.Error("a low rating was posted to the team's channel")
	}
}

// TestRewardCountsAndIsAudited: a reward offered at or above the threshold
// is the agent's, once, and audited as the customer's; below it, none.
func TestRewardCountsAndIsAudited(t *testing.T) {
	w := newTeamWorld(t)
	ctx := t.Context()
	resp := w.answer(t, w.request(t, "4713"), 5, "", true)
	w.answer(t, w.request(t, "4714"), 3, "", true) // below reward_threshold (4)
	test := w.request(t, "4715")
	test.Test = true // as a test key's request is
	w.answer(t, test, 5, "", true)
	rewards, err := w.st.ListRewards(ctx, w.tenant.ID, store.RewardFilter{})
	must(t, err)
	if len(rewards) != 1 || rewards[0].ResponseID != resp.ID || rewards[0].AgentID != w.agent.ID || rewards[0].Team != "Support EU" {
		t.Fatalf("rewards %+v", rewards)
	}
	events, err := w.st.ListAudit(ctx, w.tenant.ID, 10)
	must(t, err)
	if len(events) != 1 || events[0].Action != "reward.earn" || events[0].Actor != "customer" || events[0].Target != rewards[0].ID {
		t.Errorf("audit %+v", events)
	}
}

// TestWeeklyDigest: each lead gets the team's week once.
func TestWeeklyDigest(t *testing.T) {
	w := newTeamWorld(t)
	ctx := t.Context()
	w.now = time.Date(2026, 3, 12, 10, 0, 0, 0, time.UTC)
	w.answer(t, w.request(t, "1"), 5, "", false)
	w.answer(t, w.request(t, "2"), 2, "", false)
	w.tasks.take()
	w.now = time.Date(2026, 3, 16, 7, 0, 0, 0, time.UTC) // Monday
	must(t, w.svc.QueueDigests(ctx))
	ref := w.team.ID + "@2026-03-16"
	if got := w.tasks.take(); len(got) != 1 || got[0] != "digest.email "+ref {
		t.Fatalf("queued %v", got)
	}
	// Sent (and retried) late, on Tuesday: still the week the task names.
	w.now = time.Date(2026, 3, 17, 10, 0, 0, 0, time.UTC)
	for try := 1; try <= 2; try++ {
		must(t, w.svc.NotifyTeam(ctx, w.tenant.ID, ref, feedback.NoticeDigestEmail, feedback.Try{Attempt: try}))
	}
	if len(w.mail.list) != 2 {
		t.Fatalf("%d digests, want one per lead", len(w.mail.list))
	}
	text := w.mail.list[0].Text
	for _, want := range []string{"2026-03-09 to 2026-03-15", "CSAT: 50.0 % (average 3.50, n = 2)", "Response rate: 100.0 %"} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}
	noCustomer(t, "the digest", text)
}

// TestAgentAndTeamAreFixedWhenTheRequestIsMade: the request keeps the
// agent and team it was made for; the agent's move to another team
// afterwards moves none of its figures.
func TestAgentAndTeamAreFixedWhenTheRequestIsMade(t *testing.T) {
	w := newTeamWorld(t)
	ctx := t.Context()
	in := plaudit.Interaction{TenantID: w.tenant.ID, Source: "api", DedupKey: "fixed", ExternalID: "4800", Event: plaudit.EventSolved,
		Channel: plaudit.ChannelEmail, Customer: plaudit.Customer{Email: "anna.schneider@example.org"},
		Agent: plaudit.AgentRef{Email: w.agent.Email}, Status: plaudit.InteractionReceived}
	_, err := w.st.InsertInteraction(ctx, &in)
	must(t, err)
	must(t, w.svc.Decide(ctx, w.tenant.ID, in.ID))
	reqs, err := w.st.ListRequests(ctx, w.tenant.ID, store.RequestFilter{})
	must(t, err)
	if len(reqs) != 1 || reqs[0].AgentID != w.agent.ID || reqs[0].Team != "Support EU" {
		t.Fatalf("requests %+v", reqs)
	}
	// The agent moves to another team before the customer answers.
	us := plaudit.NewTeam(w.tenant.ID, "Support US")
	must(t, w.st.CreateTeam(ctx, &us))
	w.agent.Team = us.Name
	must(t, w.st.UpdateAgent(ctx, w.agent))
	_, claimed, err := w.st.ClaimRequest(ctx, w.tenant.ID, reqs[0].ID, w.now.Add(time.Hour))
	must(t, err)
	if !claimed {
		t.Fatal("request not claimed")
	}
	must(t, w.st.MarkRequestSent(ctx, w.tenant.ID, reqs[0].ID, "sg-1", w.now.Add(-time.Hour))) // not seconds before the answer
	req, err := w.st.GetRequest(ctx, w.tenant.ID, reqs[0].ID)
	must(t, err)
	w.answer(t, req, 4, "", false)
	day := w.now.Format(time.DateOnly)
	figs, err := w.st.ScoreFigures(ctx, store.ReportFilter{TenantID: w.tenant.ID, Since: day, Until: day}, store.ByTeam, "")
	must(t, err)
	if len(figs) != 1 || figs[0].Group != "Support EU" || figs[0].Counted != 1 {
		t.Errorf("figures by team %+v, want the answer with the team the request was made for", figs)
	}
	sends, err := w.st.SendFigures(ctx, store.ReportFilter{TenantID: w.tenant.ID, Since: day, Until: day}, store.ByTeam, "")
	must(t, err)
	if len(sends) != 1 || sends[0].Group != "Support EU" || sends[0].Answered != 1 {
		t.Errorf("send figures by team %+v", sends)
	}
}
