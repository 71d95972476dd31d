package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Taking over what a dead worker held, sooner than asynq does.
//
// asynq keeps a lease on each running task and the worker's heartbeat
// renews it every 5 s to 30 s ahead. asynq counts a task as orphaned only
// when that lease has run out, and its recoverer hands it out again at
// its next run, once a minute, 30 s later still: up to a minute and a
// half after a SIGKILL. Neither time can be configured. A worker's death
// shows much sooner, though: its heartbeat stops. WatchOrphans looks
// every WatchInterval for active tasks whose lease has not been renewed
// for leaseSilence and which no live worker server lists among its
// running tasks (a server's entry expires 10 s after its last heartbeat),
// and enqueues a take-over copy of each at once. The copy's handler
// finds in the store what is left to do: a send is guarded by its claim,
// a writeback by its claim and Worker.yield, an interaction makes one
// request, a reminder is claimed like a send.

const (
	// WatchInterval is how often WatchOrphans looks.
	WatchInterval = 2 * time.Second
	// leaseDuration is asynq's lease (base.LeaseDuration): each renewal
	// sets the lease's end this far ahead.
	leaseDuration = 30 * time.Second
	// leaseSilence is how long a lease may go unrenewed before its worker
	// counts as dead: more than the 5 s between heartbeats, with room for
	// a slow one and for the whole seconds asynq keeps the lease in.
	leaseSilence = 8 * time.Second
)

// takeoverRetention keeps a take-over copy's id taken after the copy is
// done, for as long as asynq may take to recover the orphan it copied
// (its lease, then its recoverer's minute): without it, every look until
// then would find the orphan again and copy it once more.
const takeoverRetention = 3 * time.Minute

// takeOverTypes are the tasks a copy may do in place of a dead worker's:
// each finds in the store what is left to do, so a copy that runs beside
// a late original does nothing twice (a batch run twice decides and
// claims once: TestBatchRunTwiceAsksOnce).
var takeOverTypes = map[string]bool{TypeInteraction: true, TypeInteractionBatch: true, TypeSend: true, TypeSendBatch: true,
	TypeWriteback: true, TypeRemind: true}

// leaseKey is where asynq keeps the leases of a queue's running tasks
// (base.LeaseKey in asynq v0.26): a sorted set of task ids, scored by the
// lease's end in Unix seconds. asynq's inspector does not show it.
func leaseKey(queue string) string { return "asynq:{" + queue + "}:lease" }

// deadHeld returns the active tasks, in the task queues, whose worker is
// dead as WatchOrphans tells it, at now (the clock of the machines that
// renew the leases).
func (c *Client) deadHeld(ctx context.Context, now time.Time) ([]*asynq.TaskInfo, error) {
	if c.rdb == nil {
		return nil, nil
	}
	var silent []*asynq.TaskInfo
	for _, q := range []string{QueueCritical, QueueDefault} {
		tasks, err := c.insp.ListActiveTasks(q, asynq.PageSize(500))
		if errors.Is(err, asynq.ErrQueueNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("queue: list active tasks: %w", err)
		}
		for _, t := range tasks {
			end, err := c.rdb.ZScore(ctx, leaseKey(q), t.ID).Result()
			if errors.Is(err, redis.Nil) {
				continue // finished meanwhile
			}
			if err != nil {
				return nil, fmt.Errorf("queue: read a lease: %w", err)
			}
			renewed := time.Unix(int64(end), 0).Add(-leaseDuration)
			if now.Sub(renewed) > leaseSilence {
				silent = append(silent, t)
			}
		}
	}
	if len(silent) == 0 {
		return nil, nil
	}
	// A live server lists what it runs; a task it lists is alive however
	// its lease looks (a clock apart, a heartbeat late).
	servers, err := c.insp.Servers()
	if err != nil {
		return nil, fmt.Errorf("queue: list worker servers: %w", err)
	}
	running := map[string]bool{}
	for _, s := range servers {
		for _, w := range s.ActiveWorkers {
			running[w.TaskID] = true
		}
	}
	var dead []*asynq.TaskInfo
	for _, t := range silent {
		if !running[t.ID] {
			dead = append(dead, t)
		}
	}
	return dead, nil
}

// takeOver enqueues a copy of t, a task a dead worker held, under its
// take-over id, and reports whether it did (not when one is queued or
// running already).
func (c *Client) takeOver(ctx context.Context, t *asynq.TaskInfo) (bool, error) {
	if !takeOverTypes[t.Type] {
		return false, nil
	}
	id := strings.TrimSuffix(t.ID, takeoverSuffix) + takeoverSuffix
	opts := []asynq.Option{asynq.TaskID(id), asynq.Queue(t.Queue), asynq.MaxRetry(t.MaxRetry), asynq.Retention(takeoverRetention)}
	if t.Timeout > 0 {
		opts = append(opts, asynq.Timeout(t.Timeout))
	}
	return c.add(ctx, asynq.NewTask(t.Type, t.Payload), opts...)
}

// WatchOrphans takes over, every interval until ctx ends, the tasks a
// dead worker held (see above) and the sends and reminders whose claim
// has outlived PLAUDIT_CLAIM_TIMEOUT, so that work a killed process held
// goes on within seconds rather than at the next reconcile.
func (w *Worker) WatchOrphans(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := w.watchOnce(ctx); err != nil && ctx.Err() == nil {
			w.Log.Warn("look for work of dead workers incomplete", "err", err)
		}
	}
}

// watchOnce is one look of WatchOrphans.
func (w *Worker) watchOnce(ctx context.Context) error {
	dead, err := w.Queue.deadHeld(ctx, time.Now())
	errs := []error{err}
	tookOver := 0
	for _, t := range dead {
		took, err := w.Queue.takeOver(ctx, t)
		errs = append(errs, err)
		if took {
			tookOver++
			w.Log.Info("took over a task left by a dead worker", "task", t.ID)
		}
	}
	if w.Metrics != nil {
		w.Metrics.Reconciled.WithLabelValues("orphaned_tasks").Add(float64(tookOver))
	}
	errs = append(errs, w.retakeAbandoned(ctx, w.now()))
	return errors.Join(errs...)
}

// retakeAbandoned enqueues a retake of each send and reminder whose claim
// is older than the claim timeout: its worker died mid-send. The retake
// looks for evidence that the provider took the message before it sends
// again (feedback/retake.go).
func (w *Worker) retakeAbandoned(ctx context.Context, now time.Time) error {
	// Due by the zero time: only the claims that timed out, no scheduled
	// request.
	reqs, err := w.Store.DueRequests(ctx, time.Time{}, now, reconcileBatch)
	errs := []error{err}
	for _, r := range reqs {
		added, err := w.Queue.Retake(ctx, r.TenantID, r.ID, r.Attempts, r.DueAt)
		errs = append(errs, err)
		if added {
			w.Log.Info("send claim abandoned, sending again unless the provider took it", "request", r.ID, "attempt", r.Attempts)
		}
	}
	rems, err := w.Store.AbandonedReminders(ctx, now, reconcileBatch)
	errs = append(errs, err)
	for _, r := range rems {
		errs = append(errs, w.Queue.Remind(ctx, r.TenantID, r.ID))
	}
	return errors.Join(errs...)
}
