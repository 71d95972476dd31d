package reports

import (
	"context"

	"github.com/plaudit/plaudit/store"
)

// Header is what every report says about itself.
type Header struct {
	Since    string `json:"since"`
	Until    string `json:"until"`
	Timezone string `json:"timezone"`
	By       string `json:"by"`
	Interval string `json:"interval"`
	// Previous is the period compared with, when asked for.
	PreviousSince string            `json:"previous_since,omitempty"`
	PreviousUntil string            `json:"previous_until,omitempty"`
	Definitions   map[string]string `json:"definitions"`
}

// CSATRow is one group's CSAT figures. Period is "" without an interval,
// Group "" without a dimension. Previous is the same group in the period
// before, with compare and without an interval (the rows of an interval
// are the trend).
type CSATRow struct {
	Period string `json:"period"`
	Group  string `json:"group"`
	Scores
	Previous *Scores `json:"previous,omitempty"`
}

// CSATReport is GET /api/v1/reports/csat.
type CSATReport struct {
	Header
	Totals CSATRow   `json:"totals"`
	Data   []CSATRow `json:"data"`
}

func (s *Service) header(ctx context.Context, sc Scope, q Query, keys ...string) (Header, store.ReportFilter, error) {
	f, err := sc.filter(q)
	if err != nil {
		return Header{}, f, err
	}
	t, err := s.Store.GetTenant(ctx, sc.TenantID)
	if err != nil {
		return Header{}, f, err
	}
	h := Header{Since: q.Since, Until: q.Until, Timezone: t.Settings.Location().String(), By: q.By, Interval: q.Interval,
		Definitions: map[string]string{}}
	for _, k := range keys {
		h.Definitions[k] = Definitions[k]
	}
	if q.Compare {
		p := q.previous()
		h.PreviousSince, h.PreviousUntil = p.Since, p.Until
	}
	return h, f, nil
}

// CSAT is the CSAT, its average and n, the areas and rewards, grouped as q
// asks, with the previous period when q.Compare.
func (s *Service) CSAT(ctx context.Context, sc Scope, q Query) (CSATReport, error) {
	h, f, err := s.header(ctx, sc, q, "csat", "average_score", "responses", "excluded", "rewards")
	if err != nil {
		return CSATReport{}, err
	}
	cur, err := s.Store.ScoreFigures(ctx, f, q.By, q.Interval)
	if err != nil {
		return CSATReport{}, err
	}
	var prev []store.ScoreSums
	if q.Compare {
		pf := f
		pf.Since, pf.Until = h.PreviousSince, h.PreviousUntil
		if prev, err = s.Store.ScoreFigures(ctx, pf, q.By, ""); err != nil {
			return CSATReport{}, err
		}
	}
	key := func(g store.ScoreSums) (string, string) { return g.Period, g.Group }
	rows, total, prevTotal := pairUp(cur, prev, key, store.AddScoreSums, q.Compare, q.Interval == "")
	out := CSATReport{Header: h, Data: make([]CSATRow, 0, len(rows))}
	for _, r := range rows {
		out.Data = append(out.Data, CSATRow{Period: r.period, Group: r.group, Scores: scoresOf(r.cur), Previous: mapPtr(r.prev, scoresOf)})
	}
	out.Totals = CSATRow{Scores: scoresOf(total), Previous: mapPtr(prevTotal, scoresOf)}
	return out, nil
}

// pair is one group's sums now and, when compared, before.
type pair[S any] struct {
	period, group string
	cur           S
	prev          *S
}

// pairUp matches each group with the same group in the previous period
// (zero sums when it had none), when compare and rowsCompare; and sums
// the totals of both periods.
func pairUp[S any](cur, prev []S, key func(S) (string, string), add func(S, S) S, compare, rowsCompare bool) ([]pair[S], S, *S) {
	var total, prevTotal S
	before := map[string]S{}
	for _, p := range prev {
		_, g := key(p)
		before[g] = p
		prevTotal = add(prevTotal, p)
	}
	out := make([]pair[S], 0, len(cur))
	for _, c := range cur {
		period, group := key(c)
		r := pair[S]{period: period, group: group, cur: c}
		if compare && rowsCompare {
			p := before[group]
			r.prev = &p
		}
		total = add(total, c)
		out = append(out, r)
	}
	if !compare {
		return out, total, nil
	}
	return out, total, &prevTotal
}

func mapPtr[S, T any](p *S, f func(S) T) *T {
	if p == nil {
		return nil
	}
	v := f(*p)
	return &v
}

// RateRow is one group's response-rate figures, grouped like CSATRow.
type RateRow struct {
	Period string `json:"period"`
	Group  string `json:"group"`
	Sends
	Previous *Sends `json:"previous,omitempty"`
}

// RateReport is GET /api/v1/reports/response-rate.
type RateReport struct {
	Header
	Totals RateRow   `json:"totals"`
	Data   []RateRow `json:"data"`
}

// ResponseRate is responses ÷ delivered by send date, with the sent,
// delivered, answered, suppressed and failed counts.
func (s *Service) ResponseRate(ctx context.Context, sc Scope, q Query) (RateReport, error) {
	h, f, err := s.header(ctx, sc, q, "response_rate", "sent", "delivered", "answered", "suppressed", "failed")
	if err != nil {
		return RateReport{}, err
	}
	cur, err := s.Store.SendFigures(ctx, f, q.By, q.Interval)
	if err != nil {
		return RateReport{}, err
	}
	var prev []store.SendSums
	if q.Compare {
		pf := f
		pf.Since, pf.Until = h.PreviousSince, h.PreviousUntil
		if prev, err = s.Store.SendFigures(ctx, pf, q.By, ""); err != nil {
			return RateReport{}, err
		}
	}
	key := func(g store.SendSums) (string, string) { return g.Period, g.Group }
	rows, total, prevTotal := pairUp(cur, prev, key, store.AddSendSums, q.Compare, q.Interval == "")
	out := RateReport{Header: h, Data: make([]RateRow, 0, len(rows))}
	for _, r := range rows {
		out.Data = append(out.Data, RateRow{Period: r.period, Group: r.group, Sends: sendsOf(r.cur), Previous: mapPtr(r.prev, sendsOf)})
	}
	out.Totals = RateRow{Sends: sendsOf(total), Previous: mapPtr(prevTotal, sendsOf)}
	return out, nil
}
