package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// Reports read the anonymous figures (aggregates, request_facts) and sum
// them in SQL; docs/reports.md defines each figure. Every query names the
// tenant and a range of days, which the indexes aggregates_report and
// request_facts_day lead with.

// ReportFilter selects the rows of a report. Days are yyyy-mm-dd in the
// tenant's time zone, both ends included. Empty fields do not filter.
type ReportFilter struct {
	TenantID     string
	Since, Until string
	AgentID      string
	Team         string
	Channel      string
	ConnectorID  string
	// Test selects answers to test requests (a test key's view) instead
	// of live ones.
	Test bool
}

// Grouping of a report's rows: a dimension and an interval.
const (
	ByAgent     = "agent"
	ByTeam      = "team"
	ByChannel   = "channel"
	ByConnector = "connector"

	IntervalDay   = "day"
	IntervalWeek  = "week"
	IntervalMonth = "month"
	IntervalYear  = "year"
)

var byColumn = map[string]string{ByAgent: "agent_id", ByTeam: "team", ByChannel: "channel", ByConnector: "connector_id"}

// where is the filter as SQL over a table whose columns are named as in
// aggregates and request_facts, prefixed by alias.
func (f ReportFilter) where(alias string) *where {
	w := &where{}
	w.add(alias+"tenant_id = ?", f.TenantID)
	w.add(alias+"day >= ?", f.Since)
	w.add(alias+"day <= ?", f.Until)
	for _, c := range []struct{ col, v string }{{"agent_id", f.AgentID}, {"team", f.Team}, {"channel", f.Channel}, {"connector_id", f.ConnectorID}} {
		if c.v != "" {
			w.add(alias+c.col+" = ?", c.v)
		}
	}
	w.add(alias+"test = ?", f.Test)
	return w
}

// grouping is the SELECT list's period and group columns, and the GROUP
// BY that goes with them.
func (s *Store) grouping(by, interval string) (cols, groupBy string, err error) {
	period := "''"
	switch interval {
	case "":
	case IntervalDay:
		period = "day"
	case IntervalWeek:
		period = s.d.isoWeek("day")
	case IntervalMonth:
		period = "substr(day, 1, 7)"
	case IntervalYear:
		period = "substr(day, 1, 4)"
	default:
		return "", "", plaudit.Errorf(plaudit.EInvalid, "interval must be day, week, month or year")
	}
	group := "''"
	if by != "" {
		if group = byColumn[by]; group == "" {
			return "", "", plaudit.Errorf(plaudit.EInvalid, "by must be agent, team, channel or connector")
		}
	}
	var keys []string
	for _, k := range []string{period, group} {
		if k != "''" {
			keys = append(keys, k)
		}
	}
	cols = "CAST(" + period + " AS TEXT), CAST(" + group + " AS TEXT)"
	if len(keys) > 0 {
		groupBy = " GROUP BY " + strings.Join(keys, ", ") + " ORDER BY " + strings.Join(keys, ", ")
	}
	return cols, groupBy, nil
}

// ScoreSums are the sums behind the CSAT figures of one group. Counted
// responses are those without an exclusion; Excluded counts the others.
type ScoreSums struct {
	Period, Group string
	Counted       int
	Positive      int // scores 4 and 5
	ScoreTotal    int
	Scores        [5]int
	Excluded      int
	Rewards       int
	Excellence    [5]int
	Improvement   [5]int
}

// countedIf is a SUM over the counted responses that meet cond.
func countedIf(cond string) string {
	return "SUM(CASE WHEN exclusion = '' AND " + cond + " THEN 1 ELSE 0 END)"
}

// scoreSumCols are the sums behind ScoreSums over aggregates, in the
// order scanScoreSums reads them and aggregate_months keeps them.
var scoreSumCols = func() []string {
	sel := []string{countedIf("1 = 1"), countedIf("score >= 4"), "SUM(CASE WHEN exclusion = '' THEN score ELSE 0 END)"}
	for i := 1; i <= 5; i++ {
		sel = append(sel, countedIf(fmt.Sprintf("score = %d", i)))
	}
	sel = append(sel, "SUM(CASE WHEN exclusion <> '' THEN 1 ELSE 0 END)", countedIf("reward"))
	for _, col := range []string{"excellence_bits", "improvement_bits"} {
		for i := range 5 {
			sel = append(sel, countedIf(fmt.Sprintf("(%s & %d) <> 0", col, 1<<i)))
		}
	}
	return sel
}()

// scanScoreSums reads a row of period, group and scoreSumCols.
func scanScoreSums(r rowScanner) (ScoreSums, error) {
	var g ScoreSums
	ints := []*int{&g.Counted, &g.Positive, &g.ScoreTotal}
	for i := range 5 {
		ints = append(ints, &g.Scores[i])
	}
	ints = append(ints, &g.Excluded, &g.Rewards)
	for i := range 5 {
		ints = append(ints, &g.Excellence[i])
	}
	for i := range 5 {
		ints = append(ints, &g.Improvement[i])
	}
	dest := []any{&g.Period, &g.Group}
	for _, p := range ints {
		dest = append(dest, nullInt{p})
	}
	return g, r.Scan(dest...)
}

// ScoreFigures sums the aggregates in the filter, grouped by a dimension
// (By*; "" for none) and an interval (Interval*; "" for none). Whole
// months come from their monthly sums (rollup.go), the days around them
// from the aggregates.
func (s *Store) ScoreFigures(ctx context.Context, f ReportFilter, by, interval string) ([]ScoreSums, error) {
	return figures(ctx, s, scoreFigures, f, by, interval)
}

// rawScores sums the aggregates themselves.
func (s *Store) rawScores(ctx context.Context, f ReportFilter, by, interval string) ([]ScoreSums, error) {
	return rawFigures(ctx, s, scoreFigures, f, by, interval)
}

// dropEmpty leaves out the row an ungrouped SUM gives over no rows.
func dropEmpty[T any](rows []T, empty func(T) bool) []T {
	if len(rows) == 1 && empty(rows[0]) {
		return rows[:0]
	}
	return rows
}

// SendSums are the counts behind the response rate of one group.
type SendSums struct {
	Period, Group                                 string
	Sent, Delivered, Answered, Suppressed, Failed int
}

// sendSumCols are the sums behind SendSums over request_facts.
var sendSumCols = func() []string {
	failed := "status IN ('" + plaudit.RequestFailed + "', '" + plaudit.RequestBounced + "')"
	return []string{"SUM(CASE WHEN sent THEN 1 ELSE 0 END)", "SUM(CASE WHEN sent AND NOT " + failed + " THEN 1 ELSE 0 END)",
		"SUM(CASE WHEN status = '" + plaudit.RequestResponded + "' THEN 1 ELSE 0 END)",
		"SUM(CASE WHEN suppressed THEN 1 ELSE 0 END)", "SUM(CASE WHEN " + failed + " THEN 1 ELSE 0 END)"}
}()

func scanSendSums(r rowScanner) (SendSums, error) {
	var g SendSums
	return g, r.Scan(&g.Period, &g.Group, nullInt{&g.Sent}, nullInt{&g.Delivered}, nullInt{&g.Answered}, nullInt{&g.Suppressed}, nullInt{&g.Failed})
}

// AddSendSums adds the counts of b to a.
func AddSendSums(a, b SendSums) SendSums {
	a.Sent += b.Sent
	a.Delivered += b.Delivered
	a.Answered += b.Answered
	a.Suppressed += b.Suppressed
	a.Failed += b.Failed
	return a
}

// SendFigures sums the request facts in the filter (days are send days),
// grouped like ScoreFigures, whole months from their monthly sums.
func (s *Store) SendFigures(ctx context.Context, f ReportFilter, by, interval string) ([]SendSums, error) {
	return figures(ctx, s, sendFigures, f, by, interval)
}

// nullInt scans an integer that SQL's SUM over no rows gives as NULL.
type nullInt struct{ n *int }

func (d nullInt) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*d.n = 0
	case int64:
		*d.n = int(x)
	default:
		return fmt.Errorf("nullInt: cannot scan %T", v)
	}
	return nil
}

// ReportedResponse is one response behind a figure: its anonymous figures
// and, while the response is still held, its id, ticket and comment.
type ReportedResponse struct {
	Key         string // the aggregate's key, for paging
	Day         string
	AgentID     string
	Team        string
	Channel     string
	ConnectorID string
	Score       int
	Exclusion   string
	Reward      bool
	Excellence  int // area bits
	Improvement int
	// Held is false once the response was erased or swept: then only the
	// figures above remain.
	Held          bool
	ResponseID    string
	TicketID      string
	Comment       string
	ExclusionNote string
}

// DrillFilter narrows the responses behind a figure beyond ReportFilter.
type DrillFilter struct {
	Score int // 1–5; 0 for any
	// Excluded: "" any, "counted" only counted ones, "excluded" only
	// excluded ones.
	Excluded string
	// After continues after the row with this day and key (newest
	// first).
	AfterDay, AfterKey string
	Limit              int
}

// ReportResponses lists the responses behind a figure, newest day first.
func (s *Store) ReportResponses(ctx context.Context, f ReportFilter, d DrillFilter) ([]ReportedResponse, error) {
	w := f.where("a.")
	if d.Score != 0 {
		w.add("a.score = ?", d.Score)
	}
	switch d.Excluded {
	case "counted":
		w.add("a.exclusion = ?", "")
	case "excluded":
		w.add("a.exclusion <> ?", "")
	}
	if d.AfterDay != "" {
		day, key := w.next(d.AfterDay), w.next(d.AfterKey)
		w.conds = append(w.conds, "(a.day < "+day+" OR (a.day = "+day+" AND a.response_id < "+key+"))")
	}
	q := `SELECT a.response_id, a.day, a.agent_id, a.team, a.channel, a.connector_id, a.score, a.exclusion, a.reward,
		a.excellence_bits, a.improvement_bits, r.id, r.ticket_id, r.comment, r.exclusion_note
		FROM aggregates a LEFT JOIN responses r ON r.tenant_id = a.tenant_id AND r.id = a.response_id
		WHERE ` + w.sql() + ` ORDER BY a.day DESC, a.response_id DESC LIMIT ` + w.next(clampLimit(d.Limit))
	out, err := queryAll(ctx, s.db, func(r rowScanner) (ReportedResponse, error) {
		var (
			x                       ReportedResponse
			id, ticket, comment, nt *string
		)
		err := r.Scan(&x.Key, &x.Day, &x.AgentID, &x.Team, &x.Channel, &x.ConnectorID, &x.Score, &x.Exclusion, &x.Reward,
			&x.Excellence, &x.Improvement, &id, &ticket, &comment, &nt)
		if id != nil {
			x.Held, x.ResponseID, x.TicketID, x.Comment, x.ExclusionNote = true, *id, *ticket, *comment, *nt
		}
		return x, err
	}, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: report responses: %w", err)
	}
	return out, nil
}

// StreamFilter selects the responses a stream shows.
type StreamFilter struct {
	TenantID, AgentID, Team string
	// Since keeps responses changed at or after it.
	Since time.Time
	Test  bool
	Limit int
}

// ChangedResponses returns responses created or changed since f.Since,
// oldest change first: what a live stream shows next. Team narrows to
// responses to requests made for that team.
func (s *Store) ChangedResponses(ctx context.Context, f StreamFilter) ([]plaudit.Response, error) {
	var w where
	w.add("r.tenant_id = ?", f.TenantID)
	w.add("r.updated_at >= ?", s.ts(f.Since))
	w.add("r.test = ?", f.Test)
	if f.AgentID != "" {
		w.add("r.agent_id = ?", f.AgentID)
	}
	if f.Team != "" {
		w.add("q.team = ?", f.Team)
	}
	cols := "r." + strings.ReplaceAll(strings.Join(strings.Fields(responseCols), " "), ", ", ", r.")
	out, err := queryResponses(ctx, s.db, `SELECT `+cols+` FROM responses r
		JOIN feedback_requests q ON q.tenant_id = r.tenant_id AND q.id = r.request_id
		WHERE `+w.sql()+` ORDER BY r.updated_at, r.id LIMIT `+w.next(clampLimit(f.Limit)), w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: changed responses: %w", err)
	}
	return out, nil
}
