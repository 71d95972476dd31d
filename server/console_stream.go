package server

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit/reports"
)

// streamPage is /console/stream: the last 30 days in the caller's scope,
// and the latest responses. A small script (web/static/console-stream.js)
// follows GET /api/v1/stream and puts new responses at the top of the
// list; without it the list is what the page was given, and reloading
// the page shows the newer ones.
type streamPage struct {
	Scope   string
	Nothing bool
	Summary reports.Summary
	Latest  []reports.ResponseRow
	// Names are the agents' names by id, for the list and the script.
	Names map[string]string
	// Loaded is when the list was read, in the tenant's time zone.
	Loaded string
}

// streamLatest is how many responses the page lists before new ones come.
const streamLatest = 50

// consoleStream is /console/stream.
func (s *Server) consoleStream(c *fiber.Ctx) error {
	ctx, w := c.UserContext(), who(c)
	v := s.view(c, "Stream")
	page := streamPage{Names: map[string]string{}}
	sc, ok, err := s.reportScope(ctx, w)
	if err != nil {
		return err
	}
	page.Nothing = !ok
	if ok {
		if err := s.fillStream(c, sc, &page); err != nil {
			return err
		}
	}
	v.Data = page
	return s.renderConsole(c, 0, "stream", v)
}

func (s *Server) fillStream(c *fiber.Ctx, sc reports.Scope, page *streamPage) error {
	ctx := c.UserContext()
	var err error
	if page.Summary, err = s.reports.Summary(ctx, sc, false); err != nil {
		return err
	}
	list, err := s.reports.Responses(ctx, sc, reports.Query{Since: page.Summary.Since, Until: page.Summary.Until},
		reports.Drill{Limit: streamLatest})
	if err != nil {
		return err
	}
	page.Latest = list.Data
	agents, err := s.cfg.Store.ListAgents(ctx, sc.TenantID)
	if err != nil {
		return err
	}
	for _, a := range agents {
		// An agent's page names only them; a lead's team history may
		// name agents who have moved on to other teams since.
		if sc.AgentID == "" || a.ID == sc.AgentID {
			page.Names[a.ID] = a.Name
		}
	}
	switch {
	case sc.AgentID != "":
		page.Scope = "your own responses"
	case sc.Team != "":
		page.Scope = "team " + sc.Team
	default:
		page.Scope = "the whole organisation"
	}
	t, err := s.cfg.Store.GetTenant(ctx, sc.TenantID)
	if err != nil {
		return err
	}
	page.Loaded = s.cfg.Now().In(t.Settings.Location()).Format(time.DateOnly + " 15:04 MST")
	return nil
}
