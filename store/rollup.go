package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Monthly sums (aggregate_months) keep reports of whole months from
// reading every answer: a month of a large tenant holds tens of thousands
// of aggregates, but a few thousand monthly sums. A month is rebuilt from
// its aggregates when a report needs it and it is not fresh: every write
// of an aggregate marks its month dirty (markMonth) in the same
// statement sequence, and a rebuild clears the mark first, so a change
// that commits during a rebuild marks the month again.

// rollup is a table of per-row figures and the table of their monthly
// sums: sums are SQL over the rows, cols the monthly table's columns
// holding them, in the same order.
type rollup struct {
	source, months string
	sums, cols     []string
}

// sumKind is a kind of figures: its rollup, and how its rows are read
// and added up.
type sumKind[T any] struct {
	rollup
	what  string
	scan  func(rowScanner) (T, error)
	key   func(T) (period, group string)
	add   func(T, T) T
	empty func(T) bool
}

var (
	scoreFigures = sumKind[ScoreSums]{
		rollup: rollup{source: "aggregates", months: "aggregate_months", sums: scoreSumCols,
			cols: []string{"counted", "positive", "score_total", "s1", "s2", "s3", "s4", "s5", "excluded", "rewards",
				"e1", "e2", "e3", "e4", "e5", "i1", "i2", "i3", "i4", "i5"}},
		what: "score figures", scan: scanScoreSums, add: AddScoreSums,
		key:   func(g ScoreSums) (string, string) { return g.Period, g.Group },
		empty: func(g ScoreSums) bool { return g.Counted+g.Excluded == 0 },
	}
	sendFigures = sumKind[SendSums]{
		rollup: rollup{source: "request_facts", months: "fact_months", sums: sendSumCols,
			cols: []string{"sent", "delivered", "answered", "suppressed", "failed"}},
		what: "send figures", scan: scanSendSums, add: AddSendSums,
		key:   func(g SendSums) (string, string) { return g.Period, g.Group },
		empty: func(g SendSums) bool { return g.Sent+g.Suppressed+g.Failed == 0 },
	}
	// rollups are rebuilt together: report_months marks a month of both.
	rollups = []rollup{scoreFigures.rollup, sendFigures.rollup}
)

// figures sums kind's rows in the filter, whole months from their monthly
// sums and the days around them from the rows.
func figures[T any](ctx context.Context, s *Store, kind sumKind[T], f ReportFilter, by, interval string) ([]T, error) {
	if _, _, err := s.grouping(by, interval); err != nil {
		return nil, err
	}
	full, edges := splitMonths(f.Since, f.Until)
	if len(full) == 0 || interval == IntervalDay || interval == IntervalWeek {
		return rawFigures(ctx, s, kind, f, by, interval)
	}
	out, err := monthFigures(ctx, s, kind, f, by, interval, full)
	if err != nil {
		return nil, err
	}
	for _, e := range edges {
		ef := f
		ef.Since, ef.Until = e[0], e[1]
		rows, err := rawFigures(ctx, s, kind, ef, by, interval)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return mergeRows(out, kind), nil
}

// rawFigures sums kind's rows themselves.
func rawFigures[T any](ctx context.Context, s *Store, kind sumKind[T], f ReportFilter, by, interval string) ([]T, error) {
	cols, groupBy, err := s.grouping(by, interval)
	if err != nil {
		return nil, err
	}
	w := f.where("")
	out, err := queryAll(ctx, s.db, kind.scan,
		`SELECT `+cols+`, `+strings.Join(kind.sums, ", ")+` FROM `+kind.source+` WHERE `+w.sql()+groupBy, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", kind.what, err)
	}
	return dropEmpty(out, kind.empty), nil
}

// markMonth marks the month of day (yyyy-mm-dd) dirty.
func markMonth(ctx context.Context, q queryer, tenantID, day string) error {
	// A month dirty already is not written again: every answer of a
	// busy month would otherwise rewrite the same row.
	_, err := q.ExecContext(ctx, `INSERT INTO report_months (tenant_id, month, dirty) VALUES ($1, $2, $3)
		ON CONFLICT (tenant_id, month) DO UPDATE SET dirty = excluded.dirty WHERE report_months.dirty <> excluded.dirty`,
		tenantID, day[:7], true)
	return err
}

// forgetMonths drops a tenant's monthly sums, to be rebuilt when next
// read (after a team's rename).
func forgetMonths(ctx context.Context, q queryer, tenantID string) error {
	for _, table := range []string{"aggregate_months", "fact_months", "report_months"} {
		if _, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE tenant_id = $1`, tenantID); err != nil {
			return err
		}
	}
	return nil
}

// splitMonths cuts the days since..until into the whole months inside
// them (yyyy-mm) and the ranges of days before and after those.
func splitMonths(since, until string) (full []string, edges [][2]string) {
	from, err1 := time.Parse(dayLayout, since)
	to, err2 := time.Parse(dayLayout, until)
	if err1 != nil || err2 != nil || to.Before(from) {
		return nil, nil
	}
	first := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	if !first.Equal(from) {
		first = first.AddDate(0, 1, 0)
	}
	for m := first; !m.AddDate(0, 1, -1).After(to); m = m.AddDate(0, 1, 0) {
		full = append(full, m.Format("2006-01"))
	}
	if len(full) == 0 {
		return nil, nil
	}
	if first.After(from) {
		edges = append(edges, [2]string{since, first.AddDate(0, 0, -1).Format(dayLayout)})
	}
	if end := first.AddDate(0, len(full), 0); !end.After(to) {
		edges = append(edges, [2]string{end.Format(dayLayout), until})
	}
	return full, edges
}

// freshMonths rebuilds the tenant's months among months that are dirty
// or not built yet.
func (s *Store) freshMonths(ctx context.Context, tenantID string, months []string) error {
	fresh := map[string]bool{}
	rows, err := queryAll(ctx, s.db, func(r rowScanner) (string, error) {
		var m string
		return m, r.Scan(&m)
	}, `SELECT month FROM report_months WHERE tenant_id = $1 AND month >= $2 AND month <= $3 AND dirty = $4`,
		tenantID, months[0], months[len(months)-1], false)
	if err != nil {
		return err
	}
	for _, m := range rows {
		fresh[m] = true
	}
	for _, m := range months {
		if !fresh[m] {
			if err := s.rebuildMonth(ctx, tenantID, m); err != nil {
				return fmt.Errorf("store: monthly sums %s: %w", m, err)
			}
		}
	}
	return nil
}

// rebuildMonth sums one month's rows into the monthly tables.
func (s *Store) rebuildMonth(ctx context.Context, tenantID, month string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// Writers in flight commit first (markMonthIn).
		if err := lockMonth(ctx, tx, s.d, tenantID, month); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_months (tenant_id, month, dirty) VALUES ($1, $2, $3)
			ON CONFLICT (tenant_id, month) DO UPDATE SET dirty = excluded.dirty`, tenantID, month, false); err != nil {
			return err
		}
		for _, r := range rollups {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+r.months+` WHERE tenant_id = $1 AND month = $2`, tenantID, month); err != nil {
				return err
			}
			keys := "tenant_id, agent_id, team, channel, connector_id, test"
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+r.months+` (`+keys+`, month, `+strings.Join(r.cols, ", ")+`)
				SELECT `+keys+`, $2, `+strings.Join(r.sums, ", ")+` FROM `+r.source+`
				WHERE tenant_id = $1 AND day >= $3 AND day <= $4 GROUP BY `+keys,
				tenantID, month, month+"-01", month+"-31"); err != nil {
				return err
			}
		}
		return nil
	})
}

// monthFigures sums the monthly sums of months in the filter's
// dimensions.
func monthFigures[T any](ctx context.Context, s *Store, kind sumKind[T], f ReportFilter, by, interval string, months []string) ([]T, error) {
	if err := s.freshMonths(ctx, f.TenantID, months); err != nil {
		return nil, err
	}
	period := map[string]string{"": "''", IntervalMonth: "month", IntervalYear: "substr(month, 1, 4)"}[interval]
	group := "''"
	if by != "" {
		group = byColumn[by]
	}
	mf := f
	mf.Since, mf.Until = months[0], months[len(months)-1]
	w := mf.where("")
	where := strings.NewReplacer("day >=", "month >=", "day <=", "month <=").Replace(w.sql())
	sums := make([]string, len(kind.cols))
	for i, c := range kind.cols {
		sums[i] = "SUM(" + c + ")"
	}
	q := `SELECT CAST(` + period + ` AS TEXT), CAST(` + group + ` AS TEXT), ` + strings.Join(sums, ", ") +
		` FROM ` + kind.months + ` WHERE ` + where + ` GROUP BY 1, 2`
	out, err := queryAll(ctx, s.db, kind.scan, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: monthly %s: %w", kind.what, err)
	}
	return out, nil
}

// mergeRows adds up rows of the same period and group (from the monthly
// sums and the days around them), ordered by period and group, leaving
// out groups without any figure.
func mergeRows[T any](rows []T, kind sumKind[T]) []T {
	type key struct{ period, group string }
	at := map[key]int{}
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		p, g := kind.key(r)
		if i, ok := at[key{p, g}]; ok {
			out[i] = kind.add(out[i], r)
			continue
		}
		at[key{p, g}] = len(out)
		out = append(out, r)
	}
	out = slices.DeleteFunc(out, kind.empty)
	slices.SortFunc(out, func(a, b T) int {
		pa, ga := kind.key(a)
		pb, gb := kind.key(b)
		return cmp.Or(cmp.Compare(pa, pb), cmp.Compare(ga, gb))
	})
	return out
}

// AddScoreSums adds the sums of b to a: the figures of two groups
// together.
func AddScoreSums(a, b ScoreSums) ScoreSums {
	a.Counted += b.Counted
	a.Positive += b.Positive
	a.ScoreTotal += b.ScoreTotal
	a.Excluded += b.Excluded
	a.Rewards += b.Rewards
	for i := range 5 {
		a.Scores[i] += b.Scores[i]
		a.Excellence[i] += b.Excellence[i]
		a.Improvement[i] += b.Improvement[i]
	}
	return a
}
