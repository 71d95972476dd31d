package server

import (
	"fmt"
	"html/template"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/charts"
	"github.com/plaudit/plaudit/reports"
	"github.com/plaudit/plaudit/web"
)

// leaderboardPage is /console/leaderboard and its TV mode.
type leaderboardPage struct {
	figuresFilter
	Board reports.Leaderboard
	Chart template.HTML
	// Self is the agent id of an agent user, whose row is marked.
	Self string
	// Updated is when the board was computed, in the tenant's time zone.
	Updated string
	// Refresh is the TV mode's reload interval, in seconds.
	Refresh int
}

// tvRefresh is how often the TV mode reloads itself, unless refresh
// says otherwise (from minRefresh to maxRefresh seconds).
const (
	tvRefresh  = 60
	minRefresh = 5
	maxRefresh = 3600
)

func refreshSeconds(v string) (int, error) {
	if v == "" {
		return tvRefresh, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < minRefresh || n > maxRefresh {
		return 0, plaudit.Errorf(plaudit.EInvalid, "refresh must be a number of seconds from %d to %d", minRefresh, maxRefresh)
	}
	return n, nil
}

// consoleLeaderboard is /console/leaderboard.
func (s *Server) consoleLeaderboard(c *fiber.Ctx) error {
	v := s.view(c, "Leaderboard")
	page, status, err := s.leaderboard(c, &v)
	if err != nil {
		return err
	}
	v.Data = page
	return s.renderConsole(c, status, "leaderboard", v)
}

// consoleLeaderboardTV is /console/leaderboard/tv: the same board in large
// type for a wall screen, with no controls, brought up to date every
// minute (or every refresh seconds).
func (s *Server) consoleLeaderboardTV(c *fiber.Ctx) error {
	v := s.view(c, "Leaderboard")
	page, status, err := s.leaderboard(c, &v)
	if err != nil {
		return err
	}
	if page.Refresh, err = refreshSeconds(c.Query("refresh")); err != nil {
		return err
	}
	if len(page.Board.Data) > 10 {
		page.Board.Data = page.Board.Data[:10]
	}
	v.Data = page
	return s.renderConsole(c, status, "leaderboard_tv", v)
}

// consoleLeaderboardCSV is /console/leaderboard.csv: the page's rows.
func (s *Server) consoleLeaderboardCSV(c *fiber.Ctx) error {
	v := s.view(c, "Leaderboard")
	page, status, err := s.leaderboard(c, &v)
	if err != nil {
		return err
	}
	if status != 0 {
		return fiber.NewError(status, v.Error)
	}
	return sendCSV(c, page.Board.Data, "leaderboard")
}

// leaderboard ranks the agents in the caller's scope: an admin's tenant
// (or a team), a lead's team; an agent sees the whole board, as the
// reports package scopes it, with their own row marked.
func (s *Server) leaderboard(c *fiber.Ctx, v *web.View) (leaderboardPage, int, error) {
	sc, q, ff, err := s.figuresScope(c, v, nil)
	page := leaderboardPage{figuresFilter: ff, Self: sc.AgentID}
	if w := who(c); w.Role == plaudit.UserAgent {
		// An agent sees the whole board (docs/reports.md), also one whom
		// no agent matches yet.
		sc, page.Nothing, page.Scope = reports.TenantScope(w.TenantID), false, "the whole organisation"
	}
	if err == nil && !page.Nothing {
		q.AgentID = ""
		page.Board, err = s.reports.Leaderboard(c.UserContext(), sc, q)
	}
	if err != nil || page.Nothing {
		status, err := figuresError(c, v, err)
		return page, status, err
	}
	t, err := s.cfg.Store.GetTenant(c.UserContext(), sc.TenantID)
	if err != nil {
		return page, 0, err
	}
	page.Updated = s.cfg.Now().In(t.Settings.Location()).Format(time.DateOnly + " 15:04 MST")
	ch := charts.Chart{ID: "board-chart", Title: "CSAT of the ranked agents", Max: 1, Format: charts.Percent,
		Description: "CSAT of each ranked agent, in the order of the board."}
	for _, r := range page.Board.Data {
		if r.Rank != nil {
			ch.Points = append(ch.Points, charts.Point{Label: r.AgentName, Value: r.CSAT,
				Note: fmt.Sprintf("rank %d, n = %d", *r.Rank, r.N)})
		}
	}
	page.Chart, err = charts.Render(ch)
	return page, 0, err
}
