package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
	"github.com/plaudit/plaudit/web"
)

// Rewards in the console: the list of GET /api/v1/rewards in the
// caller's scope (rewardsFor: an admin the tenant's, a lead their
// team's) and the button of POST /api/v1/rewards/{id}/fulfil (fulfil).

// rewardsShown is how many rewards the page lists, newest first.
const rewardsShown = 100

type rewardsPage struct {
	Rewards []plaudit.Reward
	// Agents names the agents of the list by id, for reading.
	Agents map[string]string
	Status string
}

func (s *Server) consoleRewards(c *fiber.Ctx) error {
	v := s.view(c, "Rewards")
	if c.Query("fulfilled") != "" {
		v.Flash = "Marked fulfilled."
	}
	return s.showRewards(c, v, 0)
}

func (s *Server) showRewards(c *fiber.Ctx, v web.View, status int) error {
	ctx, w := c.UserContext(), who(c)
	f := store.RewardFilter{Status: c.Query("status"), Limit: rewardsShown}
	list, err := s.rewardsFor(ctx, w, f)
	if err != nil {
		return err
	}
	scope, err := s.agentScope(ctx, w)
	if err != nil {
		return err
	}
	agents, err := s.cfg.Store.ListAgents(ctx, w.TenantID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, a := range agents {
		if inScope(scope, a.ID) {
			names[a.ID] = a.Name
		}
	}
	v.Data = rewardsPage{Rewards: list, Agents: names, Status: f.Status}
	return s.renderConsole(c, status, "rewards", v)
}

func (s *Server) consoleFulfilReward(c *fiber.Ctx) error {
	if _, err := s.fulfil(c, c.Params("id")); err != nil {
		if plaudit.IsNotFound(err) {
			return err
		}
		v := s.view(c, "Rewards")
		formErrors(&v, err)
		return s.showRewards(c, v, statusOf(c, err))
	}
	return c.Redirect("/console/rewards?fulfilled=1", fiber.StatusSeeOther)
}
