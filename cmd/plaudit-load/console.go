package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/server"
	"github.com/plaudit/plaudit/store"
)

// Mode console: a tenant with -responses responses (each with its
// interaction and request, as the gateway stores them) over -days days
// for -agents agents in -teams teams, and a tenth as many audit events,
// generated into PostgreSQL; then the console's pages, served by the real
// server on a loopback port and fetched over HTTP with an admin's (or a
// lead's) session cookie, -runs rounds in random order. The baseline,
// in each round: the responses page of a tenant with no responses (the
// same server, session, template and query, on an empty table).

// generateConsoleSQL writes, for tenant $1, $2 interactions, requests
// and responses: the i-th at $3 + i·$4 seconds, agent i·7919 mod $5, a
// score, a comment, 1 in 50 from a test key; and $2/10 audit events.
// Each statement takes the parameters it names, in that order.
var generateConsoleSQL = []struct {
	q    string
	args []int // which of $1…$5, in order
}{
	{`INSERT INTO interactions (id, tenant_id, connector_id, source, dedup_key, external_id, event, channel, customer_name,
	customer_email, customer_phone, customer_language, customer_country, customer_time_zone, agent_external_id, agent_email,
	agent_name, do_not_send, tags, brand, test, needs_enrich, status, created_at)
SELECT 'int_gen_' || i, $1, '', 'api', 'T-' || i, 'T-' || i, 'solved', 'email', '', '', '', 'en', '', '', '', '', '',
	false, '[]', '', i % 50 = 0, false, 'processed', CAST($3 AS timestamptz) + i * CAST($4 AS float8) * interval '1 second'
FROM generate_series(CAST(1 AS bigint), $2) AS i`, []int{1, 2, 3, 4}},
	{`INSERT INTO feedback_requests (id, tenant_id, interaction_id, connector_id, agent_id, ticket_id, channel, recipient,
	recipient_hash, language, status, reason, test, due_at, sent_at, attempts, created_at, updated_at)
SELECT 'req_gen_' || i, $1, 'int_gen_' || i, '', 'agt_gen_' || lpad(CAST((i * 7919) % $5 AS text), 4, '0'), 'T-' || i,
	'email', '', '', 'en', 'responded', '', i % 50 = 0, t, t, 1, t, t
FROM (SELECT i, CAST($3 AS timestamptz) + i * CAST($4 AS float8) * interval '1 second' AS t FROM generate_series(CAST(1 AS bigint), $2) AS i) g`, []int{1, 2, 3, 4, 5}},
	{`INSERT INTO responses (id, tenant_id, request_id, agent_id, ticket_id, score, comment, excellence, improvement, reward,
	source, automated, test, version, written_version, writeback_status, writeback_error, created_at, updated_at)
SELECT 'rsp_gen_' || i, $1, 'req_gen_' || i, 'agt_gen_' || lpad(CAST((i * 7919) % $5 AS text), 4, '0'), 'T-' || i,
	1 + CAST((i * 2654435761) % 5 AS int), 'Generated answer number ' || i, '["fast"]', '[]', false, 'page', i % 97 = 0,
	i % 50 = 0, 1, 1, 'done', '', t, t
FROM (SELECT i, CAST($3 AS timestamptz) + i * CAST($4 AS float8) * interval '1 second' AS t FROM generate_series(CAST(1 AS bigint), $2) AS i) g`, []int{1, 2, 3, 4, 5}},
	{`INSERT INTO audit_events (id, tenant_id, actor, action, target, detail, created_at)
SELECT 'aud_gen_' || i, $1, 'key:gen', 'agent.update', 'agt_gen_0001', '', CAST($3 AS timestamptz) + i * 10 * CAST($4 AS float8) * interval '1 second'
FROM generate_series(CAST(1 AS bigint), $2 / 10) AS i`, []int{1, 2, 3, 4}},
	{`ANALYZE interactions, feedback_requests, responses, audit_events`, nil},
}

// consoleRun is the tenants of a console run and their sessions.
type consoleRun struct {
	url                string
	admin, lead, empty string // session cookies
	history            time.Duration
	start              time.Time
}

func runConsole(ctx context.Context, o options, stdout io.Writer) error {
	if o.databaseURL == "" {
		return errors.New("-mode console needs -database-url (PostgreSQL)")
	}
	st, kr, dbURL, undo, err := openHistoryStore(ctx, o)
	defer undo()
	if err != nil {
		return err
	}
	run, err := generateConsole(ctx, o, st, dbURL, stdout)
	if err != nil {
		return err
	}
	stop, err := serveConsole(st, kr, run)
	if err != nil {
		return err
	}
	defer stop()
	return timeConsole(ctx, o, run, stdout)
}

// generateConsole makes the tenants, the users with their sessions, the
// agents in their teams, and the history.
func generateConsole(ctx context.Context, o options, st *store.Store, dbURL string, out io.Writer) (*consoleRun, error) {
	run := &consoleRun{history: time.Duration(o.days) * 24 * time.Hour}
	run.start = time.Now().Add(-run.history)
	tn := plaudit.Tenant{Name: "Generated", Settings: plaudit.DefaultSettings()}
	empty := plaudit.Tenant{Name: "Empty", Settings: plaudit.DefaultSettings()}
	for _, t := range []*plaudit.Tenant{&tn, &empty} {
		if err := st.CreateTenant(ctx, t); err != nil {
			return nil, err
		}
	}
	for i := range o.teams {
		if err := st.CreateTeam(ctx, &plaudit.Team{TenantID: tn.ID, Name: fmt.Sprintf("team_%02d", i)}); err != nil {
			return nil, err
		}
	}
	for i := range o.agents {
		a := plaudit.Agent{ID: fmt.Sprintf("agt_gen_%04d", i), TenantID: tn.ID, Email: fmt.Sprintf("agent%d@generated.example", i),
			Name: fmt.Sprintf("Agent Number%d", i), Team: fmt.Sprintf("team_%02d", i%o.teams), Approved: true, ExternalIDs: map[string]string{}}
		if err := st.CreateAgent(ctx, &a); err != nil {
			return nil, err
		}
	}
	var err error
	if run.admin, err = consoleSession(ctx, st, empty.ID, plaudit.UserAdmin, ""); err == nil {
		run.empty = run.admin
		run.admin, err = consoleSession(ctx, st, tn.ID, plaudit.UserAdmin, "")
	}
	if err == nil {
		run.lead, err = consoleSession(ctx, st, tn.ID, plaudit.UserLead, "team_07")
	}
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	start := time.Now()
	step := run.history.Seconds() / float64(o.responses)
	params := []any{tn.ID, o.responses, run.start.UTC().Format(time.RFC3339), step, o.agents}
	for _, g := range generateConsoleSQL {
		args := make([]any, len(g.args))
		for i, n := range g.args {
			args[i] = params[n-1]
		}
		if _, err := db.ExecContext(ctx, g.q, args...); err != nil {
			return nil, fmt.Errorf("generate: %w", err)
		}
	}
	fmt.Fprintf(out, "generated %d responses (with their interactions and requests) and %d audit events over %d days for %d agents in %d teams in %s\n",
		o.responses, o.responses/10, o.days, o.agents, o.teams, time.Since(start).Round(time.Millisecond))
	return run, nil
}

// consoleSession makes a user of role and a signed-in session for them,
// as a sign-in does, and returns the cookie's value.
func consoleSession(ctx context.Context, st *store.Store, tenantID, role, team string) (string, error) {
	u := plaudit.User{TenantID: tenantID, Email: role + "@generated.example", Name: role, Role: role, Team: team}
	if err := st.CreateUser(ctx, &u); err != nil {
		return "", err
	}
	tok := keyring.Token(32)
	sess := store.Session{TenantID: tenantID, UserID: u.ID}
	return tok, st.CreateSession(ctx, keyring.SecretHash(tok), &sess, time.Now().Add(-time.Hour))
}

// serveConsole runs the gateway's server on a loopback port.
func serveConsole(st *store.Store, kr *keyring.Keyring, run *consoleRun) (func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	run.url = "http://" + ln.Addr().String()
	app := server.New(server.Config{Store: st, Keyring: kr, Kinds: connectors.Default(), PublicURL: run.url,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).App()
	go func() { _ = app.Listener(ln) }()
	return func() { _ = app.Shutdown() }, nil
}

// consoleBudget is the p95 every console page must keep at 1,000,000
// responses (DESIGN.md).
const consoleBudget = 200 * time.Millisecond

// timeConsole fetches each page -runs times (after 3 rounds of warm-up),
// in a random order each round, and reports them against the baseline.
func timeConsole(ctx context.Context, o options, run *consoleRun, out io.Writer) error {
	at := func() string { // a moment in the history, as an Older link carries it
		t := run.start.Add(time.Duration(rand.Int64N(int64(run.history))))
		return url.QueryEscape(t.UTC().Format(time.RFC3339Nano) + "~rsp_")
	}
	agent := func() string { return fmt.Sprintf("agt_gen_%04d", rand.IntN(o.agents)) }
	pages := []struct {
		name, cookie string
		path         func() string
	}{
		{"baseline: responses page, tenant with none", run.empty, func() string { return "/console/responses" }},
		{"overview", run.admin, func() string { return "/console/" }},
		{"responses, newest 200", run.admin, func() string { return "/console/responses" }},
		{"responses, an older page anywhere", run.admin, func() string { return "/console/responses?before=" + at() }},
		{"responses of one agent", run.admin, func() string { return "/console/responses?agent=" + agent() }},
		{"responses of one ticket", run.admin, func() string { return fmt.Sprintf("/console/responses?ticket=T-%d", 1+rand.IntN(o.responses)) }},
		{"a lead's responses (their team)", run.lead, func() string { return "/console/responses" }},
		{"one response", run.admin, func() string { return fmt.Sprintf("/console/responses/rsp_gen_%d", 1+rand.IntN(o.responses)) }},
		{"audit log, newest 500", run.admin, func() string { return "/console/audit" }},
		{"audit log, an older page anywhere", run.admin, func() string { return "/console/audit?before=" + at() }},
	}
	kinds := make([]*timed, len(pages))
	for i, p := range pages {
		kinds[i] = &timed{name: p.name}
	}
	client := &http.Client{Timeout: 30 * time.Second}
	for round := range o.runs + 3 {
		for _, i := range rand.Perm(len(pages)) {
			p := pages[i]
			start := time.Now()
			if err := fetchPage(ctx, client, run.url+p.path(), p.cookie); err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			if round >= 3 {
				kinds[i].lat = append(kinds[i].lat, time.Since(start))
			}
		}
	}
	if err := reportTimes(out, kinds, o); err != nil {
		return err
	}
	worst := kinds[1]
	for _, k := range kinds[1:] {
		if percentile(k.lat, .95) > percentile(worst.lat, .95) {
			worst = k
		}
	}
	verdict := "within"
	if percentile(worst.lat, .95) > consoleBudget {
		verdict = "OVER"
	}
	fmt.Fprintf(out, "slowest page: %s, p95 %s: %s the %s budget\n", worst.name, ms(percentile(worst.lat, .95)), verdict, ms(consoleBudget))
	return nil
}

// fetchPage GETs a console page with a session and reads it whole; only
// a 200 counts.
func fetchPage(ctx context.Context, client *http.Client, u, session string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.AddCookie(&http.Cookie{Name: "plaudit_session", Value: session})
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "</html>") {
		return fmt.Errorf("GET %s: %d", u, resp.StatusCode)
	}
	return nil
}
