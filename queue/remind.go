package queue

import (
	"context"

	"github.com/hibiken/asynq"
)

// Reminders (feedback.Service.Remind): the periodic HandleReminders finds
// what is due and enqueues one feedback:remind task per request;
// HandleRemind sends it.
const (
	// reminderMaxRetry bounds the retries of a reminder after provider
	// failures (about a day with RetryDelay's backoff); the last failure
	// ends the reminder as failed, so the look-up stops finding it.
	reminderMaxRetry = 60
)

// NewRemindTask asks a worker to send the reminder of a request. The task
// id keeps the look-up, which runs every few minutes, from queuing the
// same reminder twice while one waits (for a retry, or for the end of
// quiet hours).
func NewRemindTask(tenantID, requestID string) (*asynq.Task, error) {
	return newTask(TypeRemind, Ref{TenantID: tenantID, ID: requestID},
		asynq.TaskID(remindTaskID(requestID)), asynq.Queue(QueueDefault),
		asynq.MaxRetry(reminderMaxRetry), asynq.Timeout(SendTimeout))
}

// Remind enqueues the reminder of a request.
func (c *Client) Remind(ctx context.Context, tenantID, id string) error {
	t, err := NewRemindTask(tenantID, id)
	return c.enqueue(ctx, t, err)
}

// HandleReminders enqueues the reminders that are due
// (feedback.Service.QueueDueReminders).
func (w *Worker) HandleReminders(ctx context.Context, _ *asynq.Task) error {
	return w.Feedback.QueueDueReminders(ctx)
}

// HandleRemind sends the one reminder of a request
// (feedback.Service.Remind).
func (w *Worker) HandleRemind(ctx context.Context, t *asynq.Task) error {
	ref, err := parseRef(t)
	if err != nil {
		return err
	}
	return w.taskError(w.Feedback.Remind(ctx, ref.TenantID, ref.ID, try(ctx)))
}
