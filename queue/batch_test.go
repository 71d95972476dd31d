package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/store"
)

// Calls that wait while a batch is being enqueued go out together in the
// next one, each returning only once its own batch is queued.
func TestCoalescerBatchesWhatWaits(t *testing.T) {
	release := make(chan struct{})
	var (
		mu      sync.Mutex
		batches [][]Ref
	)
	c := newCoalescerLanes(1, func(_ context.Context, refs []Ref) error {
		mu.Lock()
		first := len(batches) == 0
		batches = append(batches, refs)
		mu.Unlock()
		if first {
			<-release
		}
		return nil
	})
	queued := c.b.Waiting
	var wg sync.WaitGroup
	var returned atomic.Int32
	for i := range 11 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.do(t.Context(), Ref{TenantID: "ten_a", ID: fmt.Sprint("int_", i)}); err != nil {
				t.Error(err)
			}
			returned.Add(1)
		}()
		if i == 0 {
			for {
				mu.Lock()
				n := len(batches)
				mu.Unlock()
				if n == 1 {
					break
				}
				time.Sleep(time.Millisecond)
			}
		}
	}
	for queued() < 10 {
		time.Sleep(time.Millisecond)
	}
	if n := returned.Load(); n != 0 {
		t.Fatalf("%d calls returned before their batch was enqueued", n)
	}
	close(release)
	wg.Wait()
	if len(batches) != 2 || len(batches[0]) != 1 || len(batches[1]) != 10 {
		t.Fatalf("batches of %v, want 1 then 10", sizes(batches))
	}
}

func sizes(batches [][]Ref) []int {
	out := make([]int, len(batches))
	for i, b := range batches {
		out[i] = len(b)
	}
	return out
}

// When the queue refuses a batch, every caller in it hears so (and answers
// its helpdesk 503), none is taken for queued.
func TestCoalescerFailureReachesEveryCallerOfTheBatch(t *testing.T) {
	refused := errors.New("queue: enqueue: connection refused")
	c := newCoalescer(func(context.Context, []Ref) error { return refused })
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.do(t.Context(), Ref{TenantID: "ten_a", ID: fmt.Sprint("int_", i)}); errors.Is(err, refused) {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 20 {
		t.Errorf("%d of 20 callers heard of the refused enqueue", failed.Load())
	}
}

// Concurrent enqueues end up in the queue each once, in as few tasks as
// the timing allows, carrying ids only.
func TestConcurrentInteractionsAreEachQueuedOnce(t *testing.T) {
	redisBackends(t, func(t *testing.T, opt asynq.RedisConnOpt) {
		c := NewClient(opt)
		defer c.Close()
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := c.Interaction(t.Context(), fmt.Sprint("ten_", i%2), fmt.Sprint("int_", i)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		insp := asynq.NewInspector(opt)
		defer insp.Close()
		tasks, err := insp.ListPendingTasks(QueueCritical, asynq.PageSize(100))
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, ti := range tasks {
			for _, r := range refsOf(t, ti) {
				if r.TenantID != fmt.Sprint("ten_", idNumber(r.ID)%2) {
					t.Errorf("interaction %s filed under tenant %s", r.ID, r.TenantID)
				}
				seen[r.ID]++
			}
		}
		for i := range 40 {
			if n := seen[fmt.Sprint("int_", i)]; n != 1 {
				t.Errorf("int_%d queued %d times, want once", i, n)
			}
		}
		t.Logf("40 interactions in %d tasks", len(tasks))
	})
}

func idNumber(id string) int {
	var n int
	fmt.Sscanf(id, "int_%d", &n)
	return n
}

// refsOf reads the interactions a queued task names: a plain task or a
// batch, ids only either way.
func refsOf(t *testing.T, ti *asynq.TaskInfo) []Ref {
	t.Helper()
	switch ti.Type {
	case TypeInteraction:
		var r Ref
		if err := json.Unmarshal(ti.Payload, &r); err != nil {
			t.Fatal(err)
		}
		return []Ref{r}
	case TypeInteractionBatch:
		var b Batch
		if err := json.Unmarshal(ti.Payload, &b); err != nil {
			t.Fatalf("batch payload %s: %v", ti.Payload, err)
		}
		var out []Ref
		for _, g := range b {
			for _, id := range g.IDs {
				out = append(out, Ref{TenantID: g.TenantID, ID: id})
			}
		}
		return out
	}
	t.Fatalf("unexpected task %s", ti.Type)
	return nil
}

// A batch is decided by the same rules as one interaction at a time, in
// the order the interactions arrived: a second solve for an address asked
// in the same batch falls in the suppression window, a reopened ticket
// cancels the request its solve made just before.
func TestBatchDecidesAsOneByOne(t *testing.T) {
	specs := []plaudit.Interaction{
		{ExternalID: "1", Customer: plaudit.Customer{Email: "kim@example.org"}},
		{ExternalID: "2", Customer: plaudit.Customer{Email: "Kim@Example.org"}},
		{ExternalID: "3", Customer: plaudit.Customer{Email: "ola@example.org"}},
		{ExternalID: "4", Customer: plaudit.Customer{Email: "zoe@example.org"}, Agent: plaudit.AgentRef{ExternalID: "999"}},
		{ExternalID: "5", Customer: plaudit.Customer{Email: "ida@example.org"}, DoNotSend: true},
		{ExternalID: "6", Customer: plaudit.Customer{Email: "eve@example.org"}, Test: true},
		{ExternalID: "7", Customer: plaudit.Customer{Email: "max@example.org"}},
		{ExternalID: "7", Customer: plaudit.Customer{Email: "max@example.org"}, Event: plaudit.EventReopened},
		{ExternalID: "8", Customer: plaudit.Customer{Phone: "+4915123456789"}},
	}
	outcome := func(f *fixture, ids []string) []string {
		t.Helper()
		reqs, err := f.st.RequestsOfInteractions(context.Background(), f.tenant.ID, ids)
		if err != nil {
			t.Fatal(err)
		}
		byInteraction := map[string]plaudit.FeedbackRequest{}
		for _, r := range reqs {
			byInteraction[r.InteractionID] = r
		}
		var out []string
		for i, id := range ids {
			r := byInteraction[id]
			out = append(out, fmt.Sprintf("%d:%s/%s/%s", i, r.Status, r.Reason, r.Channel))
		}
		return out
	}
	decide := func(batched bool) []string {
		f := newFixture(t)
		ctx := context.Background()
		hash := keyring.AddressHash(f.tenant.HashKey, "ola@example.org")
		if err := f.st.Suppress(ctx, plaudit.Suppression{TenantID: f.tenant.ID, AddressHash: hash, Reason: "unsubscribed"}); err != nil {
			t.Fatal(err)
		}
		ids := f.store(t, specs)
		if batched {
			task, _ := NewInteractionBatchTask(Batch{{TenantID: f.tenant.ID, IDs: ids}})
			if err := f.w.HandleInteractionBatch(ctx, task); err != nil {
				t.Fatalf("HandleInteractionBatch: %v", err)
			}
		} else {
			for _, id := range ids {
				task, _ := NewInteractionTask(f.tenant.ID, id)
				if err := f.w.HandleInteraction(ctx, task); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, id := range ids {
			in, err := f.st.GetInteraction(ctx, f.tenant.ID, id)
			if err != nil || in.Status != plaudit.InteractionProcessed {
				t.Errorf("interaction %s: %s, %v; want processed", id, in.Status, err)
			}
		}
		return outcome(f, ids)
	}
	one, batch := decide(false), decide(true)
	if !slices.Equal(one, batch) {
		t.Errorf("batch decided\n%v\none by one\n%v", batch, one)
	}
	want := []string{"0:scheduled//email", "1:skipped/" + plaudit.ReasonRecentlyAsked + "/email",
		"2:skipped/" + plaudit.ReasonSuppressed + "/email", "3:skipped/" + plaudit.ReasonNoAgent + "/",
		"4:skipped/" + plaudit.ReasonDoNotSend + "/", "5:skipped/" + plaudit.ReasonNoTestRecipient + "/",
		"6:canceled/" + plaudit.ReasonReopened + "/email", "7://", "8:scheduled//sms"}
	if !slices.Equal(batch, want) {
		t.Errorf("batch decided\n%v\nwant\n%v", batch, want)
	}
}

// store keeps solved interactions for the fixture's agent, one after the
// other, and returns their ids in that order.
func (f *fixture) store(t *testing.T, specs []plaudit.Interaction) []string {
	t.Helper()
	var ids []string
	for _, in := range specs {
		in.TenantID, in.Source, in.DedupKey = f.tenant.ID, "zendesk", keyring.Token(8)
		if in.Event == "" {
			in.Event = plaudit.EventSolved
		}
		if in.Agent.ExternalID == "" {
			in.Agent.ExternalID = "42"
		}
		if _, err := f.st.InsertInteraction(context.Background(), &in); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, in.ID)
		time.Sleep(2 * time.Millisecond) // arrival order, in created_at
	}
	return ids
}

// A batch task run again (its sends' enqueue failed after the commit, or
// asynq handed it out twice) makes no second request and queues the sends
// again; each customer is asked once.
func TestBatchRunTwiceAsksOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var specs []plaudit.Interaction
	for i := range 6 {
		specs = append(specs, plaudit.Interaction{ExternalID: fmt.Sprint(i), Customer: plaudit.Customer{Email: fmt.Sprintf("c%d@example.org", i)}})
	}
	ids := f.store(t, specs)
	task, _ := NewInteractionBatchTask(Batch{{TenantID: f.tenant.ID, IDs: ids}})
	for range 2 {
		if err := f.w.HandleInteractionBatch(ctx, task); err != nil {
			t.Fatal(err)
		}
	}
	reqs, err := f.st.ListRequests(ctx, f.tenant.ID, store.RequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != len(ids) {
		t.Fatalf("%d requests for %d interactions", len(reqs), len(ids))
	}
	sends := f.queued(t, TypeSendBatch)
	if len(sends) != 1 {
		t.Fatalf("%d send batch tasks queued, want the same one from both runs", len(sends))
	}
	for range 2 { // the queued batch, and a redelivery of it
		if err := f.w.HandleSendBatch(ctx, sends[0]); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range reqs { // and each request's own task, as the reconciler would queue it
		if err := f.w.HandleSend(ctx, mustSendTask(t, r)); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.rec.email) != len(ids) {
		t.Errorf("%d emails for %d interactions, want one each", len(f.rec.email), len(ids))
	}
}

// queued returns the fixture's queued tasks of type typ.
func (f *fixture) queued(t *testing.T, typ string) []*asynq.Task {
	t.Helper()
	var out []*asynq.Task
	for _, list := range []func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){f.w.Queue.insp.ListPendingTasks, f.w.Queue.insp.ListScheduledTasks} {
		tasks, err := list(QueueCritical, asynq.PageSize(500))
		if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
			t.Fatal(err)
		}
		for _, ti := range tasks {
			if ti.Type == typ {
				out = append(out, asynq.NewTask(ti.Type, ti.Payload))
			}
		}
	}
	return out
}

// A send in a batch that fails continues as its own send task, with its
// own retries; the batch succeeds, so that the sends that worked are not
// run again, and nothing goes out twice.
func TestSendBatchHandsOnAFailedSend(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var specs []plaudit.Interaction
	for i := range 3 {
		specs = append(specs, plaudit.Interaction{ExternalID: fmt.Sprint(i), Customer: plaudit.Customer{Email: fmt.Sprintf("c%d@example.org", i)}})
	}
	ids := f.store(t, specs)
	task, _ := NewInteractionBatchTask(Batch{{TenantID: f.tenant.ID, IDs: ids}})
	if err := f.w.HandleInteractionBatch(ctx, task); err != nil {
		t.Fatal(err)
	}
	batch := f.queued(t, TypeSendBatch)
	if len(batch) != 1 {
		t.Fatalf("%d send batch tasks, want 1 for 3 requests due at once", len(batch))
	}
	f.rec.fail = &plaudit.RetryAfterError{After: 40 * time.Second, Err: errors.New("sendgrid: 503")}
	if err := f.w.HandleSendBatch(ctx, batch[0]); err != nil {
		t.Fatalf("the batch failed (%v): its sends were handed on and it should not run again", err)
	}
	own := f.queued(t, TypeSend)
	if len(own) != 3 {
		t.Fatalf("%d sends handed on, want 3", len(own))
	}
	for _, id := range ids {
		info, err := f.w.Queue.insp.GetTaskInfo(QueueCritical, sendTaskID(mustRequest(t, f, id).ID))
		if err != nil {
			t.Fatal(err)
		}
		if wait := time.Until(info.NextProcessAt); wait < 35*time.Second {
			t.Errorf("handed-on send runs in %s, want the provider's Retry-After (40 s)", wait)
		}
	}
	f.rec.mu.Lock()
	f.rec.fail = nil
	f.rec.mu.Unlock()
	for _, t2 := range append(own, batch...) {
		handle := f.w.HandleSend
		if t2.Type() == TypeSendBatch {
			handle = f.w.HandleSendBatch
		}
		if err := handle(ctx, t2); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.rec.email) != 3 {
		t.Errorf("%d emails, want 3", len(f.rec.email))
	}
}

func mustRequest(t *testing.T, f *fixture, interactionID string) plaudit.FeedbackRequest {
	t.Helper()
	reqs, err := f.st.RequestsOfInteractions(context.Background(), f.tenant.ID, []string{interactionID})
	if err != nil || len(reqs) != 1 {
		t.Fatalf("request of %s: %v (%d)", interactionID, err, len(reqs))
	}
	return reqs[0]
}

func mustSendTask(t *testing.T, r plaudit.FeedbackRequest) *asynq.Task {
	t.Helper()
	task, err := NewSendTask(r.TenantID, r.ID, r.DueAt)
	if err != nil {
		t.Fatal(err)
	}
	return task
}
