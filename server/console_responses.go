package server

import (
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
	"github.com/plaudit/plaudit/web"
)

type responsesPage struct {
	Admin     bool
	Agents    []plaudit.Agent
	Names     map[string]string
	Responses []plaudit.Response
	// Reasons are the exclusion reasons an admin chooses from.
	Reasons []string
}

// consoleResponses lists responses the caller may see, filtered in the
// store by agent, ticket and date, newest first (the latest 200).
func (s *Server) consoleResponses(c *fiber.Ctx) error {
	v := s.view(c, "Responses")
	if c.Query("saved") != "" {
		v.Flash = "Saved."
	}
	return s.showResponses(c, v, 0)
}

// consoleResponse shows one response: the page the link in a helpdesk's
// private note opens. A response outside the caller's scope is not found,
// as one that does not exist.
func (s *Server) consoleResponse(c *fiber.Ctx) error {
	ctx, w := c.UserContext(), who(c)
	r, err := s.cfg.Store.GetResponse(ctx, w.TenantID, c.Params("id"))
	if err != nil {
		return err
	}
	scope, err := s.agentScope(ctx, w)
	if err != nil {
		return err
	}
	if scope != nil && !slices.Contains(scope, r.AgentID) {
		return plaudit.Errorf(plaudit.ENotFound, "response not found")
	}
	agents, err := s.visibleAgents(ctx, w)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, a := range agents {
		names[a.ID] = a.Name
	}
	v := s.view(c, "Response")
	v.Data = responsesPage{Admin: w.can(needAdmin), Agents: agents, Names: names, Responses: []plaudit.Response{r}, Reasons: plaudit.ExclusionReasons}
	return s.renderConsole(c, 0, "responses", v)
}

func (s *Server) showResponses(c *fiber.Ctx, v web.View, status int) error {
	ctx, w := c.UserContext(), who(c)
	for _, f := range []string{"agent", "ticket", "since", "include_test"} {
		v.Form[f] = c.Query(f)
	}
	f := store.ResponseFilter{AgentID: c.Query("agent"), TicketID: c.Query("ticket"), Limit: 200, IncludeTest: c.Query("include_test") != ""}
	if since := c.Query("since"); since != "" {
		t, err := time.Parse(time.DateOnly, since)
		if err != nil {
			v.Errors["since"] = "since must be a date such as 2026-01-31"
			status = fiber.StatusBadRequest
		}
		f.Since = t
	}
	agents, err := s.visibleAgents(ctx, w)
	if err != nil {
		return err
	}
	if f.AgentIDs, err = s.agentScope(ctx, w); err != nil {
		return err
	}
	list, err := s.cfg.Store.ListResponses(ctx, w.TenantID, f)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, a := range agents {
		names[a.ID] = a.Name
	}
	v.Data = responsesPage{Admin: w.can(needAdmin), Agents: agents, Names: names, Responses: list, Reasons: plaudit.ExclusionReasons}
	return s.renderConsole(c, status, "responses", v)
}

// consoleExclude excludes a response from its agent's figures, or counts
// it again, by the API's code path (setExclusion).
func (s *Server) consoleExclude(c *fiber.Ctx) error {
	var ex *plaudit.Exclusion
	var err error
	if c.FormValue("include") == "" {
		ex, err = s.newExclusion(c, exclusionBody{Reason: c.FormValue("reason"), Note: c.FormValue("note")})
	}
	if err == nil {
		_, err = s.applyExclusion(c, ex)
	}
	if err != nil {
		v := s.view(c, "Responses")
		formErrors(&v, err)
		v.Error = "Response " + c.Params("id") + ": " + v.Error
		return s.showResponses(c, v, statusOf(c, err))
	}
	return c.Redirect("/console/responses?saved=1", fiber.StatusSeeOther)
}
