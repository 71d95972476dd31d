package reports

import (
	"cmp"
	"context"
	"slices"

	"github.com/plaudit/plaudit/store"
)

// LeaderRow is one agent on the leaderboard. Rank is nil for an agent
// with fewer counted responses than the tenant's
// leaderboard_min_responses: listed, not ranked.
type LeaderRow struct {
	Rank        *int     `json:"rank"`
	AgentID     string   `json:"agent_id"`
	AgentName   string   `json:"agent_name"`
	N           int      `json:"n"`
	CSAT        *float64 `json:"csat"`
	Average     *float64 `json:"average_score"`
	WilsonLower float64  `json:"wilson_lower"`
}

// Leaderboard is GET /api/v1/reports/leaderboard.
type Leaderboard struct {
	Header
	MinResponses int         `json:"min_responses"`
	Data         []LeaderRow `json:"data"`
}

// Leaderboard ranks the agents in scope (and q.Team) by the lower bound
// of the Wilson interval of their CSAT share. Agents below the minimum n
// come after the ranked ones, unranked. Equal bounds share a rank.
func (s *Service) Leaderboard(ctx context.Context, sc Scope, q Query) (Leaderboard, error) {
	q.By, q.Interval, q.Compare = store.ByAgent, "", false
	h, f, err := s.header(ctx, sc, q, "wilson_lower", "csat", "average_score", "responses")
	if err != nil {
		return Leaderboard{}, err
	}
	// An agent sees the whole board of their team or tenant: the scope
	// narrows by team only.
	f.AgentID = q.AgentID
	t, err := s.Store.GetTenant(ctx, sc.TenantID)
	if err != nil {
		return Leaderboard{}, err
	}
	sums, err := s.Store.ScoreFigures(ctx, f, store.ByAgent, "")
	if err != nil {
		return Leaderboard{}, err
	}
	names, err := s.agentNames(ctx, sc.TenantID)
	if err != nil {
		return Leaderboard{}, err
	}
	min := t.Settings.LeaderboardMinResponses
	rows := make([]LeaderRow, 0, len(sums))
	for _, g := range sums {
		if g.Counted == 0 {
			continue
		}
		rows = append(rows, LeaderRow{AgentID: g.Group, AgentName: names[g.Group], N: g.Counted,
			CSAT: ratio(g.Positive, g.Counted, 4), Average: ratio(g.ScoreTotal, g.Counted, 2),
			WilsonLower: *round(WilsonLower(g.Positive, g.Counted), 4)})
	}
	rank(rows, min)
	return Leaderboard{Header: h, MinResponses: min, Data: rows}, nil
}

// rank orders rows, ranked ones first by Wilson bound (then n, then id,
// so that the order is stable), and numbers them: equal bounds share a
// rank, the next rank skips (1, 2, 2, 4).
func rank(rows []LeaderRow, min int) {
	slices.SortFunc(rows, func(a, b LeaderRow) int {
		if ra, rb := a.N >= min, b.N >= min; ra != rb {
			if ra {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.WilsonLower, a.WilsonLower), cmp.Compare(b.N, a.N), cmp.Compare(a.AgentID, b.AgentID))
	})
	for i := range rows {
		if rows[i].N < min {
			break
		}
		r := i + 1
		if i > 0 && rows[i-1].Rank != nil && rows[i-1].WilsonLower == rows[i].WilsonLower {
			r = *rows[i-1].Rank
		}
		rows[i].Rank = &r
	}
}

// agentNames maps agent ids to the names customers see ("Max M."):
// deleted agents have none.
func (s *Service) agentNames(ctx context.Context, tenantID string) (map[string]string, error) {
	agents, err := s.Store.ListAgents(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(agents))
	for _, a := range agents {
		out[a.ID] = a.DisplayName()
	}
	return out, nil
}
