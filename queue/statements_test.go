package queue

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/feedback"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/store"
)

// The worker's cost per interaction is its round trips to the database
// (docs/benchmarks.md). These are the counts of one batch of interactions
// that arrived together, decided in one task and sent in tasks of sends
// due in the same second, with the store wired as cmd/plaudit wires it
// (tenants and agents through the directory cache). The same interactions
// taken one by one, as each was before batches, are counted beside them.
const (
	countBatch = 32
	// The batch's decision: a read of the interactions, one screen of
	// the addresses, one transaction (requests, their facts, the month,
	// the interactions marked), and the first reads of tenant and agent.
	maxDecideStatements = 0.5
	maxDecideCommits    = 0.1
	// A send: claim, interaction, suppression check, and the mark sent
	// with its fact (read the old day, mark the month, write the fact)
	// and the provider's acceptance (provider_messages, the evidence a
	// retake looks for); tenant and agent come from the cache but for the
	// first reads. On PostgreSQL one more: the month's shared lock
	// (store.markMonthIn).
	maxSendStatements = 8.25
	maxSendCommits    = 2.0
)

func TestStatementsPerInteraction(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		countStatements(t, func() string { return "" }, 0)
	})
	t.Run("postgres", func(t *testing.T) {
		countStatements(t, func() string { return testenv.DatabaseURL(t) }, 1)
	})
}

func countStatements(t *testing.T, dbURL func() string, monthLock float64) {
	ctx := context.Background()
	batch := newCountFixture(t, dbURL())
	alone := newCountFixture(t, dbURL())

	ids := batch.ingest(t, countBatch)
	before := batch.st.SQLCounts()
	task, err := NewInteractionBatchTask(Batch{{TenantID: batch.tenant.ID, IDs: ids}})
	if err != nil {
		t.Fatal(err)
	}
	if err := batch.w.HandleInteractionBatch(ctx, task); err != nil {
		t.Fatalf("HandleInteractionBatch: %v", err)
	}
	decided := batch.st.SQLCounts()
	sendTasks := batch.runQueued(t, TypeSendBatch, batch.w.HandleSendBatch) + batch.runQueued(t, TypeSend, batch.w.HandleSend)
	sent := batch.st.SQLCounts()
	batch.wantSentOnce(t, ids)

	oneIDs := alone.ingest(t, countBatch)
	oneBefore := alone.st.SQLCounts()
	for _, id := range oneIDs {
		task, _ := NewInteractionTask(alone.tenant.ID, id)
		if err := alone.w.HandleInteraction(ctx, task); err != nil {
			t.Fatal(err)
		}
	}
	oneDecided := alone.st.SQLCounts()
	alone.runQueued(t, TypeSend, alone.w.HandleSend)
	oneSent := alone.st.SQLCounts()
	alone.wantSentOnce(t, oneIDs)

	per := func(c store.SQLCounts) string {
		return fmt.Sprintf("%.2f statements, %.2f commits", float64(c.Statements)/countBatch, float64(c.Commits)/countBatch)
	}
	t.Logf("batch of %d: decide %s; send %s (%d send tasks)", countBatch, per(decided.Sub(before)), per(sent.Sub(decided)), sendTasks)
	t.Logf("one by one: decide %s; send %s", per(oneDecided.Sub(oneBefore)), per(oneSent.Sub(oneDecided)))

	check := func(what string, c store.SQLCounts, maxStatements, maxCommits float64) {
		t.Helper()
		if s := float64(c.Statements) / countBatch; s > maxStatements {
			t.Errorf("%s: %.2f statements per interaction, want at most %.2f", what, s, maxStatements)
		}
		if s := float64(c.Commits) / countBatch; s > maxCommits {
			t.Errorf("%s: %.2f commits per interaction, want at most %.2f", what, s, maxCommits)
		}
	}
	check("decide", decided.Sub(before), maxDecideStatements, maxDecideCommits)
	check("send", sent.Sub(decided), maxSendStatements+monthLock, maxSendCommits)
	if sendTasks > 2*countBatch/maxSendBatch+1 {
		t.Errorf("%d send tasks for %d sends due at once, want them in batches of %d", sendTasks, countBatch, maxSendBatch)
	}
	// The counter sees what the one-by-one path costs: far more.
	if b, o := decided.Sub(before).Statements, oneDecided.Sub(oneBefore).Statements; o < 5*b {
		t.Errorf("one by one the decisions took %d statements, batched %d: the batch saves less than expected", o, b)
	}
}

type countFixture struct {
	st     *store.Store
	w      *Worker
	rec    *recorder
	tenant plaudit.Tenant
	insp   *asynq.Inspector
}

func newCountFixture(t *testing.T, dbURL string) *countFixture {
	t.Helper()
	ctx := context.Background()
	kr, err := keyring.New(keyring.RandomBytes(32), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, dbURL, t.TempDir(), kr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e, err := StartEmbedded("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	q := NewClient(e.ConnOpt())
	t.Cleanup(func() { q.Close() })
	f := &countFixture{st: st, rec: &recorder{}, insp: asynq.NewInspector(e.ConnOpt())}
	t.Cleanup(func() { f.insp.Close() })
	f.tenant = plaudit.Tenant{Name: "Acme", Settings: plaudit.DefaultSettings()}
	f.tenant.Settings.DelaySeconds = 0
	if err := st.CreateTenant(ctx, &f.tenant); err != nil {
		t.Fatal(err)
	}
	agent := plaudit.Agent{TenantID: f.tenant.ID, Email: "max@acme.example", Name: "Max Muster", Approved: true,
		ExternalIDs: map[string]string{"zendesk": "42"}}
	if err := st.CreateAgent(ctx, &agent); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cached := store.Cached{Store: st}
	f.w = &Worker{Store: cached, Queue: q, Log: log, Feedback: &feedback.Service{
		Store: cached, Tasks: q, Email: f.rec, SMS: f.rec, PublicURL: "https://fb.example", Log: log}}
	return f
}

// ingest stores n solved interactions, each for another customer.
func (f *countFixture) ingest(t *testing.T, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		in := plaudit.Interaction{TenantID: f.tenant.ID, Source: "zendesk", Event: plaudit.EventSolved,
			DedupKey: keyring.Token(8), ExternalID: fmt.Sprint(1000 + i), Agent: plaudit.AgentRef{ExternalID: "42"},
			Customer: plaudit.Customer{Email: fmt.Sprintf("customer%d@example.org", i)}}
		if _, err := f.st.InsertInteraction(context.Background(), &in); err != nil {
			t.Fatal(err)
		}
		ids[i] = in.ID
	}
	return ids
}

// runQueued runs every queued task of type typ with handle, once, and
// says how many there were.
func (f *countFixture) runQueued(t *testing.T, typ string, handle func(context.Context, *asynq.Task) error) int {
	t.Helper()
	var n int
	for _, list := range []func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){f.insp.ListPendingTasks, f.insp.ListScheduledTasks} {
		tasks, err := list(QueueCritical, asynq.PageSize(10*countBatch))
		if err != nil {
			t.Fatal(err)
		}
		for _, ti := range tasks {
			if ti.Type != typ {
				continue
			}
			n++
			if err := handle(context.Background(), asynq.NewTask(ti.Type, ti.Payload)); err != nil {
				t.Fatalf("%s: %v", typ, err)
			}
		}
	}
	return n
}

// wantSentOnce checks that each interaction's request went out, once.
func (f *countFixture) wantSentOnce(t *testing.T, ids []string) {
	t.Helper()
	reqs, err := f.st.RequestsOfInteractions(context.Background(), f.tenant.ID, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != len(ids) {
		t.Fatalf("%d requests for %d interactions", len(reqs), len(ids))
	}
	for _, r := range reqs {
		if r.Status != plaudit.RequestSent {
			t.Errorf("request %s is %s/%s, want sent", r.ID, r.Status, r.Reason)
		}
	}
	f.rec.mu.Lock()
	defer f.rec.mu.Unlock()
	if len(f.rec.email) != len(ids) {
		t.Errorf("%d emails for %d interactions, want one each", len(f.rec.email), len(ids))
	}
}
