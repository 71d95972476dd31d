package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
)

// responsePage is the data of one response's page.
type responsePage struct {
	Admin    bool
	Response plaudit.Response
	Agent    string
	Reasons  []string
}

// consoleResponse shows one response (the link written into helpdesk
// notes): an admin sees any of the tenant's, a lead their team's, an
// agent their own; any other is not found, as if it did not exist.
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
	if !inScope(scope, r.AgentID) {
		return plaudit.Errorf(plaudit.ENotFound, "response not found")
	}
	name := r.AgentID
	if a, err := s.cfg.Store.GetAgent(ctx, w.TenantID, r.AgentID); err == nil {
		name = a.Name
	}
	v := s.view(c, "Response "+r.ID)
	if c.Query("saved") != "" {
		v.Flash = "Saved."
	}
	v.Data = responsePage{Admin: w.can(needAdmin), Response: r, Agent: name, Reasons: plaudit.ExclusionReasons}
	return s.renderConsole(c, 0, "response", v)
}
