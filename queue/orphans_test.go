package queue

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/plaudit/plaudit"
)

// setLease makes the lease of the active task id in queue look last
// renewed at renewed, as asynq writes it (its end, in Unix seconds).
func setLease(t *testing.T, opt asynq.RedisConnOpt, queue, id string, renewed time.Time) {
	t.Helper()
	rdb := opt.MakeRedisClient().(redis.UniversalClient)
	defer rdb.Close()
	end := renewed.Add(leaseDuration).Unix()
	must(t, rdb.ZAdd(context.Background(), leaseKey(queue), redis.Z{Score: float64(end), Member: id}).Err())
}

// TestWatchTakesOverTasksOfADeadWorker: a task whose lease has not been
// renewed for longer than the heartbeats allow, and that no live worker
// lists, is taken over at once by a copy, long before asynq's lease would
// run out; a task whose lease was renewed a moment ago is left alone.
func TestWatchTakesOverTasksOfADeadWorker(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e, err := StartEmbedded("")
	must(t, err)
	t.Cleanup(e.Close)
	f.w.Queue = NewClient(e.ConnOpt())
	t.Cleanup(func() { f.w.Queue.Close() })

	must(t, f.w.Queue.Interaction(ctx, f.tenant.ID, "int_dead"))
	must(t, f.w.Queue.Interaction(ctx, f.tenant.ID, "int_alive"))
	dead, alive := interactionTaskID("int_dead"), interactionTaskID("int_alive")
	orphan(t, e.ConnOpt(), QueueCritical, dead)
	orphan(t, e.ConnOpt(), QueueCritical, alive)
	now := time.Now()
	setLease(t, e.ConnOpt(), QueueCritical, dead, now.Add(-10*time.Second)) // heartbeats stopped 10 s ago
	setLease(t, e.ConnOpt(), QueueCritical, alive, now.Add(-2*time.Second)) // renewed at the last heartbeat

	must(t, f.w.watchOnce(ctx))
	queued := func(id string) bool {
		_, err := f.w.Queue.insp.GetTaskInfo(QueueCritical, id)
		return err == nil
	}
	if !queued(dead + takeoverSuffix) {
		t.Error("the task of a worker silent for 10 s was not taken over")
	}
	if queued(alive + takeoverSuffix) {
		t.Error("the task of a worker that renewed its lease 2 s ago was taken over")
	}
	info, err := f.w.Queue.insp.GetTaskInfo(QueueCritical, dead+takeoverSuffix)
	must(t, err)
	if info.Type != TypeInteraction || string(info.Payload) != `{"t":"`+f.tenant.ID+`","id":"int_dead"}` || info.MaxRetry != maxRetry {
		t.Errorf("copy = %s %s retry %d, want the dead worker's task", info.Type, info.Payload, info.MaxRetry)
	}
	// Looking again adds nothing: the copy is there.
	must(t, f.w.watchOnce(ctx))
	pending, err := f.w.Queue.insp.ListPendingTasks(QueueCritical)
	must(t, err)
	if len(pending) != 1 {
		t.Errorf("%d pending tasks after a second look, want the one copy", len(pending))
	}
}

// TestWatchLeavesTasksALiveWorkerRuns: a task that a live worker server
// lists among its running tasks is not taken over, however its lease
// looks (a clock apart, a heartbeat late).
func TestWatchLeavesTasksALiveWorkerRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a worker's heartbeat")
	}
	f := newFixture(t)
	ctx := context.Background()
	e, err := StartEmbedded("")
	must(t, err)
	t.Cleanup(e.Close)
	f.w.Queue = NewClient(e.ConnOpt())
	t.Cleanup(func() { f.w.Queue.Close() })
	started, release := make(chan struct{}), make(chan struct{})
	srv := NewServer(e.ConnOpt(), ServerOptions{Concurrency: 1, Log: f.w.Log, ShutdownTimeout: time.Second})
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeInteraction, func(ctx context.Context, _ *asynq.Task) error {
		close(started)
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	must(t, srv.Start(mux))
	t.Cleanup(srv.Shutdown)
	t.Cleanup(func() { close(release) })
	must(t, f.w.Queue.Interaction(ctx, f.tenant.ID, "int_busy"))
	<-started
	id := interactionTaskID("int_busy")
	deadline := time.Now().Add(15 * time.Second)
	for listed := false; !listed; {
		if time.Now().After(deadline) {
			t.Fatal("the worker never listed its running task")
		}
		servers, err := f.w.Queue.insp.Servers()
		must(t, err)
		for _, s := range servers {
			for _, w := range s.ActiveWorkers {
				listed = listed || w.TaskID == id
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	setLease(t, e.ConnOpt(), QueueCritical, id, time.Now().Add(-20*time.Second))
	got, err := f.w.Queue.deadHeld(ctx, time.Now())
	must(t, err)
	if len(got) != 0 {
		t.Errorf("deadHeld = %v, want none: a live worker runs it", got[0].ID)
	}
}

// TestWatchRetakesAbandonedClaims: a send claimed longer ago than the
// claim timeout gets its retake from the watch, not only from the
// minute's reconcile; a fresh claim does not.
func TestWatchRetakesAbandonedClaims(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.st.SetClaimTimeout(5 * time.Second)
	r := f.decide(t, plaudit.Interaction{Customer: plaudit.Customer{Email: "kim@example.org"}})
	if _, ok, err := f.st.ClaimRequest(ctx, f.tenant.ID, r.ID, f.now); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	queued := func() bool {
		_, err := f.w.Queue.insp.GetTaskInfo(QueueCritical, retakeTaskID(r.ID, 1))
		return err == nil
	}
	f.now = f.now.Add(4 * time.Second)
	must(t, f.w.watchOnce(ctx))
	if queued() {
		t.Fatal("a claim 4 s old was retaken with a 5 s claim timeout")
	}
	f.now = f.now.Add(2 * time.Second)
	must(t, f.w.watchOnce(ctx))
	if !queued() {
		t.Fatal("no retake of a claim older than the claim timeout")
	}
}
