package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/reports"
	"github.com/plaudit/plaudit/store"
)

// Mode reports: a generated history of -responses answers over -days days
// for -agents agents in -teams teams (aggregates and request facts, as the
// gateway writes them), then the report queries timed through the
// reports package, each round interleaved with a baseline: a bare count of
// the same month's aggregates, what a report without the monthly sums
// would read at the least.

// genStart is the first day of the generated history.
var genStart = time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)

// generateAggregatesSQL writes $6 responses: day spread over $3 days from
// $2, agent i·7919 mod $4 (so that each agent has every kind of day), a
// score whose odds differ by agent, 1 in 97 likely automated, 1 in 17
// with a reward, areas as bit sets.
const generateAggregatesSQL = `INSERT INTO aggregates (tenant_id, response_id, day, agent_id, channel, score, excellence, improvement,
	reward, test, team, connector_id, exclusion, excellence_bits, improvement_bits)
SELECT $1, 'gen_' || i, to_char(CAST($2 AS date) + CAST(i % $3 AS int), 'YYYY-MM-DD'), 'agt_gen_' || lpad(CAST(a AS text), 4, '0'),
	CASE WHEN i % 5 = 0 THEN 'sms' ELSE 'email' END, score, '[]', '[]', score >= 4 AND i % 17 = 0, false,
	'team_' || lpad(CAST(a % $5 AS text), 2, '0'), CASE WHEN i % 3 = 0 THEN 'con_b' ELSE 'con_a' END,
	CASE WHEN i % 97 = 0 THEN 'likely_automated' ELSE '' END, CAST((i * 7) % 32 AS int), CAST((i * 11) % 32 AS int)
FROM (SELECT i, a, CASE WHEN r < 350 + a % 300 THEN 5 WHEN r < 750 THEN 4 WHEN r < 860 THEN 3 WHEN r < 930 THEN 2 ELSE 1 END AS score
      FROM (SELECT i, (i * 7919) % $4 AS a, (i * 2654435761) % 1000 AS r FROM generate_series(CAST(1 AS bigint), $6) AS i) x) g`

// generateFactsSQL writes the requests behind them: 10 of every 14 were
// answered, the others delivered, sent, bounced or suppressed.
const generateFactsSQL = `INSERT INTO request_facts (tenant_id, request_id, day, agent_id, team, channel, connector_id, status, sent, suppressed, test)
SELECT $1, 'genreq_' || i, to_char(CAST($2 AS date) + CAST(i % $3 AS int), 'YYYY-MM-DD'), 'agt_gen_' || lpad(CAST(a AS text), 4, '0'),
	'team_' || lpad(CAST(a % $5 AS text), 2, '0'), CASE WHEN i % 5 = 0 THEN 'sms' ELSE 'email' END, 'con_a', s, s <> 'skipped', s = 'skipped', false
FROM (SELECT i, (i * 7919) % $4 AS a, (ARRAY['responded','responded','responded','responded','responded','responded','responded',
	'responded','responded','responded','delivered','sent','bounced','skipped'])[1 + i % 14] AS s
      FROM generate_series(CAST(1 AS bigint), $6) AS i) g`

func runReports(ctx context.Context, o options, stdout io.Writer) error {
	if o.databaseURL == "" {
		return errors.New("-mode reports needs -database-url (PostgreSQL)")
	}
	st, _, dbURL, undo, err := openHistoryStore(ctx, o)
	defer undo()
	if err != nil {
		return err
	}
	tn, err := generate(ctx, o, st, dbURL, stdout)
	if err != nil {
		return err
	}
	return timeReports(ctx, o, st, tn, dbURL, stdout)
}

// openHistoryStore opens the PostgreSQL store a generated history goes
// into (in a schema of the run's own with -temp-schema), migrated, with
// its new keyring. undo closes it and drops the schema; it is never nil.
func openHistoryStore(ctx context.Context, o options) (st *store.Store, kr *keyring.Keyring, dbURL string, undo func(), err error) {
	var undos []func()
	undo = func() {
		for i := len(undos) - 1; i >= 0; i-- {
			undos[i]()
		}
	}
	dbURL = o.databaseURL
	if o.tempSchema {
		if dbURL, err = tempSchema(ctx, dbURL, &undos); err != nil {
			return nil, nil, "", undo, err
		}
	}
	if kr, err = keyring.New(keyring.RandomBytes(keyring.KeySize), nil); err != nil {
		return nil, nil, "", undo, err
	}
	if st, err = store.Open(ctx, dbURL, "", kr); err != nil {
		return nil, nil, "", undo, err
	}
	undos = append(undos, func() { st.Close() })
	return st, kr, dbURL, undo, st.Migrate(ctx)
}

// generate makes the tenant (Europe/Berlin), its agents, and the history.
func generate(ctx context.Context, o options, st *store.Store, dbURL string, out io.Writer) (plaudit.Tenant, error) {
	tn := plaudit.Tenant{Name: "Generated", Settings: plaudit.DefaultSettings()}
	tn.Settings.Timezone = "Europe/Berlin"
	if err := st.CreateTenant(ctx, &tn); err != nil {
		return tn, err
	}
	for i := range o.agents {
		a := plaudit.Agent{ID: fmt.Sprintf("agt_gen_%04d", i), TenantID: tn.ID, Email: fmt.Sprintf("agent%d@generated.example", i),
			Name: fmt.Sprintf("Agent Number%d", i), Approved: true, ExternalIDs: map[string]string{}}
		if err := st.CreateAgent(ctx, &a); err != nil {
			return tn, err
		}
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return tn, err
	}
	defer db.Close()
	start := time.Now()
	facts := o.responses * 14 / 10
	for _, g := range []struct {
		q string
		n int
	}{{generateAggregatesSQL, o.responses}, {generateFactsSQL, facts}} {
		if _, err := db.ExecContext(ctx, g.q, tn.ID, genStart.Format(time.DateOnly), o.days, o.agents, o.teams, g.n); err != nil {
			return tn, fmt.Errorf("generate: %w", err)
		}
	}
	if _, err := db.ExecContext(ctx, `ANALYZE aggregates; ANALYZE request_facts`); err != nil {
		return tn, err
	}
	fmt.Fprintf(out, "generated %d responses and %d requests over %d days for %d agents in %d teams in %s\n",
		o.responses, facts, o.days, o.agents, o.teams, time.Since(start).Round(time.Millisecond))
	// A running gateway has built the monthly sums of past months when
	// they were first read; the first read of the whole history builds
	// them here.
	start = time.Now()
	until := genStart.AddDate(0, 0, o.days-1).Format(time.DateOnly)
	if _, err := st.ScoreFigures(ctx, store.ReportFilter{TenantID: tn.ID, Since: genStart.Format(time.DateOnly), Until: until}, "", ""); err != nil {
		return tn, err
	}
	fmt.Fprintf(out, "built the monthly sums of %d months in %s (the first read of each month does this once)\n",
		o.days/31, time.Since(start).Round(time.Millisecond))
	return tn, nil
}

// timed is one kind of query and its latencies.
type timed struct {
	name string
	run  func(ctx context.Context, month time.Time) error
	lat  []time.Duration
}

func timeReports(ctx context.Context, o options, st *store.Store, tn plaudit.Tenant, dbURL string, out io.Writer) error {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &reports.Service{Store: st}
	sc := reports.TenantScope(tn.ID)
	month := func(m time.Time) reports.Query {
		return reports.Query{Since: m.Format(time.DateOnly), Until: m.AddDate(0, 1, -1).Format(time.DateOnly)}
	}
	kinds := []*timed{
		{name: "baseline: count the month's rows", run: func(ctx context.Context, m time.Time) error {
			q := month(m)
			var n int
			return db.QueryRowContext(ctx, `SELECT count(*) FROM aggregates WHERE tenant_id = $1 AND day >= $2 AND day <= $3`,
				tn.ID, q.Since, q.Until).Scan(&n)
		}},
		{name: "monthly CSAT by agent, with the month before", run: func(ctx context.Context, m time.Time) error {
			q := month(m)
			q.By, q.Compare = store.ByAgent, true
			_, err := svc.CSAT(ctx, sc, q)
			return err
		}},
		{name: "leaderboard of the month", run: func(ctx context.Context, m time.Time) error {
			_, err := svc.Leaderboard(ctx, sc, month(m))
			return err
		}},
		{name: "leaderboard of a team, quarter", run: func(ctx context.Context, m time.Time) error {
			q := month(m)
			q.Until, q.Team = m.AddDate(0, 3, -1).Format(time.DateOnly), "team_07"
			_, err := svc.Leaderboard(ctx, sc, q)
			return err
		}},
		{name: "monthly response rate by agent", run: func(ctx context.Context, m time.Time) error {
			q := month(m)
			q.By = store.ByAgent
			_, err := svc.ResponseRate(ctx, sc, q)
			return err
		}},
		{name: "12-month CSAT trend by agent", run: func(ctx context.Context, m time.Time) error {
			q := month(m)
			q.Until, q.By, q.Interval = m.AddDate(1, 0, -1).Format(time.DateOnly), store.ByAgent, store.IntervalMonth
			_, err := svc.CSAT(ctx, sc, q)
			return err
		}},
	}
	months := o.days / 31
	for round := range o.runs + 3 { // 3 rounds of warm-up
		m := genStart.AddDate(0, rand.IntN(max(months-12, 1)), 0)
		order := rand.Perm(len(kinds))
		for _, i := range order {
			start := time.Now()
			if err := kinds[i].run(ctx, m); err != nil {
				return fmt.Errorf("%s: %w", kinds[i].name, err)
			}
			if round >= 3 {
				kinds[i].lat = append(kinds[i].lat, time.Since(start))
			}
		}
	}
	return reportTimes(out, kinds, o)
}

func reportTimes(out io.Writer, kinds []*timed, o options) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\truns\tp50\tp95\tp99\tmax\tp95 ÷ baseline p95\t")
	base := time.Duration(0)
	for i, k := range kinds {
		slices.Sort(k.lat)
		p95 := percentile(k.lat, .95)
		if i == 0 {
			base = p95
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%.1f\t\n", k.name, len(k.lat), ms(percentile(k.lat, .50)), ms(p95),
			ms(percentile(k.lat, .99)), ms(k.lat[len(k.lat)-1]), float64(p95)/float64(base))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "RESULT mode=%s responses=%d agents=%d days=%d runs=%d", o.mode, o.responses, o.agents, o.days, o.runs)
	for i, k := range kinds {
		fmt.Fprintf(out, " q%d_p50_ms=%.1f q%d_p95_ms=%.1f", i, ms64(percentile(k.lat, .50)), i, ms64(percentile(k.lat, .95)))
	}
	fmt.Fprintln(out)
	return nil
}

func ms64(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
