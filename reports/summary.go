package reports

import (
	"context"
	"sort"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// SummaryDays is the span of the stream's summary.
const SummaryDays = 30

// Area is an area of excellence or improvement and how often it was
// chosen.
type Area struct {
	Area  string `json:"area"`
	Count int    `json:"count"`
}

// Summary is GET /api/v1/stream/summary: the last 30 days in scope, above
// the live stream.
type Summary struct {
	Header
	Scores
	Sends
	TopExcellence    []Area `json:"top_excellence"`
	TopImprovement   []Area `json:"top_improvement"`
	RewardsEarned    int    `json:"rewards_earned"`
	RewardsFulfilled int    `json:"rewards_fulfilled"`
}

// Summary is the CSAT, response rate, most chosen areas and rewards of the
// last SummaryDays days (today included) in scope.
func (s *Service) Summary(ctx context.Context, sc Scope, test bool) (Summary, error) {
	t, err := s.Store.GetTenant(ctx, sc.TenantID)
	if err != nil {
		return Summary{}, err
	}
	today := truncDay(Today(s.now(), t))
	q := Query{Since: today.AddDate(0, 0, -(SummaryDays - 1)).Format(dayLayout), Until: today.Format(dayLayout), Test: test}
	csat, err := s.CSAT(ctx, sc, q)
	if err != nil {
		return Summary{}, err
	}
	rate, err := s.ResponseRate(ctx, sc, q)
	if err != nil {
		return Summary{}, err
	}
	out := Summary{Header: csat.Header, Scores: csat.Totals.Scores, Sends: rate.Totals.Sends,
		TopExcellence: top(csat.Totals.Excellence), TopImprovement: top(csat.Totals.Improvement)}
	for k, v := range rate.Definitions {
		out.Definitions[k] = v
	}
	rewards, err := s.Store.ListRewards(ctx, sc.TenantID, store.RewardFilter{AgentID: sc.AgentID, Team: sc.Team, Limit: 1000})
	if err != nil {
		return Summary{}, err
	}
	for _, r := range rewards {
		if r.EarnedAt.In(t.Settings.Location()).Format(dayLayout) < q.Since {
			continue
		}
		if r.Status == plaudit.RewardFulfilled {
			out.RewardsFulfilled++
		} else {
			out.RewardsEarned++
		}
	}
	return out, nil
}

// top lists the areas chosen at least once, most chosen first.
func top(counts map[string]int) []Area {
	out := []Area{}
	for a, n := range counts {
		if n > 0 {
			out = append(out, Area{a, n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Area < out[j].Area
	})
	return out
}
