package server

import (
	"context"
	"slices"

	"github.com/plaudit/plaudit"
)

// agentScope lists the agents whose records the caller may see: nil for
// the whole tenant (API keys and admins), a lead's team, or the agent an
// agent user is (by email). Every list and look-up of agents, requests,
// responses and reports applies it, so a lead or an agent sees no more
// through the API than through the console.
func (s *Server) agentScope(ctx context.Context, w caller) ([]string, error) {
	if !w.User || w.Role == plaudit.UserAdmin {
		return nil, nil
	}
	ids := []string{}
	if w.Role == plaudit.UserAgent {
		a, err := s.cfg.Store.FindAgent(ctx, w.TenantID, "", "", w.Email)
		if plaudit.IsNotFound(err) {
			return ids, nil
		}
		if err != nil {
			return nil, err
		}
		return append(ids, a.ID), nil
	}
	agents, err := s.cfg.Store.ListAgents(ctx, w.TenantID)
	if err != nil {
		return nil, err
	}
	for _, a := range agents {
		if w.Team != "" && a.Team == w.Team {
			ids = append(ids, a.ID)
		}
	}
	return ids, nil
}

// inScope reports whether an agent id is within a scope from agentScope.
func inScope(scope []string, agentID string) bool {
	return scope == nil || slices.Contains(scope, agentID)
}

// visibleAgent returns one agent the caller may see; others are not found.
func (s *Server) visibleAgent(ctx context.Context, w caller, id string) (plaudit.Agent, error) {
	scope, err := s.agentScope(ctx, w)
	if err != nil {
		return plaudit.Agent{}, err
	}
	if !inScope(scope, id) {
		return plaudit.Agent{}, plaudit.Errorf(plaudit.ENotFound, "agent not found")
	}
	return s.cfg.Store.GetAgent(ctx, w.TenantID, id)
}
