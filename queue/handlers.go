package queue

import (
	"context"

	"github.com/hibiken/asynq"
)

// HandleInteraction decides on a received interaction, as a batch of one
// (feedback.Service.DecideBatch: fewer statements and commits than
// Decide, by the same rules).
func (w *Worker) HandleInteraction(ctx context.Context, t *asynq.Task) error {
	ref, err := parseRef(t)
	if err != nil {
		return err
	}
	return w.taskError(w.Feedback.DecideBatch(ctx, ref.TenantID, []string{ref.ID}))
}

// HandleSend sends one feedback request (feedback.Service.Send). A request
// not due yet runs this same task again at its due time: enqueuing anew
// would collide with this task's own id.
func (w *Worker) HandleSend(ctx context.Context, t *asynq.Task) error {
	ref, err := parseRef(t)
	if err != nil {
		return err
	}
	return w.taskError(w.Feedback.Send(ctx, ref.TenantID, ref.ID))
}

// HandleWriteback writes a response back to its helpdesk
// (feedback.Service.Writeback). A take-over copy of an orphaned task may
// break the claim its dead worker held.
func (w *Worker) HandleWriteback(ctx context.Context, t *asynq.Task) error {
	ref, err := parseRef(t)
	if err != nil {
		return err
	}
	return w.taskError(w.Feedback.Writeback(ctx, ref.TenantID, ref.ID, ref.Version, try(ctx)))
}
