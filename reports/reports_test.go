package reports_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/reports"
	"github.com/plaudit/plaudit/store"
)

// world is a tenant with two teams of agents and their answers, in a
// SQLite store.
type world struct {
	st     *store.Store
	svc    *reports.Service
	tenant plaudit.Tenant
	n      int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	kr, err := keyring.New(keyring.RandomBytes(keyring.KeySize), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), "", t.TempDir(), kr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	tn := plaudit.Tenant{Name: "Nordlicht", Settings: plaudit.DefaultSettings()}
	tn.Settings.LeaderboardMinResponses = 3
	if err := st.CreateTenant(t.Context(), &tn); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	return &world{st: st, tenant: tn, svc: &reports.Service{Store: st, Now: func() time.Time { return now }}}
}

// answer records one answered request of agent (in team) on day.
func (w *world) answer(t *testing.T, agent, team string, score int, day string) plaudit.Response {
	t.Helper()
	ctx := t.Context()
	w.n++
	in := plaudit.Interaction{TenantID: w.tenant.ID, Source: "api", DedupKey: fmt.Sprint("d", w.n), ExternalID: fmt.Sprint("T-", w.n),
		Event: plaudit.EventSolved, Customer: plaudit.Customer{Email: fmt.Sprintf("c%d@example.org", w.n)}}
	if _, err := w.st.InsertInteraction(ctx, &in); err != nil {
		t.Fatal(err)
	}
	d, _ := time.Parse(time.DateOnly, day)
	req := plaudit.FeedbackRequest{TenantID: w.tenant.ID, InteractionID: in.ID, AgentID: agent, Team: team, TicketID: in.ExternalID,
		Channel: plaudit.ChannelEmail, Recipient: in.Customer.Email, Status: plaudit.RequestSent, DueAt: d, SentAt: &d}
	if _, err := w.st.CreateRequest(ctx, &req); err != nil {
		t.Fatal(err)
	}
	r := plaudit.Response{TenantID: w.tenant.ID, RequestID: req.ID, AgentID: agent, TicketID: req.TicketID, Score: score, Source: plaudit.SourcePage}
	if _, err := w.st.CreateResponse(ctx, &r); err != nil {
		t.Fatal(err)
	}
	if err := w.st.RecordAggregate(ctx, r, req.Channel, d); err != nil {
		t.Fatal(err)
	}
	return r
}

func query(since, until string, mod func(*reports.Query)) reports.Query {
	q := reports.Query{Since: since, Until: until}
	if mod != nil {
		mod(&q)
	}
	return q
}

func TestCSATDefinitionAndComparison(t *testing.T) {
	w := newWorld(t)
	for _, s := range []int{5, 4, 3, 1} {
		w.answer(t, "agt_max", "EU", s, "2026-03-10")
	}
	w.answer(t, "agt_max", "EU", 5, "2026-02-20") // the previous period
	r, err := w.svc.CSAT(t.Context(), reports.TenantScope(w.tenant.ID), query("2026-03-01", "2026-03-28", func(q *reports.Query) {
		q.By, q.Compare = "agent", true
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Data) != 1 || r.Data[0].Responses != 4 || *r.Data[0].CSAT != 0.5 || *r.Data[0].Average != 3.25 {
		t.Fatalf("March: %+v", r.Data)
	}
	if p := r.Data[0].Previous; p == nil || p.Responses != 1 || *p.CSAT != 1 || r.PreviousSince != "2026-02-01" || r.PreviousUntil != "2026-02-28" {
		t.Errorf("previous period %s–%s: %+v", r.PreviousSince, r.PreviousUntil, p)
	}
	// Whole months compare with whole months; other ranges with as many days.
	for _, c := range []struct{ since, until, prevSince, prevUntil string }{
		{"2026-04-01", "2026-04-30", "2026-03-01", "2026-03-31"},
		{"2026-03-01", "2026-03-31", "2026-02-01", "2026-02-28"},
		{"2026-01-01", "2026-03-31", "2025-10-01", "2025-12-31"},
		{"2026-03-10", "2026-03-16", "2026-03-03", "2026-03-09"},
	} {
		r, err := w.svc.CSAT(t.Context(), reports.TenantScope(w.tenant.ID), query(c.since, c.until, func(q *reports.Query) { q.Compare = true }))
		if err != nil || r.PreviousSince != c.prevSince || r.PreviousUntil != c.prevUntil {
			t.Errorf("%s–%s compares with %s–%s (%v), want %s–%s", c.since, c.until, r.PreviousSince, r.PreviousUntil, err, c.prevSince, c.prevUntil)
		}
	}
	if r.Definitions["csat"] == "" {
		t.Error("the report does not define csat")
	}
	empty, err := w.svc.CSAT(t.Context(), reports.TenantScope(w.tenant.ID), query("2025-01-01", "2025-01-31", nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(empty.Data) != 0 || empty.Totals.Responses != 0 || empty.Totals.CSAT != nil || empty.Totals.Average != nil {
		t.Errorf("no responses: %+v, want n 0 and no CSAT (null, not 0)", empty.Totals)
	}
}

func TestScopeKeepsLeadsToTheirTeamAndAgentsToThemselves(t *testing.T) {
	w := newWorld(t)
	w.answer(t, "agt_max", "EU", 5, "2026-03-10")
	w.answer(t, "agt_lena", "EU", 1, "2026-03-10")
	w.answer(t, "agt_ola", "US", 3, "2026-03-10")
	ctx, q := t.Context(), query("2026-03-01", "2026-03-31", func(q *reports.Query) { q.By = "agent" })
	groups := func(sc reports.Scope, q reports.Query) []string {
		t.Helper()
		r, err := w.svc.CSAT(ctx, sc, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, row := range r.Data {
			out = append(out, row.Group)
		}
		return out
	}
	if g := groups(reports.TenantScope(w.tenant.ID), q); fmt.Sprint(g) != "[agt_lena agt_max agt_ola]" {
		t.Errorf("tenant sees %v", g)
	}
	if g := groups(reports.TeamScope(w.tenant.ID, "EU"), q); fmt.Sprint(g) != "[agt_lena agt_max]" {
		t.Errorf("EU's lead sees %v", g)
	}
	if g := groups(reports.AgentScope(w.tenant.ID, "agt_max"), q); fmt.Sprint(g) != "[agt_max]" {
		t.Errorf("Max sees %v", g)
	}
	for name, sc := range map[string]reports.Scope{"a lead": reports.TeamScope(w.tenant.ID, "EU"), "an agent": reports.AgentScope(w.tenant.ID, "agt_max")} {
		other := q
		other.Team, other.AgentID = "US", "agt_ola"
		if _, err := w.svc.CSAT(ctx, sc, other); plaudit.ErrorCode(err) != plaudit.EForbidden {
			t.Errorf("%s asking for another team: %v, want forbidden", name, err)
		}
		if _, err := w.svc.Responses(ctx, sc, other, reports.Drill{}); plaudit.ErrorCode(err) != plaudit.EForbidden {
			t.Errorf("%s drilling into another team: %v, want forbidden", name, err)
		}
	}
	if _, err := reports.TeamScope(w.tenant.ID, "EU").Stream("", "US", false, time.Now()); plaudit.ErrorCode(err) != plaudit.EForbidden {
		t.Errorf("a lead's stream of another team: %v", err)
	}
	f, err := reports.AgentScope(w.tenant.ID, "agt_max").Stream("", "", false, time.Now())
	if err != nil || f.AgentID != "agt_max" || f.TenantID != w.tenant.ID {
		t.Errorf("an agent's stream: %+v %v, want their own", f, err)
	}
	drill, err := w.svc.Responses(ctx, reports.TeamScope(w.tenant.ID, "US"), q, reports.Drill{})
	if err != nil || len(drill.Data) != 1 || drill.Data[0].AgentID != "agt_ola" {
		t.Errorf("US lead's drill-down: %+v %v", drill.Data, err)
	}
}

func TestLeaderboardRanksByWilsonLowerBound(t *testing.T) {
	w := newWorld(t)
	for i := 0; i < 3; i++ { // 3 of 3: a perfect share on little evidence
		w.answer(t, "agt_few", "EU", 5, "2026-03-10")
	}
	for i := 0; i < 20; i++ { // 19 of 20
		s := 5
		if i == 0 {
			s = 2
		}
		w.answer(t, "agt_many", "EU", s, "2026-03-11")
	}
	for i := 0; i < 4; i++ { // ties with agt_tie
		w.answer(t, "agt_tie", "US", 4, "2026-03-12")
		w.answer(t, "agt_tie2", "US", 4, "2026-03-12")
	}
	w.answer(t, "agt_new", "EU", 5, "2026-03-13") // below the minimum n (3)
	b, err := w.svc.Leaderboard(t.Context(), reports.TenantScope(w.tenant.ID), query("2026-03-01", "2026-03-31", nil))
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range b.Data {
		rank := "-"
		if r.Rank != nil {
			rank = fmt.Sprint(*r.Rank)
		}
		order = append(order, rank+":"+r.AgentID)
	}
	if got := fmt.Sprint(order); got != "[1:agt_many 2:agt_tie 2:agt_tie2 4:agt_few -:agt_new]" {
		t.Errorf("leaderboard %s", got)
	}
	if lb := reports.WilsonLower(19, 20); math.Abs(lb-0.7639) > 0.0005 {
		t.Errorf("Wilson lower bound of 19/20 = %.4f, want 0.7639", lb)
	}
	if reports.WilsonLower(0, 0) != 0 || reports.WilsonLower(0, 5) != 0 {
		t.Error("Wilson lower bound of no answers or no positive ones must be 0")
	}
	eu, err := w.svc.Leaderboard(t.Context(), reports.TenantScope(w.tenant.ID), query("2026-03-01", "2026-03-31", func(q *reports.Query) { q.Team = "EU" }))
	if err != nil || len(eu.Data) != 3 {
		t.Errorf("EU's leaderboard: %+v %v", eu.Data, err)
	}
}

// TestCSVSaysWhatTheJSONSays: every CSV cell is the JSON row's field.
func TestCSVSaysWhatTheJSONSays(t *testing.T) {
	w := newWorld(t)
	w.answer(t, "agt_max", "EU", 5, "2026-03-10")
	w.answer(t, "agt_max", "EU", 2, "2026-03-12")
	w.answer(t, "agt_lena", "US", 4, "2026-02-12")
	r, err := w.svc.CSAT(t.Context(), reports.TenantScope(w.tenant.ID), query("2026-03-01", "2026-03-31", func(q *reports.Query) {
		q.By, q.Compare = "team", true
	}))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := reports.WriteCSV(&buf, r.Data); err != nil {
		t.Fatal(err)
	}
	lines, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(r.Data)
	var rows []map[string]any
	json.Unmarshal(raw, &rows)
	if len(lines) != len(rows)+1 {
		t.Fatalf("%d CSV lines for %d rows", len(lines), len(rows))
	}
	for i, row := range rows {
		for col, name := range lines[0] {
			if got, want := lines[i+1][col], cellOf(row, name); got != want {
				t.Errorf("row %d %s: CSV %q, JSON %q", i, name, got, want)
			}
		}
	}
	if lines[0][0] != "period" || lines[1][1] != "EU" || !contains(lines[0], "previous.csat") || !contains(lines[0], "excellence.fast") {
		t.Errorf("CSV header %v, first row %v", lines[0], lines[1])
	}
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

// cellOf finds a dotted name's value in a decoded JSON row, formatted as
// the CSV has it.
func cellOf(row map[string]any, name string) string {
	var v any = row
	for _, part := range bytes.Split([]byte(name), []byte(".")) {
		m, ok := v.(map[string]any)
		if !ok {
			return "?"
		}
		v = m[string(part)]
	}
	switch x := v.(type) {
	case nil:
		return ""
	case []any:
		s := ""
		for i, e := range x {
			if i > 0 {
				s += "; "
			}
			s += fmt.Sprint(e)
		}
		return s
	case float64:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

func TestParseQueryNamesTheField(t *testing.T) {
	today := time.Date(2026, 3, 31, 23, 30, 0, 0, time.FixedZone("Berlin", 3600))
	get := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	q, err := reports.ParseQuery(get(nil), today)
	if err != nil || q.Since != "2026-03-02" || q.Until != "2026-03-31" {
		t.Errorf("default range: %+v %v, want the last 30 days to the tenant's today", q, err)
	}
	for field, params := range map[string]map[string]string{
		"since":    {"since": "yesterday"},
		"until":    {"until": "2026-13-01"},
		"by":       {"by": "colour"},
		"interval": {"interval": "fortnight"},
		"compare":  {"compare": "maybe"},
	} {
		if _, err := reports.ParseQuery(get(params), today); plaudit.ErrorCode(err) != plaudit.EInvalid || !bytes.Contains([]byte(plaudit.ErrorMessage(err)), []byte(field)) {
			t.Errorf("%v: %v, want an error naming %s", params, err, field)
		}
	}
	if _, err := reports.ParseQuery(get(map[string]string{"since": "2026-04-01", "until": "2026-03-01"}), today); err == nil {
		t.Error("since after until accepted")
	}
}
