package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit/charts"
	"github.com/plaudit/plaudit/reports"
	"github.com/plaudit/plaudit/web"
)

// reportsPage is /console/reports: CSAT and the response rate in the
// caller's scope, as charts with their data tables, beside the
// definitions, each group compared with the period before.
type reportsPage struct {
	figuresFilter
	Report      reports.Query
	CSAT        []labelled[reports.CSATRow]
	Rate        []labelled[reports.RateRow]
	CSATTotals  reports.CSATRow
	RateTotals  reports.RateRow
	CSATChart   template.HTML
	RateChart   template.HTML
	Timezone    string
	Previous    string
	Definitions []definition
}

// labelled is a report's row with its group named as the page shows it;
// the console's CSV has the same rows, label first.
type labelled[R any] struct {
	Label string `json:"label"`
	Row   R      `json:"-"`
	// Drill is the query of the responses behind the row
	// (/console/reports/responses); "" for a row of no one group.
	Drill template.URL `json:"-"`
}

type definition struct{ Term, Text string }

// reportDefaults are the reports page's choices on a first visit.
var reportDefaults = map[string]string{"by": "agent", "compare": "true"}

// consoleReports is /console/reports.
func (s *Server) consoleReports(c *fiber.Ctx) error {
	v := s.view(c, "Reports")
	defaults := reportDefaults
	if who(c).Role == "agent" {
		defaults = map[string]string{"by": "channel", "compare": "true"}
	}
	page, status, err := s.reportFigures(c, &v, defaults)
	if err != nil {
		return err
	}
	v.Data = page
	return s.renderConsole(c, status, "reports", v)
}

// reportFigures computes the page; a refused query is shown on it.
func (s *Server) reportFigures(c *fiber.Ctx, v *web.View, defaults map[string]string) (reportsPage, int, error) {
	sc, q, ff, err := s.figuresScope(c, v, defaults)
	page := reportsPage{figuresFilter: ff, Report: q}
	if err != nil || ff.Nothing {
		status, err := figuresError(c, v, err)
		return page, status, err
	}
	csat, err := s.reports.CSAT(c.UserContext(), sc, q)
	if err != nil {
		status, err := figuresError(c, v, err)
		return page, status, err
	}
	rate, err := s.reports.ResponseRate(c.UserContext(), sc, q)
	if err != nil {
		return page, 0, err
	}
	label, err := s.groupLabels(c.UserContext(), sc.TenantID)
	if err != nil {
		return page, 0, err
	}
	name := func(period, group string) string {
		l := label(q.By, group)
		if period != "" && q.By == "" {
			return period
		}
		if period != "" {
			return period + " · " + l
		}
		return l
	}
	for _, r := range csat.Data {
		page.CSAT = append(page.CSAT, labelled[reports.CSATRow]{Label: name(r.Period, r.Group), Row: r, Drill: drillQuery(q, r.Period, r.Group)})
	}
	for _, r := range rate.Data {
		page.Rate = append(page.Rate, labelled[reports.RateRow]{Label: name(r.Period, r.Group), Row: r, Drill: drillQuery(q, r.Period, r.Group)})
	}
	page.CSATTotals, page.RateTotals, page.Timezone = csat.Totals, rate.Totals, csat.Timezone
	if q.Compare {
		page.Previous = csat.PreviousSince + " to " + csat.PreviousUntil
	}
	for _, k := range []string{"csat", "average_score", "responses", "excluded", "rewards", "response_rate", "sent", "delivered", "answered", "suppressed", "failed"} {
		page.Definitions = append(page.Definitions, definition{k, reports.Definitions[k]})
	}
	if page.CSATChart, err = csatChart(page.CSAT); err != nil {
		return page, 0, err
	}
	page.RateChart, err = rateChart(page.Rate)
	return page, 0, err
}

func csatChart(rows []labelled[reports.CSATRow]) (template.HTML, error) {
	ch := charts.Chart{ID: "csat-chart", Title: "CSAT", Max: 1, Format: charts.Percent,
		Description: "Share of counted responses that scored 4 or 5, per group."}
	for _, r := range rows {
		note := fmt.Sprintf("n = %d, average %s", r.Row.Responses, number(r.Row.Average))
		if p := r.Row.Previous; p != nil {
			note += fmt.Sprintf("; before: %s (n = %d)", percent(p.CSAT), p.Responses)
		}
		ch.Points = append(ch.Points, charts.Point{Label: r.Label, Value: r.Row.CSAT, Note: note})
	}
	return charts.Render(ch)
}

func rateChart(rows []labelled[reports.RateRow]) (template.HTML, error) {
	ch := charts.Chart{ID: "rate-chart", Title: "Response rate", Max: 1, Format: charts.Percent,
		Description: "Answered ÷ delivered requests, by the day they were sent, per group."}
	for _, r := range rows {
		note := fmt.Sprintf("%d answered of %d delivered", r.Row.Answered, r.Row.Delivered)
		if p := r.Row.Previous; p != nil {
			note += "; before: " + percent(p.ResponseRate)
		}
		ch.Points = append(ch.Points, charts.Point{Label: r.Label, Value: r.Row.ResponseRate, Note: note})
	}
	return charts.Render(ch)
}

// percent writes a share as the charts do, or "no figure".
func percent(v *float64) string {
	if v == nil {
		return "no figure"
	}
	return charts.Percent(*v)
}

func number(v *float64) string {
	if v == nil {
		return "no figure"
	}
	return fmt.Sprintf("%.2f", *v)
}

// consoleReportCSV is /console/reports/{csat,response-rate}.csv: the rows
// of the page's table, with the same query, as CSV (the API's columns,
// after the label the page shows).
func (s *Server) consoleReportCSV(kind string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		v := s.view(c, "Reports")
		page, status, err := s.reportFigures(c, &v, reportDefaults)
		if err != nil {
			return err
		}
		if status != 0 {
			return fiber.NewError(status, v.Error)
		}
		var rows []json.RawMessage
		if kind == "csat" {
			rows, err = csvRows(page.CSAT)
		} else {
			rows, err = csvRows(page.Rate)
		}
		if err != nil {
			return err
		}
		return sendCSV(c, rows, kind)
	}
}

// csvRows are the rows as JSON objects with the label first, for
// reports.WriteCSV: the API's columns after the name the page shows.
func csvRows[R any](rows []labelled[R]) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(rows))
	for _, r := range rows {
		label, err := json.Marshal(r.Label)
		if err != nil {
			return nil, err
		}
		row, err := json.Marshal(r.Row)
		if err != nil {
			return nil, err
		}
		if len(row) < 2 || row[0] != '{' {
			return nil, fmt.Errorf("csv: a row is not an object")
		}
		obj := append([]byte(`{"label":`), label...)
		if len(row) > 2 {
			obj = append(obj, ',')
		}
		out = append(out, append(obj, row[1:]...))
	}
	return out, nil
}

// sendCSV answers rows as a CSV download named name.csv.
func sendCSV(c *fiber.Ctx, rows any, name string) error {
	var buf bytes.Buffer
	if err := reports.WriteCSV(&buf, rows); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}
