// Package reports computes the figures of the Reports section
// (docs/reports.md): CSAT with its average and n, the response rate, the
// areas, the leaderboard, the responses behind a figure and the 30-day
// summary of the stream. The store sums the anonymous aggregates in SQL;
// this package defines what the sums mean, compares periods and ranks.
//
// Every call takes a Scope: the tenant, and for a lead their team, for an
// agent themselves. A scope narrows every query; a filter that reaches
// outside it is refused. The HTTP API calls with the tenant's scope (API
// keys see the tenant); the console passes its user's.
package reports

import (
	"context"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// Scope is what a caller may see: a tenant, narrowed to a team (a lead)
// or an agent (the agent).
type Scope struct {
	TenantID string
	Team     string
	AgentID  string
}

// TenantScope sees the whole tenant.
func TenantScope(tenantID string) Scope { return Scope{TenantID: tenantID} }

// TeamScope sees one team: a lead's view.
func TeamScope(tenantID, team string) Scope { return Scope{TenantID: tenantID, Team: team} }

// AgentScope sees one agent: the agent's own view.
func AgentScope(tenantID, agentID string) Scope { return Scope{TenantID: tenantID, AgentID: agentID} }

// Store is what reports read (store.Store).
type Store interface {
	GetTenant(ctx context.Context, id string) (plaudit.Tenant, error)
	ListAgents(ctx context.Context, tenantID string) ([]plaudit.Agent, error)
	ScoreFigures(ctx context.Context, f store.ReportFilter, by, interval string) ([]store.ScoreSums, error)
	SendFigures(ctx context.Context, f store.ReportFilter, by, interval string) ([]store.SendSums, error)
	ReportResponses(ctx context.Context, f store.ReportFilter, d store.DrillFilter) ([]store.ReportedResponse, error)
	ListRewards(ctx context.Context, tenantID string, f store.RewardFilter) ([]plaudit.Reward, error)
}

var _ Store = (*store.Store)(nil)

// Service computes reports. Now is the clock (time.Now when nil).
type Service struct {
	Store Store
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// filter is the store's filter for q within scope: the scope's team and
// agent always apply, and a query that names another is refused.
func (sc Scope) filter(q Query) (store.ReportFilter, error) {
	f := store.ReportFilter{TenantID: sc.TenantID, Since: q.Since, Until: q.Until, AgentID: q.AgentID, Team: q.Team,
		Channel: q.Channel, ConnectorID: q.ConnectorID, Test: q.Test}
	if sc.Team != "" {
		if q.Team != "" && q.Team != sc.Team {
			return f, plaudit.Errorf(plaudit.EForbidden, "team: you see your own team only")
		}
		f.Team = sc.Team
	}
	if sc.AgentID != "" {
		if q.AgentID != "" && q.AgentID != sc.AgentID {
			return f, plaudit.Errorf(plaudit.EForbidden, "agent: you see your own figures only")
		}
		f.AgentID = sc.AgentID
	}
	if sc.TenantID == "" {
		return f, plaudit.Errorf(plaudit.EForbidden, "no tenant in scope")
	}
	return f, nil
}

// Stream is the filter of a live stream in scope, narrowed further to an
// agent or a team when given (a narrowing outside the scope is refused):
// the responses created or changed since since.
func (sc Scope) Stream(agentID, team string, test bool, since time.Time) (store.StreamFilter, error) {
	f, err := sc.filter(Query{AgentID: agentID, Team: team})
	return store.StreamFilter{TenantID: f.TenantID, AgentID: f.AgentID, Team: f.Team, Test: test, Since: since}, err
}

// Narrow is the scope narrowed to an agent or a team as well, refused
// when they lie outside it: what a caller asks to see of their scope.
func (sc Scope) Narrow(agentID, team string) (Scope, error) {
	f, err := sc.filter(Query{AgentID: agentID, Team: team})
	return Scope{TenantID: f.TenantID, Team: f.Team, AgentID: f.AgentID}, err
}
