package reports

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// ResponseRow is one response behind a figure. The figures (day, agent,
// team, channel, connector, score, areas, reward, exclusion) outlive the
// response; response_id, ticket_id, comment and the exclusion's note are
// there while it is held ("" once erased or swept).
type ResponseRow struct {
	Day           string   `json:"day"`
	AgentID       string   `json:"agent_id"`
	Team          string   `json:"team"`
	Channel       string   `json:"channel"`
	ConnectorID   string   `json:"connector_id"`
	Score         int      `json:"score"`
	Counted       bool     `json:"counted"`
	Exclusion     string   `json:"exclusion"`
	ExclusionNote string   `json:"exclusion_note"`
	Reward        bool     `json:"reward"`
	Excellence    []string `json:"excellence"`
	Improvement   []string `json:"improvement"`
	Held          bool     `json:"held"`
	ResponseID    string   `json:"response_id"`
	TicketID      string   `json:"ticket_id"`
	Comment       string   `json:"comment"`
}

// ResponseList is GET /api/v1/reports/responses: a page of the responses
// behind a figure, newest day first; Next continues it.
type ResponseList struct {
	Header
	Data []ResponseRow `json:"data"`
	Next string        `json:"next,omitempty"`
}

// Drill narrows a drill-down: the query's filters, and these.
type Drill struct {
	Score    int    // 1–5, 0 for any
	Excluded string // "", counted, excluded
	After    string // Next of the page before
	Limit    int
}

// ParseDrill reads score, excluded, after and limit.
func ParseDrill(get func(string) string) (Drill, error) {
	var d Drill
	if v := get("score"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5 {
			return d, plaudit.Errorf(plaudit.EInvalid, "score must be between 1 and 5")
		}
		d.Score = n
	}
	switch d.Excluded = get("excluded"); d.Excluded {
	case "", "counted", "excluded":
	default:
		return d, plaudit.Errorf(plaudit.EInvalid, "excluded must be counted or excluded")
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return d, plaudit.Errorf(plaudit.EInvalid, "limit must be between 1 and 1000")
		}
		d.Limit = n
	}
	d.After = get("after")
	if _, _, ok := cursor(d.After); d.After != "" && !ok {
		return d, plaudit.Errorf(plaudit.EInvalid, "after must be the next value of a page")
	}
	return d, nil
}

func cursor(s string) (day, key string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", "", false
	}
	day, key, ok = strings.Cut(string(b), "/")
	return day, key, ok && len(day) == 10 && key != ""
}

// Responses lists the responses behind the figure that q (and d) select.
func (s *Service) Responses(ctx context.Context, sc Scope, q Query, d Drill) (ResponseList, error) {
	q.By, q.Interval, q.Compare = "", "", false
	h, f, err := s.header(ctx, sc, q, "responses", "excluded")
	if err != nil {
		return ResponseList{}, err
	}
	df := store.DrillFilter{Score: d.Score, Excluded: d.Excluded, Limit: d.Limit}
	df.AfterDay, df.AfterKey, _ = cursor(d.After)
	rows, err := s.Store.ReportResponses(ctx, f, df)
	if err != nil {
		return ResponseList{}, err
	}
	out := ResponseList{Header: h, Data: make([]ResponseRow, 0, len(rows))}
	for _, r := range rows {
		out.Data = append(out.Data, ResponseRow{Day: r.Day, AgentID: r.AgentID, Team: r.Team, Channel: r.Channel,
			ConnectorID: r.ConnectorID, Score: r.Score, Counted: r.Exclusion == "", Exclusion: r.Exclusion,
			ExclusionNote: r.ExclusionNote, Reward: r.Reward,
			Excellence: areasOf(r.Excellence, plaudit.ExcellenceAreas), Improvement: areasOf(r.Improvement, plaudit.ImprovementAreas),
			Held: r.Held, ResponseID: r.ResponseID, TicketID: r.TicketID, Comment: r.Comment})
	}
	if n := len(rows); n > 0 && n == clampLimit(d.Limit) {
		last := rows[n-1]
		out.Next = base64.RawURLEncoding.EncodeToString([]byte(last.Day + "/" + last.Key))
	}
	return out, nil
}

func clampLimit(n int) int {
	if n <= 0 {
		return 100
	}
	return min(n, 1000)
}

func areasOf(bits int, known []string) []string {
	out := []string{}
	for i, k := range known {
		if bits&(1<<i) != 0 {
			out = append(out, k)
		}
	}
	return out
}
