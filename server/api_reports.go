package server

import (
	"math"
	"time"

	"github.com/gofiber/fiber/v2"
)

// reportDays is how far back a report reaches when since is not given.
const reportDays = 30

// scoreDay is one agent's answers on one day, from the anonymous
// aggregates: they outlive erasure and retention, so reports do too.
type scoreDay struct {
	Day     string `json:"day"`
	AgentID string `json:"agent_id"`
	// Responses counts the answers; Average is their mean score, rounded
	// to two places; Scores counts each score, 1 to 5.
	Responses   int            `json:"responses"`
	Average     float64        `json:"average_score"`
	Scores      [5]int         `json:"score_counts"`
	Rewards     int            `json:"rewards"`
	Channels    map[string]int `json:"channels"`
	Excellence  map[string]int `json:"excellence"`
	Improvement map[string]int `json:"improvement"`
}

// reportScores is GET /api/v1/reports/scores: per agent and day, counts and
// average scores since a day (30 days back by default). Test answers are
// left out unless include_test is true, and are all a test key sees; agent
// narrows to one agent.
func (s *Server) reportScores(c *fiber.Ctx) error {
	since, err := parseSince(c)
	if err != nil {
		return err
	}
	if since.IsZero() {
		since = s.cfg.Now().AddDate(0, 0, -reportDays)
	}
	agent, includeTest, testOnly := c.Query("agent"), c.QueryBool("include_test", false), testKey(c)
	scope, err := s.agentScope(c.UserContext(), who(c))
	if err != nil {
		return err
	}
	rows, err := s.cfg.Store.AggregateScores(c.UserContext(), tenantID(c), since)
	if err != nil {
		return err
	}
	out := []*scoreDay{}
	byKey := map[[2]string]*scoreDay{}
	sums := map[*scoreDay]int{}
	for _, r := range rows {
		if (r.Test && !includeTest && !testOnly) || (!r.Test && testOnly) || (agent != "" && r.AgentID != agent) || !inScope(scope, r.AgentID) || r.Score < 1 || r.Score > 5 {
			continue
		}
		k := [2]string{r.Day, r.AgentID}
		d := byKey[k]
		if d == nil {
			d = &scoreDay{Day: r.Day, AgentID: r.AgentID, Channels: map[string]int{},
				Excellence: map[string]int{}, Improvement: map[string]int{}}
			byKey[k] = d
			out = append(out, d) // rows come ordered by day and agent
		}
		d.Responses++
		d.Scores[r.Score-1]++
		sums[d] += r.Score
		if r.Reward {
			d.Rewards++
		}
		d.Channels[r.Channel]++
		for _, a := range r.Excellence {
			d.Excellence[a]++
		}
		for _, a := range r.Improvement {
			d.Improvement[a]++
		}
	}
	for _, d := range out {
		d.Average = math.Round(float64(sums[d])/float64(d.Responses)*100) / 100
	}
	return c.JSON(fiber.Map{"since": since.Format(time.DateOnly), "data": out})
}
