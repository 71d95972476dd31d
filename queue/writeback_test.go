package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/feedback"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/store"
)

// answer is what a stub driver returns for one writeback call.
type answer struct {
	status int
	err    error
}

// stubDriver answers writebacks from a script (the last answer repeats)
// and reports the status as the standard and salesforce drivers do.
type stubDriver struct {
	mu      sync.Mutex
	answers []answer
	calls   int
}

func (d *stubDriver) Receive(context.Context, plaudit.Delivery) ([]plaudit.Event, error) {
	return nil, nil
}

func (d *stubDriver) Writeback(ctx context.Context, w plaudit.Writeback) error {
	_, err := d.WritebackStatus(ctx, w)
	return err
}

func (d *stubDriver) WritebackStatus(context.Context, plaudit.Writeback) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	a := d.answers[min(d.calls, len(d.answers))-1]
	return a.status, a.err
}

func (d *stubDriver) Calls() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls
}

// plainDriver reports no status, as the zendesk driver does.
type plainDriver struct{ err error }

func (d plainDriver) Receive(context.Context, plaudit.Delivery) ([]plaudit.Event, error) {
	return nil, nil
}
func (d plainDriver) Writeback(context.Context, plaudit.Writeback) error { return d.err }

type driverMap map[string]plaudit.Driver

// stubConnectors serves connectors from the store with drivers from a map,
// as connectors.Cache does with the registry's; a connector missing from
// the map is one whose config its kind refuses.
type stubConnectors struct {
	st *store.Store
	m  driverMap
}

func (c stubConnectors) Get(ctx context.Context, id string) (plaudit.Connector, plaudit.Driver, error) {
	con, err := c.st.ConnectorByID(ctx, id)
	if err != nil {
		return con, nil, err
	}
	if d, ok := c.m[id]; ok {
		return con, d, nil
	}
	return con, nil, plaudit.Errorf(plaudit.EInvalid, "config.callback_url must be an https URL")
}

// answered stores a connector's interaction, its sent request and a
// response to it, ready for writeback.
func (f *fixture) answered(t *testing.T, kind string) (plaudit.Connector, plaudit.Response) {
	t.Helper()
	ctx := context.Background()
	con := plaudit.Connector{TenantID: f.tenant.ID, Kind: kind, Name: kind, Config: json.RawMessage(`{}`)}
	must(t, f.st.CreateConnector(ctx, &con))
	in := plaudit.Interaction{TenantID: f.tenant.ID, ConnectorID: con.ID, Source: kind, DedupKey: keyring.Token(8),
		ExternalID: "INC-1", Event: plaudit.EventSolved, Customer: plaudit.Customer{Email: "kim@example.org"}}
	_, err := f.st.InsertInteraction(ctx, &in)
	must(t, err)
	req := plaudit.FeedbackRequest{TenantID: f.tenant.ID, InteractionID: in.ID, ConnectorID: con.ID, AgentID: f.agent.ID,
		TicketID: in.ExternalID, Channel: plaudit.ChannelEmail, Recipient: "kim@example.org", Status: plaudit.RequestResponded, DueAt: f.now}
	_, err = f.st.CreateRequest(ctx, &req)
	must(t, err)
	resp := plaudit.Response{TenantID: f.tenant.ID, RequestID: req.ID, AgentID: f.agent.ID, TicketID: in.ExternalID, Score: 4,
		Comment: "Kim says thanks", Source: plaudit.SourcePage}
	_, err = f.st.CreateResponse(ctx, &resp)
	must(t, err)
	return con, resp
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// runWorkers processes tasks with f's worker on a Redis of their own, the
// way the binary does, with short retry delays.
func runWorkers(t *testing.T, f *fixture) asynq.RedisConnOpt {
	t.Helper()
	e, err := StartEmbedded("")
	must(t, err)
	t.Cleanup(e.Close)
	f.w.Queue = NewClient(e.ConnOpt())
	f.w.Feedback.Tasks = f.w.Queue
	t.Cleanup(func() { f.w.Queue.Close() })
	srv := asynq.NewServer(e.ConnOpt(), asynq.Config{
		Concurrency:              2,
		Queues:                   Queues,
		RetryDelayFunc:           func(int, error, *asynq.Task) time.Duration { return 20 * time.Millisecond },
		TaskCheckInterval:        20 * time.Millisecond,
		DelayedTaskCheckInterval: 50 * time.Millisecond,
		LogLevel:                 asynq.FatalLevel,
	})
	must(t, srv.Start(f.w.Mux()))
	t.Cleanup(srv.Shutdown)
	return e.ConnOpt()
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func deliveries(t *testing.T, f *fixture, con plaudit.Connector) []store.DeliveryAttempt {
	t.Helper()
	ds, err := f.st.ListDeliveries(context.Background(), f.tenant.ID, con.ID, 0)
	must(t, err)
	return ds
}

// summary renders a log oldest first as "attempt:outcome:status".
func summary(ds []store.DeliveryAttempt) string {
	var parts []string
	for i := len(ds) - 1; i >= 0; i-- {
		parts = append(parts, fmt.Sprintf("%d:%s:%d", ds[i].Attempt, ds[i].Outcome, ds[i].StatusCode))
	}
	return strings.Join(parts, " ")
}

func TestWritebackAttemptsAreLogged(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	retried, _ := f.answered(t, "standard")
	refused, _ := f.answered(t, "salesforce")
	quiet, _ := f.answered(t, "zendesk")
	silent, _ := f.answered(t, "standard")
	f.w.Feedback.Connectors = stubConnectors{f.st, driverMap{
		retried.ID: &stubDriver{answers: []answer{{500, errors.New("standard: callback: status 500")}, {200, nil}}},
		refused.ID: &stubDriver{answers: []answer{{404, plaudit.Permanent("salesforce: update case rejected (404 ENTITY_IS_DELETED)", nil)}}},
		quiet.ID:   plainDriver{},
		silent.ID:  &stubDriver{answers: []answer{{0, nil}}}, // no callback_url: nothing sent
	}}
	runWorkers(t, f)
	for _, con := range []plaudit.Connector{retried, refused, quiet, silent} {
		rs, err := f.st.ListResponses(ctx, f.tenant.ID, store.ResponseFilter{})
		must(t, err)
		for _, r := range rs {
			req, _ := f.st.GetRequest(ctx, f.tenant.ID, r.RequestID)
			if req.ConnectorID == con.ID {
				must(t, f.w.Queue.Writeback(ctx, f.tenant.ID, r.ID, r.Version))
			}
		}
	}
	status := func(con plaudit.Connector) plaudit.Response {
		rs, _ := f.st.ListResponses(ctx, f.tenant.ID, store.ResponseFilter{})
		for _, r := range rs {
			if req, _ := f.st.GetRequest(ctx, f.tenant.ID, r.RequestID); req.ConnectorID == con.ID {
				return r
			}
		}
		t.Fatalf("no response for %s", con.ID)
		return plaudit.Response{}
	}
	waitFor(t, "every writeback to end", func() bool {
		return status(retried).WritebackStatus == plaudit.WritebackDone && status(refused).WritebackStatus == plaudit.WritebackFailed &&
			status(quiet).WritebackStatus == plaudit.WritebackDone && status(silent).WritebackStatus == plaudit.WritebackDone
	})

	if got := summary(deliveries(t, f, retried)); got != "1:retrying:500 2:delivered:200" {
		t.Errorf("retried callback's log: %s", got)
	}
	ds := deliveries(t, f, retried)
	if ds[1].Error != "standard: callback: status 500" || ds[0].Error != "" || ds[0].EventType != feedback.WritebackEvent ||
		ds[0].ResponseID != status(retried).ID || ds[0].Version != 1 {
		t.Errorf("retried callback's log: %+v", ds)
	}
	if got := summary(deliveries(t, f, refused)); got != "1:failed:404" {
		t.Errorf("refused writeback's log: %s", got)
	}
	if e := deliveries(t, f, refused)[0].Error; e != "salesforce: update case rejected (404 ENTITY_IS_DELETED)" {
		t.Errorf("refused writeback's error: %q", e)
	}
	if r := status(refused); r.WritebackError != "salesforce: update case rejected (404 ENTITY_IS_DELETED)" {
		t.Errorf("writeback_error %q", r.WritebackError)
	}
	if got := summary(deliveries(t, f, quiet)); got != "1:delivered:0" {
		t.Errorf("a driver that reports no status: %s", got)
	}
	if got := deliveries(t, f, silent); len(got) != 0 {
		t.Errorf("nothing was sent, yet the log has %s", summary(got))
	}
	for _, con := range []plaudit.Connector{retried, refused, quiet, silent} {
		for _, d := range deliveries(t, f, con) {
			if strings.Contains(d.Error, "Kim") || strings.Contains(d.Error, "kim@") {
				t.Errorf("log carries personal data: %q", d.Error)
			}
		}
	}
}

func TestWritebackThatRunsOutOfRetriesFailsVisibly(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	con, resp := f.answered(t, "standard")
	drv := &stubDriver{answers: []answer{{503, errors.New("standard: callback: status 503")}}}
	f.w.Feedback.Connectors = stubConnectors{f.st, driverMap{con.ID: drv}}
	opt := runWorkers(t, f)
	// A task with one retry left after its first try, as a task of
	// NewWritebackTask is after its 200th.
	c := asynq.NewClient(opt)
	defer c.Close()
	task, err := newTask(TypeWriteback, Ref{TenantID: f.tenant.ID, ID: resp.ID, Version: 1}, asynq.MaxRetry(1))
	must(t, err)
	_, err = c.Enqueue(task)
	must(t, err)
	waitFor(t, "the writeback to fail", func() bool {
		r, _ := f.st.GetResponse(ctx, f.tenant.ID, resp.ID)
		return r.WritebackStatus == plaudit.WritebackFailed
	})
	r, _ := f.st.GetResponse(ctx, f.tenant.ID, resp.ID)
	if r.WritebackError != "gave up after 2 attempts: standard: callback: status 503" {
		t.Errorf("writeback_error %q", r.WritebackError)
	}
	if got := summary(deliveries(t, f, con)); got != "1:retrying:503 2:failed:503" {
		t.Errorf("log: %s", got)
	}
	if n := drv.Calls(); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
}

func TestMisconfiguredConnectorIsLogged(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	con, resp := f.answered(t, "standard")
	f.w.Feedback.Connectors = stubConnectors{f.st, driverMap{}} // the kind refuses the connector's config
	task, _ := NewWritebackTask(f.tenant.ID, resp.ID, 1)
	if err := f.w.HandleWriteback(ctx, task); !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("err = %v, want SkipRetry", err)
	}
	if got := summary(deliveries(t, f, con)); got != "1:failed:0" {
		t.Errorf("log: %s", got)
	}
	if d := deliveries(t, f, con)[0]; d.Error != "connector misconfigured" {
		t.Errorf("error %q", d.Error)
	}
}
