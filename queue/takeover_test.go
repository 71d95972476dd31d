package queue

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/plaudit/plaudit"
)

// TestReconcileRetakesAnAbandonedSend: a worker claimed a send and died.
// Within the claim timeout the reconciler leaves the request alone; after
// it, the reconciler enqueues a retake under an id of its own (the dead
// worker's task still holds the request's id), which sends once.
func TestReconcileRetakesAnAbandonedSend(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.st.SetClaimTimeout(time.Minute)
	r := f.decide(t, plaudit.Interaction{Customer: plaudit.Customer{Email: "kim@example.org"}})
	// The dead worker's claim, and its task, which still holds send:<id>
	// (here waiting for a retry in an hour).
	if _, ok, err := f.st.ClaimRequest(ctx, f.tenant.ID, r.ID, f.now); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	must(t, f.w.Queue.Send(ctx, f.tenant.ID, r.ID, f.now.Add(time.Hour)))
	retake := retakeTaskID(r.ID, 1)
	queued := func(id string) bool {
		_, err := f.w.Queue.insp.GetTaskInfo(QueueCritical, id)
		if err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}

	f.now = f.now.Add(50 * time.Second)
	must(t, f.w.Reconcile(ctx))
	if queued(retake) {
		t.Fatal("a claim 50s old was taken for abandoned with a one-minute claim timeout")
	}

	f.now = f.now.Add(20 * time.Second)
	must(t, f.w.Reconcile(ctx))
	if !queued(retake) {
		t.Fatal("no retake enqueued for a claim older than the claim timeout")
	}
	task, _ := NewSendTask(f.tenant.ID, r.ID, r.DueAt)
	must(t, f.w.HandleSend(ctx, task)) // the retake
	must(t, f.w.HandleSend(ctx, task)) // the dead worker's task, recovered at last
	if n := len(f.rec.email); n != 1 {
		t.Errorf("%d emails, want 1", n)
	}
	got, _ := f.st.GetRequest(ctx, f.tenant.ID, r.ID)
	if got.Status != plaudit.RequestSent || got.Attempts != 2 {
		t.Errorf("request %s after %d attempts, want sent after 2", got.Status, got.Attempts)
	}
}

// orphan turns the pending task id in queue into what a worker that took
// it and then died leaves behind: active, with a lease that ran out a
// minute ago. These are the steps of asynq's dequeue script.
func orphan(t *testing.T, opt asynq.RedisConnOpt, queue, id string) {
	t.Helper()
	rdb := opt.MakeRedisClient().(redis.UniversalClient)
	defer rdb.Close()
	ctx := context.Background()
	prefix := "asynq:{" + queue + "}:"
	if n, err := rdb.LRem(ctx, prefix+"pending", 0, id).Result(); err != nil || n != 1 {
		t.Fatalf("orphan %s: not pending (%d, %v)", id, n, err)
	}
	must(t, rdb.LPush(ctx, prefix+"active", id).Err())
	must(t, rdb.HSet(ctx, prefix+"t:"+id, "state", "active").Err())
	must(t, rdb.HDel(ctx, prefix+"t:"+id, "pending_since").Err())
	must(t, rdb.ZAdd(ctx, prefix+"lease", redis.Z{Score: float64(time.Now().Add(-time.Minute).Unix()), Member: id}).Err())
}

// heldDriver counts writebacks and holds each until released.
type heldDriver struct {
	mu      sync.Mutex
	calls   int
	release chan struct{}
}

func (d *heldDriver) Receive(context.Context, plaudit.Delivery) ([]plaudit.Event, error) {
	return nil, nil
}

func (d *heldDriver) Writeback(ctx context.Context, _ plaudit.Writeback) error {
	d.mu.Lock()
	d.calls++
	d.mu.Unlock()
	select {
	case <-d.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *heldDriver) Calls() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls
}

// TestOrphanedWritebackIsTakenOverOnce: a worker died during a writeback.
// The reconciler sees asynq's lease on the task run out and enqueues a
// take-over copy, which writes back; the orphan, when asynq recovers it
// while the copy is still at work, leaves the work to the copy instead of
// posting a second note.
func TestOrphanedWritebackIsTakenOverOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	con, resp := f.answered(t, "zendesk")
	drv := &heldDriver{release: make(chan struct{})}
	f.w.Feedback.Connectors = stubConnectors{f.st, driverMap{con.ID: drv}}
	e, err := StartEmbedded("")
	must(t, err)
	t.Cleanup(e.Close)
	f.w.Queue = NewClient(e.ConnOpt())
	f.w.Feedback.Tasks = f.w.Queue
	t.Cleanup(func() { f.w.Queue.Close() })

	must(t, f.w.Queue.Writeback(ctx, f.tenant.ID, resp.ID, resp.Version))
	id := writebackTaskID(resp.ID, resp.Version)
	orphan(t, e.ConnOpt(), QueueDefault, id)
	orphans, err := f.w.Queue.Orphans()
	must(t, err)
	if !orphans[id] {
		t.Fatalf("orphans = %v, want %s", orphans, id)
	}

	f.now = time.Now().Add(time.Minute) // the response is past the reconciler's grace
	must(t, f.w.Reconcile(ctx))
	if yes, err := f.w.Queue.takenOver(QueueDefault, id); err != nil || !yes {
		t.Fatalf("no take-over copy after reconcile: %v %v", yes, err)
	}

	// Workers start: asynq's recoverer hands the orphan back at once (its
	// lease ran out more than 30 s ago), while the copy holds the call.
	srv := asynq.NewServer(e.ConnOpt(), asynq.Config{
		Concurrency: 4, Queues: Queues, LogLevel: asynq.FatalLevel,
		RetryDelayFunc:    func(int, error, *asynq.Task) time.Duration { return 10 * time.Millisecond },
		TaskCheckInterval: 20 * time.Millisecond, DelayedTaskCheckInterval: 50 * time.Millisecond,
	})
	must(t, srv.Start(f.w.Mux()))
	t.Cleanup(srv.Shutdown)
	waitFor(t, "the copy's writeback call", func() bool { return drv.Calls() >= 1 })
	waitFor(t, "the orphan to be recovered and done", func() bool {
		_, err := f.w.Queue.insp.GetTaskInfo(QueueDefault, id)
		return errors.Is(err, asynq.ErrTaskNotFound)
	})
	close(drv.release)
	waitFor(t, "writeback done", func() bool {
		r, _ := f.st.GetResponse(ctx, f.tenant.ID, resp.ID)
		return r.WritebackStatus == plaudit.WritebackDone
	})
	if n := drv.Calls(); n != 1 {
		t.Errorf("%d writeback calls, want 1", n)
	}

	// Once the copy is gone, a task with the original id does the work
	// again (here: finds it done).
	must(t, f.w.Queue.Writeback(ctx, f.tenant.ID, resp.ID, resp.Version))
	waitFor(t, "the second task to finish", func() bool {
		_, err := f.w.Queue.insp.GetTaskInfo(QueueDefault, id)
		return errors.Is(err, asynq.ErrTaskNotFound)
	})
	if n := drv.Calls(); n != 1 {
		t.Errorf("%d writeback calls after the version was written, want 1", n)
	}
}
