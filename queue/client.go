package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// EnqueueTimeout bounds one enqueue: a webhook must get its 503 quickly
// when Redis is away, not hang.
const EnqueueTimeout = 2 * time.Second

// Client enqueues Plaudit's tasks.
type Client struct {
	c *asynq.Client
	// insp finds orphaned tasks and their take-over copies.
	insp *asynq.Inspector
	// rdb reads the leases of running tasks (orphans.go); nil when the
	// connection option makes no go-redis client.
	rdb redis.UniversalClient
	// interactions gathers concurrent interaction enqueues into one task.
	interactions *coalescer
}

// NewClient returns a client on the given Redis connection.
func NewClient(opt asynq.RedisConnOpt) *Client {
	c := &Client{c: asynq.NewClient(opt), insp: asynq.NewInspector(opt)}
	c.rdb, _ = opt.MakeRedisClient().(redis.UniversalClient)
	c.interactions = newCoalescer(c.enqueueInteractions)
	return c
}

// Close closes the connection.
func (c *Client) Close() error {
	errs := []error{c.c.Close(), c.insp.Close()}
	if c.rdb != nil {
		errs = append(errs, c.rdb.Close())
	}
	return errors.Join(errs...)
}

// enqueue puts t on the queue. A task id that is already queued counts as
// success: the work is there once, which is what the caller wants.
func (c *Client) enqueue(ctx context.Context, t *asynq.Task, err error) error {
	if err != nil {
		return err
	}
	_, err = c.add(ctx, t)
	return err
}

// add puts t on the queue with opts and reports whether it did: not when
// a task with its id is there already.
func (c *Client) add(ctx context.Context, t *asynq.Task, opts ...asynq.Option) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, EnqueueTimeout)
	defer cancel()
	_, err := c.c.EnqueueContext(ctx, t, opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("queue: enqueue %s: %w", t.Type(), err)
	}
	return true, nil
}

// Orphans returns the ids of the tasks that a dead worker left active.
// asynq keeps a lease on each running task, which the worker's heartbeat
// renews every five seconds; when it has run out (after 30 s) the worker
// is dead, or has given the task up itself. asynq's own recoverer takes
// such a task back only 30 s later still, at its next run (once a
// minute), and until then the task's id keeps the reconciler from
// enqueuing the work again: requeue hands it on sooner. A task whose
// worker's heartbeat stopped (deadHeld) counts before its lease runs out.
func (c *Client) Orphans() (map[string]bool, error) {
	const page = 500
	out := map[string]bool{}
	dead, err := c.deadHeld(context.Background(), time.Now())
	if err != nil {
		return out, err
	}
	for _, t := range dead {
		out[t.ID] = true
	}
	for _, q := range []string{QueueCritical, QueueDefault} {
		for n := 1; ; n++ {
			tasks, err := c.insp.ListActiveTasks(q, asynq.PageSize(page), asynq.Page(n))
			if errors.Is(err, asynq.ErrQueueNotFound) {
				break // nothing was ever queued there
			}
			if err != nil {
				return out, fmt.Errorf("queue: list active tasks: %w", err)
			}
			for _, t := range tasks {
				if t.IsOrphaned {
					out[t.ID] = true
				}
			}
			if len(tasks) < page {
				break
			}
		}
	}
	return out, nil
}

// requeue enqueues t, whose task id is id, for the reconciler, and
// reports whether it took the work over from an orphan. When a task holds
// id already and orphans has it, a copy of t under a take-over id runs the
// work now. Should the orphan run too once asynq recovers it, the store
// keeps it from doing the work twice (a send's claim, a writeback's
// written version, which Worker.yield backs up while the copy is still at
// work). A task that holds id and is not orphaned is alive, or waits for
// its retry: enqueuing nothing is right then.
func (c *Client) requeue(ctx context.Context, orphans map[string]bool, id string, t *asynq.Task, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	added, err := c.add(ctx, t)
	if err != nil || added || !orphans[id] {
		return false, err
	}
	return c.add(ctx, t, asynq.TaskID(id+takeoverSuffix), asynq.Retention(takeoverRetention))
}

// takenOver reports whether the task id in queue has a take-over copy
// that is still queued, running or retrying, or finished within
// takeoverRetention.
func (c *Client) takenOver(queue, id string) (bool, error) {
	_, err := c.insp.GetTaskInfo(queue, id+takeoverSuffix)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
		return false, nil
	}
	return false, err
}

// Interaction enqueues the decision on an interaction. Calls made at the
// same time share one task (coalescer): it returns once the task that
// carries this interaction is queued.
func (c *Client) Interaction(ctx context.Context, tenantID, id string) error {
	return c.interactions.do(ctx, Ref{TenantID: tenantID, ID: id})
}

// Send enqueues the sending of a request at due.
func (c *Client) Send(ctx context.Context, tenantID, id string, due time.Time) error {
	t, err := NewSendTask(tenantID, id, due)
	return c.enqueue(ctx, t, err)
}

// Retake enqueues the send of a request whose claim number attempt was
// abandoned (it stayed "sending" past the claim timeout), under a task id
// of its own (retakeTaskID), and reports whether it did (not when that
// retake is queued already, or waits for the provider's events). due is
// the request's, and past.
func (c *Client) Retake(ctx context.Context, tenantID, id string, attempt int, due time.Time) (bool, error) {
	t, err := NewSendTask(tenantID, id, due)
	if err != nil {
		return false, err
	}
	return c.add(ctx, t, asynq.TaskID(retakeTaskID(id, attempt)))
}

// Writeback enqueues the writeback of a response version.
func (c *Client) Writeback(ctx context.Context, tenantID, id string, version int) error {
	t, err := NewWritebackTask(tenantID, id, version)
	return c.enqueue(ctx, t, err)
}
