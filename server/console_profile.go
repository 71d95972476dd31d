package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/web"
)

// profilePage is an agent user's own profile, and what waits for approval.
type profilePage struct {
	Agent   *agentRow
	Pending []changeRow
}

func (s *Server) consoleProfile(c *fiber.Ctx) error {
	v := s.view(c, "My profile")
	if c.Query("pending") != "" {
		v.Flash = "Sent for approval: your lead or an admin will look at it."
	}
	return s.showProfile(c, v, 0)
}

func (s *Server) showProfile(c *fiber.Ctx, v web.View, status int) error {
	ctx, w := c.UserContext(), who(c)
	var data profilePage
	a, err := s.cfg.Store.FindAgent(ctx, w.TenantID, "", "", w.Email)
	switch {
	case plaudit.IsNotFound(err):
	case err != nil:
		return err
	default:
		row := s.agentRow(a)
		data.Agent = &row
		if len(v.Form) == 0 {
			v.Form = agentValues(a)
		}
		changes, err := s.visibleChanges(ctx, w)
		if err != nil {
			return err
		}
		for _, ch := range changes {
			data.Pending = append(data.Pending, changeRow{AgentChange: ch, Agent: a.Name, Fields: changeFields(ch)})
		}
	}
	v.Data = data
	return s.renderConsole(c, status, "profile", v)
}

// consoleProposeProfile sends an agent's change of their own name, bio
// and hometown for approval.
func (s *Server) consoleProposeProfile(c *fiber.Ctx) error {
	ctx, w := c.UserContext(), who(c)
	a, err := s.cfg.Store.FindAgent(ctx, w.TenantID, "", "", w.Email)
	if err != nil {
		return err
	}
	b := agentBody{Name: optional(c, "name"), Bio: optional(c, "bio"), Hometown: optional(c, "hometown")}
	if _, err := s.requestChange(ctx, w, a, b); err != nil {
		v := s.view(c, "My profile")
		keepForm(c, &v, "name", "bio", "hometown")
		formErrors(&v, err, "name", "bio", "hometown")
		return s.showProfile(c, v, statusOf(c, err))
	}
	return c.Redirect("/console/profile?pending=1", fiber.StatusSeeOther)
}
