package server

import (
	"bytes"
	"math"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/reports"
	"github.com/plaudit/plaudit/store"
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
// average scores since a day (30 days back by default), summed by the
// database. Test answers are
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
	scope, err := s.agentScope(c.UserContext(), who(c))
	if err != nil {
		return err
	}
	sums, err := s.cfg.Store.DayScoresSince(c.UserContext(), store.DayScoresFilter{TenantID: tenantID(c), Since: since.Format(time.DateOnly),
		AgentID: c.Query("agent"), AgentIDs: scope, TestOnly: testKey(c), IncludeTest: c.QueryBool("include_test", false)})
	if err != nil {
		return err
	}
	out := make([]scoreDay, 0, len(sums))
	for _, d := range sums {
		out = append(out, scoreDay{Day: d.Day, AgentID: d.AgentID, Responses: d.Responses, Scores: d.Scores, Rewards: d.Rewards,
			Average:  math.Round(float64(d.ScoreTotal)/float64(d.Responses)*100) / 100,
			Channels: d.Channels, Excellence: chosen(d.Excellence, plaudit.ExcellenceAreas), Improvement: chosen(d.Improvement, plaudit.ImprovementAreas)})
	}
	return c.JSON(fiber.Map{"since": since.Format(time.DateOnly), "data": out})
}

// chosen maps the areas chosen at least once to their counts (counts are
// in the order of known).
func chosen(counts []int, known []string) map[string]int {
	out := map[string]int{}
	for i, n := range counts {
		if n > 0 && i < len(known) {
			out[known[i]] = n
		}
	}
	return out
}

// reportQuery reads a report's query: the caller's tenant, its today, and
// a test key's view (test data only).
func (s *Server) reportQuery(c *fiber.Ctx) (reports.Scope, reports.Query, error) {
	sc := reports.TenantScope(tenantID(c))
	t, err := s.cfg.Store.GetTenant(c.UserContext(), sc.TenantID)
	if err != nil {
		return sc, reports.Query{}, err
	}
	q, err := reports.ParseQuery(func(k string) string { return c.Query(k) }, reports.Today(s.cfg.Now(), t))
	q.Test = testKey(c)
	return sc, q, err
}

// renderReport answers with v as JSON, or with its rows as CSV when the
// client asks for text/csv: the CSV is made from the same JSON rows.
func renderReport(c *fiber.Ctx, v any, rows any, name string) error {
	if c.Accepts(fiber.MIMEApplicationJSON, "text/csv") == "text/csv" {
		var buf bytes.Buffer
		if err := reports.WriteCSV(&buf, rows); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
		return c.Send(buf.Bytes())
	}
	return c.JSON(v)
}

// reportCSAT is GET /api/v1/reports/csat.
func (s *Server) reportCSAT(c *fiber.Ctx) error {
	sc, q, err := s.reportQuery(c)
	if err != nil {
		return err
	}
	r, err := s.reports.CSAT(c.UserContext(), sc, q)
	if err != nil {
		return err
	}
	return renderReport(c, r, r.Data, "csat")
}

// reportRate is GET /api/v1/reports/response-rate.
func (s *Server) reportRate(c *fiber.Ctx) error {
	sc, q, err := s.reportQuery(c)
	if err != nil {
		return err
	}
	r, err := s.reports.ResponseRate(c.UserContext(), sc, q)
	if err != nil {
		return err
	}
	return renderReport(c, r, r.Data, "response-rate")
}

// reportLeaderboard is GET /api/v1/reports/leaderboard.
func (s *Server) reportLeaderboard(c *fiber.Ctx) error {
	sc, q, err := s.reportQuery(c)
	if err != nil {
		return err
	}
	r, err := s.reports.Leaderboard(c.UserContext(), sc, q)
	if err != nil {
		return err
	}
	return renderReport(c, r, r.Data, "leaderboard")
}

// reportResponses is GET /api/v1/reports/responses: the responses behind
// a figure.
func (s *Server) reportResponses(c *fiber.Ctx) error {
	sc, q, err := s.reportQuery(c)
	if err != nil {
		return err
	}
	d, err := reports.ParseDrill(func(k string) string { return c.Query(k) })
	if err != nil {
		return err
	}
	r, err := s.reports.Responses(c.UserContext(), sc, q, d)
	if err != nil {
		return err
	}
	return renderReport(c, r, r.Data, "responses")
}
