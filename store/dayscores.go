package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/plaudit/plaudit"
)

// DayScores are one agent's answers on one day, summed by the database:
// what GET /api/v1/reports/scores shows. Excluded answers count here as
// they always did in this report (docs/reports.md has the figures that
// leave them out).
type DayScores struct {
	Day, AgentID string
	Responses    int
	ScoreTotal   int
	Scores       [5]int
	Rewards      int
	// Excellence and Improvement count the answers that chose each area,
	// in the order of plaudit.ExcellenceAreas and ImprovementAreas.
	Excellence  []int
	Improvement []int
	// Channels counts the answers by channel.
	Channels map[string]int
}

// DayScoresFilter selects the aggregates of a per-day report.
type DayScoresFilter struct {
	TenantID string
	Since    string // yyyy-mm-dd, included
	AgentID  string
	// AgentIDs narrows to the agents a caller may see: nil leaves all, an
	// empty list keeps nothing.
	AgentIDs []string
	// TestOnly keeps answers to test requests only (a test key's view);
	// IncludeTest keeps both; neither keeps live ones.
	TestOnly, IncludeTest bool
}

func (f DayScoresFilter) where() *where {
	w := &where{}
	w.add("tenant_id = ?", f.TenantID)
	w.add("day >= ?", f.Since)
	w.conds = append(w.conds, "score BETWEEN 1 AND 5")
	switch {
	case f.TestOnly:
		w.add("test = ?", true)
	case !f.IncludeTest:
		w.add("test = ?", false)
	}
	if f.AgentID != "" {
		w.add("agent_id = ?", f.AgentID)
	}
	w.agents(f.AgentIDs)
	return w
}

// dayScoreCols are the sums of one day, agent and channel, in the order
// scanDayScores reads them (after day, agent_id and channel).
var dayScoreCols = func() []string {
	sel := []string{"COUNT(*)", "SUM(score)"}
	for i := 1; i <= 5; i++ {
		sel = append(sel, fmt.Sprintf("SUM(CASE WHEN score = %d THEN 1 ELSE 0 END)", i))
	}
	sel = append(sel, "SUM(CASE WHEN reward THEN 1 ELSE 0 END)")
	for _, a := range []struct {
		col   string
		known []string
	}{{"excellence_bits", plaudit.ExcellenceAreas}, {"improvement_bits", plaudit.ImprovementAreas}} {
		for i := range a.known {
			sel = append(sel, fmt.Sprintf("SUM(CASE WHEN (%s & %d) <> 0 THEN 1 ELSE 0 END)", a.col, 1<<i))
		}
	}
	return sel
}()

func scanDayScores(r rowScanner) (DayScores, error) {
	d := DayScores{Excellence: make([]int, len(plaudit.ExcellenceAreas)), Improvement: make([]int, len(plaudit.ImprovementAreas)),
		Channels: map[string]int{}}
	var channel string
	dest := []any{&d.Day, &d.AgentID, &channel, nullInt{&d.Responses}, nullInt{&d.ScoreTotal}}
	for i := range d.Scores {
		dest = append(dest, nullInt{&d.Scores[i]})
	}
	dest = append(dest, nullInt{&d.Rewards})
	for i := range d.Excellence {
		dest = append(dest, nullInt{&d.Excellence[i]})
	}
	for i := range d.Improvement {
		dest = append(dest, nullInt{&d.Improvement[i]})
	}
	err := r.Scan(dest...)
	d.Channels[channel] = d.Responses
	return d, err
}

// DayScoresSince sums a tenant's aggregates per day and agent from
// f.Since on, ordered by day and agent. The database sums the answers in
// one pass over the index aggregates_report, per day, agent and channel;
// the few channel rows of a day and agent are then put together here.
func (s *Store) DayScoresSince(ctx context.Context, f DayScoresFilter) ([]DayScores, error) {
	w := f.where()
	rows, err := queryAll(ctx, s.db, scanDayScores, `SELECT day, agent_id, channel, `+strings.Join(dayScoreCols, ", ")+
		` FROM aggregates WHERE `+w.sql()+` GROUP BY day, agent_id, channel ORDER BY day, agent_id, channel`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: day scores: %w", err)
	}
	out := []DayScores{}
	for _, r := range rows {
		if n := len(out); n > 0 && out[n-1].Day == r.Day && out[n-1].AgentID == r.AgentID {
			out[n-1].add(r)
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// add adds another channel's sums of the same day and agent.
func (d *DayScores) add(o DayScores) {
	d.Responses += o.Responses
	d.ScoreTotal += o.ScoreTotal
	d.Rewards += o.Rewards
	for i := range d.Scores {
		d.Scores[i] += o.Scores[i]
	}
	for i := range d.Excellence {
		d.Excellence[i] += o.Excellence[i]
	}
	for i := range d.Improvement {
		d.Improvement[i] += o.Improvement[i]
	}
	for ch, n := range o.Channels {
		d.Channels[ch] += n
	}
}
