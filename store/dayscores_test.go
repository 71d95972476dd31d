package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// testDayScores: the per-day sums of GET /api/v1/reports/scores, from
// rows whose sums are known, and from random rows compared with a plain
// count over the same rows read one by one.
func testDayScores(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
	for _, r := range []struct {
		resp    plaudit.Response
		channel string
		day     time.Time
	}{
		{plaudit.Response{ID: "r1", AgentID: "agt_max", Score: 5, Reward: true, Excellence: []string{"fast", "friendly"}}, "email", day(1)},
		{plaudit.Response{ID: "r2", AgentID: "agt_max", Score: 4, Excellence: []string{"fast"}}, "sms", day(1)},
		{plaudit.Response{ID: "r3", AgentID: "agt_max", Score: 2, Improvement: []string{"speed"}, Exclusion: &plaudit.Exclusion{Reason: "abusive"}}, "email", day(1)},
		{plaudit.Response{ID: "r4", AgentID: "agt_lena", Score: 3}, "email", day(2)},
		{plaudit.Response{ID: "r5", AgentID: "agt_lena", Score: 1, Test: true}, "email", day(2)},
		{plaudit.Response{ID: "r6", AgentID: "agt_lena", Score: 5}, "email", day(1).AddDate(0, 0, -1)},
		{plaudit.Response{ID: "r7", TenantID: b.ID, AgentID: "agt_max", Score: 1}, "email", day(1)},
	} {
		if r.resp.TenantID == "" {
			r.resp.TenantID = a.ID
		}
		must(t, s.RecordAggregate(ctx, r.resp, r.channel, r.day))
	}
	got, err := s.DayScoresSince(ctx, DayScoresFilter{TenantID: a.ID, Since: "2026-03-01"})
	must(t, err)
	want := []DayScores{
		{Day: "2026-03-01", AgentID: "agt_max", Responses: 3, ScoreTotal: 11, Scores: [5]int{0, 1, 0, 1, 1}, Rewards: 1,
			Excellence: []int{1, 2, 0, 0, 0}, Improvement: []int{1, 0, 0, 0, 0}, Channels: map[string]int{"email": 2, "sms": 1}},
		{Day: "2026-03-02", AgentID: "agt_lena", Responses: 1, ScoreTotal: 3, Scores: [5]int{0, 0, 1, 0, 0},
			Excellence: []int{0, 0, 0, 0, 0}, Improvement: []int{0, 0, 0, 0, 0}, Channels: map[string]int{"email": 1}},
	}
	deepEqual(t, "DayScoresSince", got, want)

	got, err = s.DayScoresSince(ctx, DayScoresFilter{TenantID: a.ID, Since: "2026-03-02", IncludeTest: true})
	must(t, err)
	if len(got) != 1 || got[0].Responses != 2 || got[0].ScoreTotal != 4 || got[0].Scores != [5]int{1, 0, 1, 0, 0} {
		t.Fatalf("with test answers: %+v", got)
	}
	got, err = s.DayScoresSince(ctx, DayScoresFilter{TenantID: a.ID, Since: "2026-03-01", TestOnly: true})
	must(t, err)
	if len(got) != 1 || got[0].Responses != 1 || got[0].Scores[0] != 1 {
		t.Fatalf("test answers only: %+v", got)
	}
	for _, f := range []DayScoresFilter{
		{TenantID: a.ID, Since: "2026-03-01", AgentID: "agt_lena"},
		{TenantID: a.ID, Since: "2026-03-01", AgentIDs: []string{"agt_lena"}},
	} {
		got, err = s.DayScoresSince(ctx, f)
		must(t, err)
		if len(got) != 1 || got[0].AgentID != "agt_lena" {
			t.Fatalf("%+v: %+v", f, got)
		}
	}
	got, err = s.DayScoresSince(ctx, DayScoresFilter{TenantID: a.ID, Since: "2026-02-01", AgentIDs: []string{}})
	must(t, err)
	if got == nil || len(got) != 0 {
		t.Fatalf("an empty scope sees: %#v", got)
	}

	// Random answers: the database's sums equal a count over the rows.
	c := newTenant(t, s, "C")
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		r := plaudit.Response{ID: fmt.Sprintf("rnd%03d", i), TenantID: c.ID, AgentID: fmt.Sprintf("agt_%d", rnd.IntN(4)),
			Score: 1 + rnd.IntN(5), Reward: rnd.IntN(4) == 0, Test: rnd.IntN(6) == 0}
		for _, area := range plaudit.ExcellenceAreas {
			if rnd.IntN(3) == 0 {
				r.Excellence = append(r.Excellence, area)
			}
		}
		for _, area := range plaudit.ImprovementAreas {
			if rnd.IntN(4) == 0 {
				r.Improvement = append(r.Improvement, area)
			}
		}
		ch := []string{"email", "sms"}[rnd.IntN(2)]
		must(t, s.RecordAggregate(ctx, r, ch, day(1+rnd.IntN(10))))
	}
	got, err = s.DayScoresSince(ctx, DayScoresFilter{TenantID: c.ID, Since: "2026-03-03"})
	must(t, err)
	rows, err := s.AggregateScores(ctx, c.ID, day(3))
	must(t, err)
	deepEqual(t, "DayScoresSince of random answers", got, countDays(rows))
}

// countDays counts rows one by one, as the report did before the database
// summed them: the reference the sums must equal.
func countDays(rows []AggregateRow) []DayScores {
	out := []DayScores{}
	for _, r := range rows {
		if r.Test {
			continue
		}
		if len(out) == 0 || out[len(out)-1].Day != r.Day || out[len(out)-1].AgentID != r.AgentID {
			out = append(out, DayScores{Day: r.Day, AgentID: r.AgentID, Channels: map[string]int{},
				Excellence: make([]int, len(plaudit.ExcellenceAreas)), Improvement: make([]int, len(plaudit.ImprovementAreas))})
		}
		d := &out[len(out)-1]
		d.Responses++
		d.ScoreTotal += r.Score
		d.Scores[r.Score-1]++
		if r.Reward {
			d.Rewards++
		}
		d.Channels[r.Channel]++
		for _, a := range r.Excellence {
			d.Excellence[slices.Index(plaudit.ExcellenceAreas, a)]++
		}
		for _, a := range r.Improvement {
			d.Improvement[slices.Index(plaudit.ImprovementAreas, a)]++
		}
	}
	return out
}
