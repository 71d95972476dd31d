// Package queue holds Plaudit's asynq tasks: their types and payloads
// (NewXxxTask), their handlers (HandleXxx), the client that enqueues them,
// the worker mux and the periodic scheduler.
//
// A task carries ids only, never personal data: the store is the source of
// truth, and a reconciler re-enqueues whatever the store says is due but
// the queue lost.
package queue

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// Task types.
const (
	TypeInteraction = "interaction:process"
	TypeSend        = "feedback:send"
	TypeWriteback   = "response:writeback"
	TypeReconcile   = "maintenance:reconcile"
	TypeRetention   = "maintenance:retention"
	TypeReminders   = "maintenance:reminders"
	TypeRemind      = "feedback:remind"
)

// Queue names and their weights: customer-facing work first.
const (
	QueueCritical    = "critical"
	QueueDefault     = "default"
	QueueMaintenance = "maintenance"
)

// Queues is the weighting workers use.
var Queues = map[string]int{QueueCritical: 6, QueueDefault: 3, QueueMaintenance: 1}

// Ref names one row of one tenant: the only thing a task carries.
type Ref struct {
	TenantID string `json:"t"`
	ID       string `json:"id"`
	// Version is the response version a writeback task is for.
	Version int `json:"v,omitempty"`
}

func newTask(typ string, ref Ref, opts ...asynq.Option) (*asynq.Task, error) {
	b, err := json.Marshal(ref)
	if err != nil {
		return nil, fmt.Errorf("queue: encode %s: %w", typ, err)
	}
	return asynq.NewTask(typ, b, opts...), nil
}

func parseRef(t *asynq.Task) (Ref, error) {
	var r Ref
	if err := json.Unmarshal(t.Payload(), &r); err != nil || r.TenantID == "" || r.ID == "" {
		return Ref{}, fmt.Errorf("queue: malformed %s payload: %w", t.Type(), asynq.SkipRetry)
	}
	return r, nil
}

// NewInteractionTask asks a worker to decide on a received interaction. The
// task id makes a second enqueue of the same interaction a no-op while the
// first is queued.
func NewInteractionTask(tenantID, interactionID string) (*asynq.Task, error) {
	return newTask(TypeInteraction, Ref{TenantID: tenantID, ID: interactionID},
		asynq.TaskID(interactionTaskID(interactionID)), asynq.Queue(QueueCritical), asynq.MaxRetry(maxRetry))
}

// NewSendTask asks a worker to send a feedback request at due.
func NewSendTask(tenantID, requestID string, due time.Time) (*asynq.Task, error) {
	return newTask(TypeSend, Ref{TenantID: tenantID, ID: requestID},
		asynq.TaskID(sendTaskID(requestID)), asynq.Queue(QueueCritical), asynq.ProcessAt(notBefore(due, time.Now())),
		asynq.MaxRetry(maxRetry), asynq.Timeout(SendTimeout))
}

// notBefore is when asynq should run a task due at due. asynq keeps
// scheduled tasks by whole seconds, cutting the fraction off, so a task
// due at 12:00:00.7 would run at 12:00:00, find its request not due yet
// and be retried. A time in the future is therefore rounded up to the
// next second; one already past stays as it is, so that it runs at once.
func notBefore(due, now time.Time) time.Time {
	if !due.After(now) {
		return due
	}
	if t := due.Truncate(time.Second); t.Before(due) {
		return t.Add(time.Second)
	}
	return due
}

// SendTimeout is the longest a send task runs: a claim older than that
// belongs to a worker that died, or froze.
const SendTimeout = 60 * time.Second

// Task ids: one per piece of work, so that enqueuing it again while it is
// queued is a no-op.
func interactionTaskID(id string) string            { return "int:" + id }
func sendTaskID(id string) string                   { return "send:" + id }
func writebackTaskID(id string, version int) string { return fmt.Sprintf("wb:%s:%d", id, version) }
func remindTaskID(id string) string                 { return "rem:" + id }

// retakeTaskID names the send of a request whose claim number attempt was
// abandoned. The request's own id may still be held by the task that made
// the claim (its worker died and asynq has not recovered it yet, or it
// waits for a retry); the claim in the store keeps the two from sending
// twice.
func retakeTaskID(id string, attempt int) string {
	return fmt.Sprintf("send:%s:retake:%d", id, attempt)
}

// takeoverSuffix marks the copy of a task that the reconciler enqueues
// when the original is orphaned (see Client.requeue).
const takeoverSuffix = ":takeover"

// maxRetry keeps a send or writeback retrying for days (the backoff is
// capped at 30 minutes): a task that runs out of retries is archived and
// its task id blocks the reconciler from enqueuing it again.
const maxRetry = 200

// NewWritebackTask asks a worker to write version of a response back.
func NewWritebackTask(tenantID, responseID string, version int) (*asynq.Task, error) {
	return newTask(TypeWriteback, Ref{TenantID: tenantID, ID: responseID, Version: version},
		asynq.TaskID(writebackTaskID(responseID, version)), asynq.Queue(QueueDefault),
		asynq.MaxRetry(maxRetry), asynq.Timeout(60*time.Second))
}
