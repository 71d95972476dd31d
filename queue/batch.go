package queue

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
)

// Batch task types: several interactions, or several sends due in the same
// second, in one task. Like every task they carry ids only.
const (
	TypeInteractionBatch = "interaction:batch"
	TypeSendBatch        = "feedback:send-batch"
)

// Batch is the payload of a batch task: ids grouped by tenant.
type Batch []BatchGroup

// BatchGroup is one tenant's ids in a batch.
type BatchGroup struct {
	TenantID string   `json:"t"`
	IDs      []string `json:"ids"`
}

// maxSendBatch caps the sends of one task, which a worker runs
// sendsAtOnce at a time: so a batch of sends due in the same second is
// sent in a few provider round trips, not in one after the other.
const (
	maxSendBatch = 16
	sendsAtOnce  = 4
)

// group gathers refs by tenant, in the order the tenants first appear.
func group(refs []Ref) Batch {
	var b Batch
	at := map[string]int{}
	for _, r := range refs {
		i, ok := at[r.TenantID]
		if !ok {
			i = len(b)
			at[r.TenantID] = i
			b = append(b, BatchGroup{TenantID: r.TenantID})
		}
		b[i].IDs = append(b[i].IDs, r.ID)
	}
	return b
}

// batchTaskID names a batch by its content: enqueuing the same batch again
// while it is queued is a no-op, and different batches never collide.
func batchTaskID(prefix string, b Batch) string {
	h := sha256.New()
	for _, g := range b {
		fmt.Fprintf(h, "%s\x00%s\x00", g.TenantID, strings.Join(g.IDs, "\x00"))
	}
	return prefix + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}

func newBatchTask(typ string, b Batch, opts ...asynq.Option) (*asynq.Task, error) {
	payload, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("queue: encode %s: %w", typ, err)
	}
	return asynq.NewTask(typ, payload, opts...), nil
}

func parseBatch(t *asynq.Task) (Batch, error) {
	var b Batch
	if err := json.Unmarshal(t.Payload(), &b); err != nil || len(b) == 0 {
		return nil, fmt.Errorf("queue: malformed %s payload: %w", t.Type(), asynq.SkipRetry)
	}
	for _, g := range b {
		if g.TenantID == "" || len(g.IDs) == 0 || len(g.IDs) > maxTaskBatch {
			return nil, fmt.Errorf("queue: malformed %s payload: %w", t.Type(), asynq.SkipRetry)
		}
	}
	return b, nil
}

// NewInteractionBatchTask asks a worker to decide on several interactions
// (feedback.Service.DecideBatch).
func NewInteractionBatchTask(b Batch) (*asynq.Task, error) {
	return newBatchTask(TypeInteractionBatch, b, asynq.TaskID(batchTaskID("intb:", b)),
		asynq.Queue(QueueCritical), asynq.MaxRetry(maxRetry))
}

// NewSendBatchTask asks a worker to send several of a tenant's requests,
// all due by due.
func NewSendBatchTask(tenantID string, ids []string, due time.Time) (*asynq.Task, error) {
	b := Batch{{TenantID: tenantID, IDs: ids}}
	return newBatchTask(TypeSendBatch, b, asynq.TaskID(batchTaskID("sendb:", b)), asynq.Queue(QueueCritical),
		asynq.ProcessAt(notBefore(due, time.Now())), asynq.MaxRetry(maxRetry), asynq.Timeout(SendTimeout))
}

// enqueueInteractions is the coalescer's writer: one interaction is its
// plain task, as ever; more are one batch task.
func (c *Client) enqueueInteractions(ctx context.Context, refs []Ref) error {
	if len(refs) == 1 {
		t, err := NewInteractionTask(refs[0].TenantID, refs[0].ID)
		return c.enqueue(ctx, t, err)
	}
	t, err := NewInteractionBatchTask(group(refs))
	return c.enqueue(ctx, t, err)
}

// SendBatch enqueues the sends of several of a tenant's requests, due by
// due, as tasks of up to maxSendBatch (feedback.SendBatcher).
func (c *Client) SendBatch(ctx context.Context, tenantID string, ids []string, due time.Time) error {
	for len(ids) > 0 {
		n := min(len(ids), maxSendBatch)
		var (
			t   *asynq.Task
			err error
		)
		if n == 1 {
			t, err = NewSendTask(tenantID, ids[0], due)
		} else {
			t, err = NewSendBatchTask(tenantID, ids[:n], due)
		}
		if err := c.enqueue(ctx, t, err); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// HandleInteractionBatch decides on a batch of interactions, one tenant's
// at a time (feedback.Service.DecideBatch). Run again, it does nothing
// twice: interactions decided already only have their sends queued again.
func (w *Worker) HandleInteractionBatch(ctx context.Context, t *asynq.Task) error {
	b, err := parseBatch(t)
	if err != nil {
		return err
	}
	var errs []error
	for _, g := range b {
		errs = append(errs, w.Feedback.DecideBatch(ctx, g.TenantID, g.IDs))
	}
	return w.taskError(errors.Join(errs...))
}

// HandleSendBatch sends a batch of requests, a few at a time. A send that
// must be tried again (a provider failure, an open circuit, a request not
// due yet) continues as its own send task, with its own retries from
// there, so that the others are not sent again; only when that task
// cannot be queued does the batch fail, to be run again (the sends done
// are claimed in the store and not repeated).
func (w *Worker) HandleSendBatch(ctx context.Context, t *asynq.Task) error {
	b, err := parseBatch(t)
	if err != nil {
		return err
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	slots := make(chan struct{}, sendsAtOnce)
	for _, g := range b {
		for _, id := range g.IDs {
			slots <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-slots; wg.Done() }()
				if err := w.sendOrHandOn(ctx, g.TenantID, id); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sendOrHandOn sends one request of a batch; when that is to be tried
// again, it queues the request's own send task for then.
func (w *Worker) sendOrHandOn(ctx context.Context, tenantID, id string) error {
	err := w.taskError(w.Feedback.Send(ctx, tenantID, id))
	if err == nil || errors.Is(err, asynq.SkipRetry) {
		return nil // sent, or ended for good (the request says why)
	}
	if !errors.Is(err, errNotDue) {
		w.Log.Warn("send in a batch failed, will retry on its own", "request", id, "err", err)
	}
	t, terr := NewSendTask(tenantID, id, w.now())
	if terr != nil {
		return terr
	}
	_, aerr := w.Queue.add(ctx, t, asynq.ProcessIn(RetryDelay(0, err, t)))
	return aerr
}
