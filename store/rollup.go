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

// monthSumCols are aggregate_months' sum columns, in scoreSumCols' order.
var monthSumCols = []string{"counted", "positive", "score_total", "s1", "s2", "s3", "s4", "s5", "excluded", "rewards",
	"e1", "e2", "e3", "e4", "e5", "i1", "i2", "i3", "i4", "i5"}

// markMonth marks the month of day (yyyy-mm-dd) dirty.
func markMonth(ctx context.Context, q queryer, tenantID, day string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO report_months (tenant_id, month, dirty) VALUES ($1, $2, $3)
		ON CONFLICT (tenant_id, month) DO UPDATE SET dirty = excluded.dirty`, tenantID, day[:7], true)
	return err
}

// forgetMonths drops a tenant's monthly sums, to be rebuilt when next
// read (after a team's rename).
func forgetMonths(ctx context.Context, q queryer, tenantID string) error {
	for _, table := range []string{"aggregate_months", "report_months"} {
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

// rebuildMonth sums one month's aggregates into aggregate_months.
func (s *Store) rebuildMonth(ctx context.Context, tenantID, month string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_months (tenant_id, month, dirty) VALUES ($1, $2, $3)
			ON CONFLICT (tenant_id, month) DO UPDATE SET dirty = excluded.dirty`, tenantID, month, false); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM aggregate_months WHERE tenant_id = $1 AND month = $2`, tenantID, month); err != nil {
			return err
		}
		keys := "tenant_id, agent_id, team, channel, connector_id, test"
		_, err := tx.ExecContext(ctx, `INSERT INTO aggregate_months (`+keys+`, month, `+strings.Join(monthSumCols, ", ")+`)
			SELECT `+keys+`, $2, `+strings.Join(scoreSumCols, ", ")+` FROM aggregates
			WHERE tenant_id = $1 AND day >= $3 AND day <= $4 GROUP BY `+keys,
			tenantID, month, month+"-01", month+"-31")
		return err
	})
}

// monthScores sums the monthly sums of months in the filter's
// dimensions.
func (s *Store) monthScores(ctx context.Context, f ReportFilter, by, interval string, months []string) ([]ScoreSums, error) {
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
	sums := make([]string, len(monthSumCols))
	for i, c := range monthSumCols {
		sums[i] = "SUM(" + c + ")"
	}
	q := `SELECT CAST(` + period + ` AS TEXT), CAST(` + group + ` AS TEXT), ` + strings.Join(sums, ", ") +
		` FROM aggregate_months WHERE ` + where + ` GROUP BY 1, 2`
	out, err := queryAll(ctx, s.db, scanScoreSums, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: monthly figures: %w", err)
	}
	return out, nil
}

// mergeScoreSums adds up rows of the same period and group (from the
// monthly sums and the days around them), ordered by period and group,
// leaving out groups without any response.
func mergeScoreSums(rows []ScoreSums) []ScoreSums {
	type key struct{ period, group string }
	at := map[key]int{}
	out := make([]ScoreSums, 0, len(rows))
	for _, r := range rows {
		k := key{r.Period, r.Group}
		if i, ok := at[k]; ok {
			out[i] = AddScoreSums(out[i], r)
			continue
		}
		at[k] = len(out)
		out = append(out, r)
	}
	out = slices.DeleteFunc(out, func(g ScoreSums) bool { return g.Counted+g.Excluded == 0 })
	slices.SortFunc(out, func(a, b ScoreSums) int {
		return cmp.Or(cmp.Compare(a.Period, b.Period), cmp.Compare(a.Group, b.Group))
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
