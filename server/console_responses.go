package server

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
	"github.com/plaudit/plaudit/web"
)

// responsesPerPage is how many responses a page of the list shows.
const responsesPerPage = 200

type responsesPage struct {
	Admin     bool
	Agents    []plaudit.Agent
	Names     map[string]string
	Responses []plaudit.Response
	// Reasons are the exclusion reasons an admin chooses from.
	Reasons []string
	// Older links to the next page, Newest back to the first.
	Older, Newest string
}

// consoleResponses lists responses the caller may see, filtered in the
// store by agent, ticket and date, newest first, a page at a time.
func (s *Server) consoleResponses(c *fiber.Ctx) error {
	v := s.view(c, "Responses")
	if c.Query("saved") != "" {
		v.Flash = "Saved."
	}
	return s.showResponses(c, v, 0)
}

// responseFilter reads the list's filters; a wrong one is put next to its
// field and the list is shown unfiltered by it.
func responseFilter(c *fiber.Ctx, v *web.View) (store.ResponseFilter, int) {
	for _, f := range []string{"agent", "ticket", "since", "include_test"} {
		v.Form[f] = c.Query(f)
	}
	f := store.ResponseFilter{AgentID: c.Query("agent"), TicketID: c.Query("ticket"), Limit: responsesPerPage + 1,
		IncludeTest: c.Query("include_test") != ""}
	status := 0
	if since := c.Query("since"); since != "" {
		t, err := time.Parse(time.DateOnly, since)
		if err != nil {
			v.Errors["since"] = "since must be a date such as 2026-01-31"
			status = fiber.StatusBadRequest
		}
		f.Since = t
	}
	before, err := beforeParam(c)
	if err != nil {
		v.Error = plaudit.ErrorMessage(err)
		status = fiber.StatusBadRequest
	}
	f.Before = before
	return f, status
}

func (s *Server) showResponses(c *fiber.Ctx, v web.View, status int) error {
	ctx, w := c.UserContext(), who(c)
	f, bad := responseFilter(c, &v)
	status = max(status, bad)
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
	page := responsesPage{Admin: w.can(needAdmin), Agents: agents, Names: agentNames(agents),
		Reasons: plaudit.ExclusionReasons, Newest: newestLink(c)}
	if len(list) > responsesPerPage {
		list = list[:responsesPerPage]
		last := list[len(list)-1]
		page.Older = olderLink(c, last.CreatedAt, last.ID)
	}
	page.Responses = list
	v.Data = page
	return s.renderConsole(c, status, "responses", v)
}

func agentNames(agents []plaudit.Agent) map[string]string {
	names := map[string]string{}
	for _, a := range agents {
		names[a.ID] = a.Name
	}
	return names
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
	if c.FormValue("back") == "response" {
		return c.Redirect("/console/responses/"+c.Params("id")+"?saved=1", fiber.StatusSeeOther)
	}
	return c.Redirect("/console/responses?saved=1", fiber.StatusSeeOther)
}
