package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
)

// TestReportsConformance runs the reports' store tests on SQLite always
// and on PostgreSQL when PLAUDIT_TEST_DATABASE_URL is set.
func TestReportsConformance(t *testing.T) {
	engines := map[string]func(t *testing.T) *Store{
		"sqlite": func(t *testing.T) *Store {
			s, err := Open(t.Context(), "", t.TempDir(), testKeyring(t))
			must(t, err)
			return s
		},
		"postgres": func(t *testing.T) *Store {
			s, err := Open(t.Context(), testenv.DatabaseURL(t), "", testKeyring(t))
			must(t, err)
			return s
		},
	}
	tests := map[string]func(t *testing.T, s *Store, clk *clock){
		"NoResponses":         testReportNoResponses,
		"ScoreFigures":        testReportScoreFigures,
		"AllExcluded":         testReportAllExcluded,
		"SendFigures":         testReportSendFigures,
		"FactsOutliveErasure": testFactsOutliveErasure,
		"TeamRename":          testTeamRename,
		"Rewards":             testRewards,
		"DrillDown":           testDrillDown,
		"DayScores":           testDayScores,
	}
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			for tn, fn := range tests {
				t.Run(tn, func(t *testing.T) {
					t.Parallel()
					s := open(t)
					t.Cleanup(func() { s.Close() })
					clk := newClock(base)
					s.now = clk.Now
					must(t, s.Migrate(t.Context()))
					fn(t, s, clk)
				})
			}
		})
	}
}

var march = ReportFilter{Since: "2025-03-01", Until: "2025-03-31"}

func inTenant(f ReportFilter, tenantID string) ReportFilter { f.TenantID = tenantID; return f }

// answered makes a request for agent and team, sent at sent, and its
// response with score, recorded on day.
func answered(t *testing.T, s *Store, tenantID, agent, team string, score int, day string, mod func(*plaudit.Response)) plaudit.Response {
	t.Helper()
	in := newInteraction(t, s, tenantID, nil)
	sent := base
	r := newRequest(t, s, in, func(r *plaudit.FeedbackRequest) {
		r.AgentID, r.Team, r.Status, r.SentAt = agent, team, plaudit.RequestSent, &sent
	})
	resp := newResponse(t, s, r, func(p *plaudit.Response) {
		p.Score = score
		if mod != nil {
			mod(p)
		}
	})
	d, err := time.Parse(dayLayout, day)
	must(t, err)
	must(t, s.RecordAggregate(t.Context(), resp, r.Channel, d))
	return resp
}

func testReportNoResponses(t *testing.T, s *Store, _ *clock) {
	tn := newTenant(t, s, "Empty")
	for _, by := range []string{"", ByAgent} {
		got, err := s.ScoreFigures(t.Context(), inTenant(march, tn.ID), by, IntervalMonth)
		must(t, err)
		if len(got) != 0 {
			t.Errorf("by %q: %d rows for a tenant without responses, want none", by, len(got))
		}
		sends, err := s.SendFigures(t.Context(), inTenant(march, tn.ID), by, "")
		must(t, err)
		if len(sends) != 0 {
			t.Errorf("by %q: %d send rows, want none", by, len(sends))
		}
	}
}

func testReportScoreFigures(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	tn := newTenant(t, s, "Figures")
	other := newTenant(t, s, "Other")
	answered(t, s, tn.ID, "agt_max", "EU", 5, "2025-03-02", func(p *plaudit.Response) {
		p.Reward, p.Excellence = true, []string{"fast", "clear"}
	})
	answered(t, s, tn.ID, "agt_max", "EU", 4, "2025-03-10", nil)
	answered(t, s, tn.ID, "agt_max", "EU", 2, "2025-03-31", func(p *plaudit.Response) { p.Improvement = []string{"speed"} })
	answered(t, s, tn.ID, "agt_lena", "US", 1, "2025-03-15", nil)
	answered(t, s, tn.ID, "agt_lena", "US", 5, "2025-04-01", nil) // outside March
	answered(t, s, tn.ID, "agt_lena", "US", 5, "2025-03-20", func(p *plaudit.Response) { p.Automated = true })
	answered(t, s, other.ID, "agt_max", "EU", 1, "2025-03-02", nil) // another tenant

	got, err := s.ScoreFigures(ctx, inTenant(march, tn.ID), ByAgent, "")
	must(t, err)
	want := []ScoreSums{
		// newResponse chooses "fast" unless told otherwise.
		{Group: "agt_lena", Counted: 1, Positive: 0, ScoreTotal: 1, Scores: [5]int{1, 0, 0, 0, 0}, Excluded: 1, Excellence: [5]int{0, 1, 0, 0, 0}},
		{Group: "agt_max", Counted: 3, Positive: 2, ScoreTotal: 11, Scores: [5]int{0, 1, 0, 1, 1}, Rewards: 1,
			Excellence: [5]int{0, 3, 0, 1, 0}, Improvement: [5]int{1, 0, 0, 0, 0}},
	}
	deepEqual(t, "March by agent", got, want)

	byMonth, err := s.ScoreFigures(ctx, ReportFilter{TenantID: tn.ID, Since: "2025-03-01", Until: "2025-04-30"}, ByTeam, IntervalMonth)
	must(t, err)
	if len(byMonth) != 3 || byMonth[0].Period != "2025-03" || byMonth[0].Group != "EU" || byMonth[2].Period != "2025-04" ||
		byMonth[2].Group != "US" || byMonth[2].Counted != 1 {
		t.Errorf("by team and month: %+v", byMonth)
	}
	weeks, err := s.ScoreFigures(ctx, inTenant(march, tn.ID), "", IntervalWeek)
	must(t, err)
	if len(weeks) == 0 || weeks[0].Period != "2025-W09" {
		t.Errorf("by ISO week: %+v, want the first in 2025-W09 (2 March 2025 is a Sunday)", weeks)
	}
	team, err := s.ScoreFigures(ctx, ReportFilter{TenantID: tn.ID, Since: "2025-03-01", Until: "2025-03-31", Team: "US"}, "", "")
	must(t, err)
	if len(team) != 1 || team[0].Counted != 1 || team[0].Excluded != 1 {
		t.Errorf("team US in March: %+v", team)
	}
	if _, err := s.ScoreFigures(ctx, inTenant(march, tn.ID), "colour", ""); plaudit.ErrorCode(err) != plaudit.EInvalid {
		t.Errorf("unknown dimension: %v", err)
	}
}

func testReportAllExcluded(t *testing.T, s *Store, _ *clock) {
	tn := newTenant(t, s, "Excluded")
	r := answered(t, s, tn.ID, "agt_max", "", 1, "2025-03-02", nil)
	_, err := s.SetExclusion(t.Context(), tn.ID, r.ID, &plaudit.Exclusion{Reason: plaudit.ExcludeNotAboutAgent, Note: "about the refund policy", By: "key:k", At: base})
	must(t, err)
	got, err := s.ScoreFigures(t.Context(), inTenant(march, tn.ID), ByAgent, "")
	must(t, err)
	deepEqual(t, "all excluded", got, []ScoreSums{{Group: "agt_max", Excluded: 1}})
	back, err := s.SetExclusion(t.Context(), tn.ID, r.ID, nil)
	must(t, err)
	if back.Exclusion != nil {
		t.Errorf("exclusion after clearing: %+v", back.Exclusion)
	}
	got, err = s.ScoreFigures(t.Context(), inTenant(march, tn.ID), ByAgent, "")
	must(t, err)
	if len(got) != 1 || got[0].Counted != 1 || got[0].Excluded != 0 {
		t.Errorf("counted again: %+v", got)
	}
}

func testReportSendFigures(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	tn := newTenant(t, s, "Sends")
	tn.Settings.Timezone = "Europe/Berlin"
	must(t, s.UpdateTenant(ctx, tn))
	// 23:30 UTC on 1 March is 2 March in Berlin: the send day is the 2nd.
	late := time.Date(2025, 3, 1, 23, 30, 0, 0, time.UTC)
	send := func(status string, mod func(*plaudit.FeedbackRequest)) plaudit.FeedbackRequest {
		in := newInteraction(t, s, tn.ID, nil)
		clk.Set(late)
		r := newRequest(t, s, in, func(r *plaudit.FeedbackRequest) { r.Status = plaudit.RequestSending })
		must(t, s.MarkRequestSent(ctx, tn.ID, r.ID, "p-"+r.ID, late))
		if status != plaudit.RequestSent {
			var err error
			r, err = s.TransitionRequest(ctx, tn.ID, r.ID, plaudit.Transition{From: []string{plaudit.RequestSent}, To: status})
			must(t, err)
		}
		return r
	}
	send(plaudit.RequestSent, nil)
	send(plaudit.RequestDelivered, nil)
	send(plaudit.RequestResponded, nil)
	send(plaudit.RequestBounced, nil)
	in := newInteraction(t, s, tn.ID, nil)
	newRequest(t, s, in, func(r *plaudit.FeedbackRequest) {
		r.Status, r.Reason, r.Recipient, r.RecipientHash = plaudit.RequestSkipped, plaudit.ReasonSuppressed, "", ""
	})
	got, err := s.SendFigures(ctx, ReportFilter{TenantID: tn.ID, Since: "2025-03-02", Until: "2025-03-02"}, "", IntervalDay)
	must(t, err)
	deepEqual(t, "sends on 2 March in Berlin", got, []SendSums{{Period: "2025-03-02", Sent: 4, Delivered: 3, Answered: 1, Suppressed: 1, Failed: 1}})
	none, err := s.SendFigures(ctx, ReportFilter{TenantID: tn.ID, Since: "2025-03-01", Until: "2025-03-01"}, "", "")
	must(t, err)
	if len(none) != 0 {
		t.Errorf("1 March (UTC's day of the sends) has %+v, want nothing", none)
	}
}

func testFactsOutliveErasure(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	tn := newTenant(t, s, "Erased")
	_, r, resp := chain(t, s, tn.ID, "ada@example.com", "")
	must(t, s.RecordAggregate(ctx, resp, r.Channel, base))
	_, err := s.TransitionRequest(ctx, tn.ID, r.ID, plaudit.Transition{From: []string{plaudit.RequestScheduled}, To: plaudit.RequestFailed})
	must(t, err)
	w, _, err := s.EarnReward(ctx, resp)
	must(t, err)
	f := ReportFilter{TenantID: tn.ID, Since: "2025-03-01", Until: "2025-03-31"}
	before, err := s.SendFigures(ctx, f, "", "")
	must(t, err)
	if _, err := s.EraseSubject(ctx, tn.ID, "ada@example.com", ""); err != nil {
		t.Fatal(err)
	}
	after, err := s.SendFigures(ctx, f, "", "")
	must(t, err)
	deepEqual(t, "send figures after erasure", after, before)
	var linked int
	must(t, s.db.QueryRowContext(ctx, `SELECT count(*) FROM request_facts WHERE request_id = $1`, r.ID).Scan(&linked))
	if linked != 0 {
		t.Error("a request fact still carries the erased request's id")
	}
	kept, err := s.GetReward(ctx, tn.ID, w.ID)
	must(t, err)
	if kept.ResponseID != "" || kept.AgentID != resp.AgentID {
		t.Errorf("reward after erasure: %+v, want it kept for the agent without the response id", kept)
	}
	// The retention sweep keeps them too.
	_, r2, resp2 := chain(t, s, tn.ID, "bob@example.com", "")
	must(t, s.RecordAggregate(ctx, resp2, r2.Channel, base))
	clk.Set(base.Add(400 * 24 * time.Hour))
	n, err := s.SweepRetention(ctx, tn.ID, base.Add(24*time.Hour))
	must(t, err)
	if n == 0 || count(t, s, "request_facts", tn.ID) != 2 || count(t, s, "aggregates", tn.ID) != 2 {
		t.Errorf("after the sweep (%d rows): %d facts, %d aggregates, want 2 and 2", n,
			count(t, s, "request_facts", tn.ID), count(t, s, "aggregates", tn.ID))
	}
}

func testTeamRename(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	tn := newTenant(t, s, "Teams")
	team := plaudit.NewTeam(tn.ID, "Support EU")
	team.SlackWebhookURL = "https://hooks.slack.example/services/T000/B000/secret"
	must(t, s.CreateTeam(ctx, &team))
	dup := plaudit.NewTeam(tn.ID, "Support EU")
	wantCode(t, s.CreateTeam(ctx, &dup), plaudit.EConflict)
	a := plaudit.Agent{TenantID: tn.ID, Email: "max@example.com", Name: "Max Muster", Team: "Support EU", ExternalIDs: map[string]string{}}
	must(t, s.CreateAgent(ctx, &a))
	answered(t, s, tn.ID, a.ID, "Support EU", 5, "2025-03-02", nil)
	if raw := storeBytes(t, s); len(raw) > 0 {
		noneOf(t, "the store", raw, "B000/secret")
	}
	team.Name = "EMEA"
	must(t, s.UpdateTeam(ctx, team))
	got, err := s.GetTeam(ctx, tn.ID, team.ID)
	must(t, err)
	if got.Name != "EMEA" || got.SlackWebhookURL != team.SlackWebhookURL {
		t.Errorf("team after update: %+v", got)
	}
	figs, err := s.ScoreFigures(ctx, inTenant(march, tn.ID), ByTeam, "")
	must(t, err)
	if len(figs) != 1 || figs[0].Group != "EMEA" {
		t.Errorf("figures by team after the rename: %+v", figs)
	}
	must(t, s.DeleteTeam(ctx, tn.ID, team.ID))
	ag, err := s.GetAgent(ctx, tn.ID, a.ID)
	must(t, err)
	if ag.Team != "" {
		t.Errorf("agent's team after the team went: %q", ag.Team)
	}
	if figs, _ := s.ScoreFigures(ctx, inTenant(march, tn.ID), ByTeam, ""); len(figs) != 1 || figs[0].Group != "EMEA" {
		t.Errorf("history after the team went: %+v, want it kept under its name", figs)
	}
}

func testRewards(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	tn := newTenant(t, s, "Rewards")
	resp := answered(t, s, tn.ID, "agt_max", "EU", 5, "2025-03-02", func(p *plaudit.Response) { p.Reward = true })
	w, created, err := s.EarnReward(ctx, resp)
	must(t, err)
	again, createdAgain, err := s.EarnReward(ctx, resp)
	must(t, err)
	if !created || createdAgain || again.ID != w.ID || w.Team != "EU" || w.Status != plaudit.RewardEarned {
		t.Errorf("earned %+v (created %v), again %+v (created %v)", w, created, again, createdAgain)
	}
	done, err := s.FulfilReward(ctx, tn.ID, w.ID, "key:lead", base)
	must(t, err)
	if done.Status != plaudit.RewardFulfilled || done.FulfilledBy != "key:lead" || done.FulfilledAt == nil {
		t.Errorf("fulfilled: %+v", done)
	}
	_, err = s.FulfilReward(ctx, tn.ID, w.ID, "key:lead", base)
	wantCode(t, err, plaudit.EConflict)
	_, err = s.FulfilReward(ctx, tn.ID, "rwd_nosuch", "key:lead", base)
	wantCode(t, err, plaudit.ENotFound)
	if gone, err := s.WithdrawReward(ctx, tn.ID, resp.ID); err != nil || gone {
		t.Errorf("a fulfilled reward was withdrawn: %v %v", gone, err)
	}
	list, err := s.ListRewards(ctx, tn.ID, RewardFilter{Status: plaudit.RewardFulfilled, Team: "EU"})
	must(t, err)
	if len(list) != 1 {
		t.Errorf("fulfilled rewards of EU: %+v", list)
	}
}

func testDrillDown(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	tn := newTenant(t, s, "Drill")
	a := answered(t, s, tn.ID, "agt_max", "", 2, "2025-03-02", func(p *plaudit.Response) { p.Comment = "slow" })
	b := answered(t, s, tn.ID, "agt_max", "", 5, "2025-03-03", nil)
	answered(t, s, tn.ID, "agt_lena", "", 5, "2025-03-03", nil)
	_, err := s.SetExclusion(ctx, tn.ID, a.ID, &plaudit.Exclusion{Reason: plaudit.ExcludeWrongAgent, Note: "Lena took it over", By: "key:k", At: base})
	must(t, err)
	f := ReportFilter{TenantID: tn.ID, Since: "2025-03-01", Until: "2025-03-31", AgentID: "agt_max"}
	page, err := s.ReportResponses(ctx, f, DrillFilter{Limit: 1})
	must(t, err)
	if len(page) != 1 || page[0].ResponseID != b.ID || !page[0].Held {
		t.Fatalf("first page: %+v", page)
	}
	rest, err := s.ReportResponses(ctx, f, DrillFilter{AfterDay: page[0].Day, AfterKey: page[0].Key})
	must(t, err)
	if len(rest) != 1 || rest[0].ResponseID != a.ID || rest[0].Exclusion != plaudit.ExcludeWrongAgent ||
		rest[0].ExclusionNote != "Lena took it over" || rest[0].Comment != "slow" {
		t.Fatalf("second page: %+v", rest)
	}
	excluded, err := s.ReportResponses(ctx, f, DrillFilter{Excluded: "excluded"})
	must(t, err)
	if len(excluded) != 1 || excluded[0].ResponseID != a.ID {
		t.Errorf("excluded only: %+v", excluded)
	}
	must(t, s.DeleteTenant(ctx, tn.ID, true))
	gone, err := s.ReportResponses(ctx, f, DrillFilter{})
	must(t, err)
	if len(gone) != 2 || gone[0].Held || gone[0].ResponseID != "" || gone[1].Exclusion != plaudit.ExcludeWrongAgent {
		t.Errorf("after the responses went: %+v, want the figures without ids, the exclusion kept", gone)
	}
}

// testMonthlySums: figures of whole months come from monthly sums and the
// days around them from the aggregates; they equal the sums of the
// aggregates alone, and a late change in a past month shows at once.
func testMonthlySums(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	tn := newTenant(t, s, "Months")
	for i, day := range []string{"2025-01-31", "2025-02-01", "2025-02-14", "2025-02-28", "2025-03-01", "2025-03-31", "2025-04-01", "2025-04-02"} {
		answered(t, s, tn.ID, []string{"agt_max", "agt_lena"}[i%2], "EU", 1+i%5, day, nil)
	}
	f := ReportFilter{TenantID: tn.ID, Since: "2025-01-15", Until: "2025-04-01"}
	for _, iv := range []string{"", IntervalMonth, IntervalYear} {
		got, err := s.ScoreFigures(ctx, f, ByAgent, iv)
		must(t, err)
		want, err := s.rawScores(ctx, f, ByAgent, iv)
		must(t, err)
		deepEqual(t, "monthly sums and edges, interval "+iv, got, want)
	}
	late := answered(t, s, tn.ID, "agt_max", "EU", 5, "2025-02-10", nil)
	got, err := s.ScoreFigures(ctx, f, "", "")
	must(t, err)
	if len(got) != 1 || got[0].Counted != 9 {
		t.Fatalf("after a late answer in February: %+v, want 9 counted", got)
	}
	_, err = s.SetExclusion(ctx, tn.ID, late.ID, &plaudit.Exclusion{Reason: plaudit.ExcludeDuplicate, By: "key:k", At: base})
	must(t, err)
	got, err = s.ScoreFigures(ctx, f, "", "")
	must(t, err)
	if len(got) != 1 || got[0].Counted != 8 || got[0].Excluded != 1 {
		t.Errorf("after excluding it: %+v", got)
	}
	// Request facts: answered() sends each request on 14 March.
	sends := ReportFilter{TenantID: tn.ID, Since: "2025-02-15", Until: "2025-04-01"}
	got2, err := s.SendFigures(ctx, sends, ByAgent, "")
	must(t, err)
	want2, err := rawFigures(ctx, s, sendFigures, sends, ByAgent, "")
	must(t, err)
	deepEqual(t, "monthly send sums", got2, want2)
	_, err = s.TransitionRequest(ctx, tn.ID, late.RequestID, plaudit.Undeliverable(plaudit.RequestBounced, "bounce"))
	wantCode(t, err, plaudit.EConflict) // answered: stays answered
	in := newInteraction(t, s, tn.ID, nil)
	r := newRequest(t, s, in, func(r *plaudit.FeedbackRequest) { r.Status, r.SentAt = plaudit.RequestSent, &base })
	_, err = s.TransitionRequest(ctx, tn.ID, r.ID, plaudit.Undeliverable(plaudit.RequestBounced, "bounce"))
	must(t, err)
	got2, err = s.SendFigures(ctx, sends, "", "")
	must(t, err)
	if len(got2) != 1 || got2[0].Failed != 1 || got2[0].Sent != 10 {
		t.Errorf("after a bounce in March: %+v, want 10 sent, 1 failed", got2)
	}
	full, edges := splitMonths("2025-01-15", "2025-04-01")
	if fmt.Sprint(full, edges) != "[2025-02 2025-03] [[2025-01-15 2025-01-31] [2025-04-01 2025-04-01]]" {
		t.Errorf("splitMonths = %v %v", full, edges)
	}
}
