package server

import (
	"context"
	"errors"
	"html/template"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/reports"
	"github.com/plaudit/plaudit/web"
)

// figuresFilter is the filter form of the reports and leaderboard pages:
// what the caller may choose from, by role.
type figuresFilter struct {
	// Scope says whose figures these are, in words.
	Scope string
	// Agents and Teams are the choices of the agent and team filters;
	// empty hides the filter (a lead sees their team, an agent themselves).
	Agents []plaudit.Agent
	Teams  []plaudit.Team
	// Query is the query string of the page, for its CSV and TV links
	// (encoded here: the template takes it as it is).
	Query template.URL
	// Nothing is set for a user whom no figures belong to.
	Nothing bool
}

// figuresScope is the console user's reportScope with the filter form
// they may use; query is the page's parsed query when ok.
func (s *Server) figuresScope(c *fiber.Ctx, v *web.View, defaults map[string]string) (reports.Scope, reports.Query, figuresFilter, error) {
	ctx, w := c.UserContext(), who(c)
	var ff figuresFilter
	sc, ok, err := s.reportScope(ctx, w)
	if err != nil {
		return sc, reports.Query{}, ff, err
	}
	get := func(k string) string {
		if len(c.Queries()) > 0 { // a form sent: an unticked box is false
			return c.Query(k)
		}
		return defaults[k]
	}
	for _, k := range []string{"since", "until", "by", "interval", "agent", "team", "channel", "connector", "compare"} {
		v.Form[k] = get(k)
	}
	ff.Nothing = !ok
	if ok {
		if ff.Scope, err = s.describeScope(ctx, w, sc, &ff); err != nil {
			return sc, reports.Query{}, ff, err
		}
	}
	t, err := s.cfg.Store.GetTenant(ctx, w.TenantID)
	if err != nil {
		return sc, reports.Query{}, ff, err
	}
	q, err := reports.ParseQuery(get, reports.Today(s.cfg.Now(), t))
	if err == nil {
		v.Form["since"], v.Form["until"] = q.Since, q.Until
	}
	// The page's CSV and TV links ask for what the page shows, days and
	// all (a link without a query would take the defaults).
	vals := url.Values{}
	for _, k := range []string{"since", "until", "by", "interval", "agent", "team", "channel", "connector", "compare"} {
		vals.Set(k, v.Form[k])
	}
	ff.Query = template.URL(vals.Encode()) // Encode escapes every value
	return sc, q, ff, err
}

// describeScope names the scope and fills in the filters the role may
// use: an admin chooses team and agent, a lead an agent of the team.
func (s *Server) describeScope(ctx context.Context, w caller, sc reports.Scope, ff *figuresFilter) (string, error) {
	switch {
	case sc.AgentID != "":
		return "your own figures", nil
	case sc.Team != "":
		agents, err := s.visibleAgents(ctx, w)
		ff.Agents = agents
		return "team " + sc.Team, err
	}
	agents, err := s.cfg.Store.ListAgents(ctx, w.TenantID)
	if err != nil {
		return "", err
	}
	ff.Agents = agents
	ff.Teams, err = s.cfg.Store.ListTeams(ctx, w.TenantID)
	return "the whole organisation", err
}

// figuresError shows a refused query (a bad date, another team) on the
// page, next to the form, with its status; other errors go up.
func figuresError(c *fiber.Ctx, v *web.View, err error) (int, error) {
	var pe *plaudit.Error
	if !errors.As(err, &pe) || (pe.Code != plaudit.EInvalid && pe.Code != plaudit.EForbidden) {
		return 0, err
	}
	v.Error = pe.Message
	for _, f := range []string{"since", "until", "by", "interval", "agent", "team", "compare"} {
		if strings.HasPrefix(pe.Message, f+" ") || strings.HasPrefix(pe.Message, f+":") {
			v.Errors[f] = pe.Message
		}
	}
	return statusOf(c, err), nil
}

// groupLabels names the groups of a report as people know them: agents
// and connectors by name, the rest as they are.
func (s *Server) groupLabels(ctx context.Context, tenantID string) (func(by, group string) string, error) {
	agents, err := s.cfg.Store.ListAgents(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	cons, err := s.cfg.Store.ListConnectors(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, a := range agents {
		names["agent:"+a.ID] = a.Name
	}
	for _, c := range cons {
		names["connector:"+c.ID] = c.Name
	}
	return func(by, group string) string {
		if n := names[by+":"+group]; n != "" {
			return n
		}
		switch {
		case by == "":
			return "All"
		case group == "" && by == "team":
			return "No team"
		case group == "":
			return "None"
		case by == "agent":
			return "A former agent"
		}
		return group
	}, nil
}
