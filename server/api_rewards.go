package server

import (
	"context"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// exclusionBody is POST /api/v1/responses/{id}/exclusion.
type exclusionBody struct {
	Reason string `json:"reason"`
	Note   string `json:"note"`
}

// excludeResponse sets a response aside from its agent's figures, with a
// reason; it stays visible, and the change is audited (the reason code,
// never the note, which may name someone).
func (s *Server) excludeResponse(c *fiber.Ctx) error {
	var b exclusionBody
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	ex, err := s.newExclusion(c, b)
	if err != nil {
		return err
	}
	return s.setExclusion(c, ex)
}

// newExclusion checks an exclusion's reason and note (the API's and the
// console's), by the caller.
func (s *Server) newExclusion(c *fiber.Ctx, b exclusionBody) (*plaudit.Exclusion, error) {
	b.Note = strings.TrimSpace(b.Note)
	if !slices.Contains(plaudit.ExclusionReasons, b.Reason) {
		return nil, plaudit.Errorf(plaudit.EInvalid, "reason must be one of %s", strings.Join(plaudit.ExclusionReasons, ", "))
	}
	if err := plaudit.CheckMultiline("note", b.Note); err != nil {
		return nil, err
	}
	if len([]rune(b.Note)) > plaudit.MaxExclusionNote {
		return nil, plaudit.Errorf(plaudit.EInvalid, "note must be at most %d characters", plaudit.MaxExclusionNote)
	}
	return &plaudit.Exclusion{Reason: b.Reason, Note: b.Note, By: actor(c), At: s.cfg.Now()}, nil
}

// includeResponse counts an excluded response again.
func (s *Server) includeResponse(c *fiber.Ctx) error { return s.setExclusion(c, nil) }

func (s *Server) setExclusion(c *fiber.Ctx, ex *plaudit.Exclusion) error {
	r, err := s.applyExclusion(c, ex)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// applyExclusion sets (or, with nil, clears) the exclusion of the
// response c.Params("id") of the caller's tenant, audited: the reason
// code, never the note, which may name someone.
func (s *Server) applyExclusion(c *fiber.Ctx, ex *plaudit.Exclusion) (plaudit.Response, error) {
	ctx := c.UserContext()
	r, err := s.cfg.Store.GetResponse(ctx, tenantID(c), c.Params("id"))
	if err != nil {
		return r, err
	}
	if r, err = s.cfg.Store.SetExclusion(ctx, r.TenantID, r.ID, ex); err != nil {
		return r, err
	}
	action, detail := "response.include", ""
	if ex != nil {
		action, detail = "response.exclude", "reason="+ex.Reason
	}
	s.audit(c, r.TenantID, actor(c), action, r.ID, detail)
	return r, nil
}

// listRewards is GET /api/v1/rewards: the rewards customers offered,
// newest first; status, agent and team filter.
func (s *Server) listRewards(c *fiber.Ctx) error {
	limit, err := parseLimit(c)
	if err != nil {
		return err
	}
	f := store.RewardFilter{Status: c.Query("status"), AgentID: c.Query("agent"), Team: c.Query("team"), Limit: limit}
	out, err := s.rewardsFor(c.UserContext(), who(c), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": out})
}

// rewardsFor lists the rewards w may see (the API's list and the
// console's page): keys and admins the tenant's, a lead their team's
// (another team is refused), an agent user none.
func (s *Server) rewardsFor(ctx context.Context, w caller, f store.RewardFilter) ([]plaudit.Reward, error) {
	if f.Status != "" && f.Status != plaudit.RewardEarned && f.Status != plaudit.RewardFulfilled {
		return nil, plaudit.Errorf(plaudit.EInvalid, "status must be earned or fulfilled")
	}
	if w.User && w.Role == plaudit.UserAgent {
		return nil, plaudit.Errorf(plaudit.EForbidden, "your role (%s) does not allow this", w.Role)
	}
	if w.User && w.Role == plaudit.UserLead {
		if f.Team != "" && f.Team != w.Team {
			return nil, plaudit.Errorf(plaudit.EForbidden, "team is outside your scope: a lead sees their own team's rewards")
		}
		if w.Team == "" {
			// A lead of no team leads nobody; "" would not filter.
			return []plaudit.Reward{}, nil
		}
		f.Team = w.Team
	}
	out, err := s.cfg.Store.ListRewards(ctx, w.TenantID, f)
	if out == nil && err == nil {
		out = []plaudit.Reward{}
	}
	return out, err
}

// fulfilReward is POST /api/v1/rewards/{id}/fulfil: the reward was given
// to the agent. Audited.
func (s *Server) fulfilReward(c *fiber.Ctx) error {
	w, err := s.fulfil(c, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(w)
}

// fulfil marks the reward id fulfilled, audited: the API's POST and the
// console's button. A lead may fulfil their team's rewards only; another
// team's is not found to them, as in rewardsFor's list.
func (s *Server) fulfil(c *fiber.Ctx, id string) (plaudit.Reward, error) {
	ctx, w := c.UserContext(), who(c)
	if w.User && w.Role != plaudit.UserAdmin {
		r, err := s.cfg.Store.GetReward(ctx, w.TenantID, id)
		if err != nil {
			return r, err
		}
		if w.Role != plaudit.UserLead || w.Team == "" || r.Team != w.Team {
			return plaudit.Reward{}, plaudit.Errorf(plaudit.ENotFound, "reward not found")
		}
	}
	r, err := s.cfg.Store.FulfilReward(ctx, w.TenantID, id, actor(c), s.cfg.Now())
	if err != nil {
		return r, err
	}
	s.audit(c, r.TenantID, actor(c), "reward.fulfil", r.ID, "agent="+r.AgentID)
	return r, nil
}
