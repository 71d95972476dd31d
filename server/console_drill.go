package server

import (
	"html/template"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit/reports"
)

// drillPage is /console/reports/responses: the responses behind a figure
// of the reports page, with their tickets, in the caller's scope.
type drillPage struct {
	figuresFilter
	Report reports.Query
	Rows   []reports.ResponseRow
	// Names are the agents' names by id, as the reports page shows them.
	Names map[string]string
	// Older is the next page, Newest the first; "" where there is none
	// (the layout's pager).
	Older, Newest template.URL
}

const drillPath = "/console/reports/responses"

// drillQuery is the query of the responses behind one row of a report
// over q: the report's filters, the row's group and, for a row of a
// period, that period's days. A row of no one group (the "No team" of a
// team report) has none: its filter would read as "any".
func drillQuery(q reports.Query, period, group string) template.URL {
	if q.By != "" && group == "" {
		return ""
	}
	v := url.Values{}
	for k, val := range map[string]string{"since": q.Since, "until": q.Until, "agent": q.AgentID, "team": q.Team, "channel": q.Channel, "connector": q.ConnectorID} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if q.By != "" {
		v.Set(q.By, group)
	}
	if since, until, ok := reports.PeriodDays(q.Interval, period); ok {
		v.Set("since", since)
		v.Set("until", until)
	}
	return template.URL(v.Encode()) // Encode escapes every value
}

// consoleDrill lists the responses behind a figure: the report's query
// (since, until, agent, team, channel, connector) and the drill-down's
// (score, excluded, after), through the API's reports.Responses.
func (s *Server) consoleDrill(c *fiber.Ctx) error {
	v := s.view(c, "Responses behind the figures")
	sc, q, ff, err := s.figuresScope(c, &v, nil)
	page := drillPage{figuresFilter: ff, Report: q}
	v.Form["score"], v.Form["excluded"] = c.Query("score"), c.Query("excluded")
	var list reports.ResponseList
	if err == nil && !ff.Nothing {
		var d reports.Drill
		if d, err = reports.ParseDrill(func(k string) string { return c.Query(k) }); err == nil {
			list, err = s.reports.Responses(c.UserContext(), sc, q, d)
		}
	}
	if err != nil {
		status, err := figuresError(c, &v, err)
		if err != nil {
			return err
		}
		v.Data = page
		return s.renderConsole(c, status, "drill", v)
	}
	label, err := s.groupLabels(c.UserContext(), sc.TenantID)
	if err != nil {
		return err
	}
	page.Rows, page.Names = list.Data, map[string]string{}
	for _, r := range list.Data {
		page.Names[r.AgentID] = label("agent", r.AgentID)
	}
	query, _ := url.ParseQuery(string(c.Context().QueryArgs().QueryString()))
	if list.Next != "" {
		query.Set("after", list.Next)
		page.Older = template.URL(drillPath + "?" + query.Encode())
	}
	if c.Query("after") != "" {
		query.Del("after")
		page.Newest = template.URL(drillPath + "?" + query.Encode())
	}
	v.Data = page
	return s.renderConsole(c, 0, "drill", v)
}
