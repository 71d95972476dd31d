package server

import (
	"context"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/reports"
)

// reportScope is what the caller may see of the figures and the stream:
// API keys and admins the tenant, a lead their team, an agent user
// themselves (the agent with their address). ok is false for a lead
// without a team or an agent user whom no agent matches: they see
// nothing, rather than the tenant.
func (s *Server) reportScope(ctx context.Context, w caller) (sc reports.Scope, ok bool, err error) {
	switch {
	case !w.User || w.Role == plaudit.UserAdmin:
		return reports.TenantScope(w.TenantID), true, nil
	case w.Role == plaudit.UserLead:
		return reports.TeamScope(w.TenantID, w.Team), w.Team != "", nil
	case w.Role == plaudit.UserAgent:
		a, err := s.cfg.Store.FindAgent(ctx, w.TenantID, "", "", w.Email)
		if plaudit.IsNotFound(err) {
			return reports.Scope{}, false, nil
		}
		if err != nil {
			return reports.Scope{}, false, err
		}
		return reports.AgentScope(w.TenantID, a.ID), true, nil
	}
	return reports.Scope{}, false, nil
}

// errNoScope is the API's answer to a user who may see figures but whom
// nothing links to any.
var errNoScope = plaudit.Errorf(plaudit.ENotFound, "no agent has your address, or your lead user has no team: there are no figures for you")
