package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/feedback"
	"github.com/plaudit/plaudit/metrics"
	"github.com/plaudit/plaudit/store"
)

// Store is what the periodic maintenance needs of the store, beside the
// use cases' feedback.Store: finding lost work, and the retention sweep.
type Store interface {
	feedback.Store
	StaleInteractions(ctx context.Context, before time.Time, limit int) ([]plaudit.Interaction, error)
	DueRequests(ctx context.Context, dueBy, now time.Time, limit int) ([]plaudit.FeedbackRequest, error)
	PendingWritebacks(ctx context.Context, before time.Time, limit int) ([]plaudit.Response, error)
	SweepRetention(ctx context.Context, tenantID string, before time.Time) (int, error)
	ExpireSuppressions(ctx context.Context, now time.Time) (int, error)
	PruneSeen(ctx context.Context, before time.Time) (int, error)
}

var _ Store = (*store.Store)(nil)

// Worker handles Plaudit's tasks: each task is one call of the feedback
// service, and the periodic ones look in Store for lost work.
type Worker struct {
	Feedback *feedback.Service
	Store    Store
	Queue    *Client
	Metrics  *metrics.Metrics
	Log      *slog.Logger
	Now      func() time.Time
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Mux routes task types to handlers, counting and timing each.
func (w *Worker) Mux() *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.Use(w.observe, w.yield)
	mux.HandleFunc(TypeInteraction, w.HandleInteraction)
	mux.HandleFunc(TypeSend, w.HandleSend)
	mux.HandleFunc(TypeInteractionBatch, w.HandleInteractionBatch)
	mux.HandleFunc(TypeSendBatch, w.HandleSendBatch)
	mux.HandleFunc(TypeWriteback, w.HandleWriteback)
	mux.HandleFunc(TypeReconcile, w.HandleReconcile)
	mux.HandleFunc(TypeRetention, w.HandleRetention)
	mux.HandleFunc(TypeReminders, w.HandleReminders)
	mux.HandleFunc(TypeRemind, w.HandleRemind)
	mux.HandleFunc(TypeTeamNotice, w.HandleTeamNotice)
	mux.HandleFunc(TypeDigests, w.HandleDigests)
	return mux
}

func (w *Worker) observe(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		start := time.Now()
		err := next.ProcessTask(ctx, t)
		outcome := "ok"
		switch {
		case errors.Is(err, asynq.SkipRetry):
			outcome = "failed"
		case errors.Is(err, errNotDue) || errors.Is(err, feedback.ErrCircuitOpen):
			outcome = "deferred"
		case err != nil:
			outcome = "retry"
			// The error text comes from our own code and providers' status
			// lines; it carries no personal data by construction.
			w.Log.Warn("task failed, will retry", "type", t.Type(), "err", err)
		}
		if w.Metrics != nil {
			w.Metrics.Tasks.WithLabelValues(t.Type(), outcome).Inc()
			w.Metrics.TaskDuration.WithLabelValues(t.Type()).Observe(time.Since(start).Seconds())
		}
		return err
	})
}

// yield makes a writeback task do nothing when the reconciler has handed
// its work to a take-over copy because the task was orphaned
// (Client.requeue). asynq recovers the orphan later, and the reconciler
// may enqueue its id again while the copy waits for a retry, but only one
// of them may do the work: two writebacks of one version at once could
// post the note twice, since the store learns of the first only after its
// call. Sends need no such look-up (the claim in the store lets one
// through), nor do interactions (one request per interaction). A failed
// look-up is no reason to skip the work.
func (w *Worker) yield(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		id, _ := asynq.GetTaskID(ctx)
		queue, _ := asynq.GetQueueName(ctx)
		if t.Type() != TypeWriteback || w.Queue == nil || id == "" || strings.HasSuffix(id, takeoverSuffix) {
			return next.ProcessTask(ctx, t)
		}
		if yes, err := w.Queue.takenOver(queue, id); err == nil && yes {
			w.Log.Info("task left to its take-over copy", "task", id)
			return nil
		}
		return next.ProcessTask(ctx, t)
	})
}

// RetryDelay is asynq's RetryDelayFunc: a provider's Retry-After when it
// gave one, else exponential backoff from 5 s to 30 min, each with jitter
// so that retries after an outage do not arrive all at once.
func RetryDelay(n int, err error, _ *asynq.Task) time.Duration {
	if d, ok := plaudit.RetryAfter(err); ok {
		return d + time.Duration(rand.Int64N(int64(d/10)+1))
	}
	d := 5 * time.Second << min(n, 12)
	if d > 30*time.Minute {
		d = 30 * time.Minute
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// errNotDue marks a task that ran before its work is due (a
// feedback.NotDueError); it runs again at the due time and, like an open
// circuit, uses up no retry.
var errNotDue = errors.New("not due yet")

// taskError translates what a use case returned into asynq's terms: work
// not due yet runs again at its time, a permanent failure is not retried.
func (w *Worker) taskError(err error) error {
	var nd *feedback.NotDueError
	if errors.As(err, &nd) {
		now := w.now()
		return &plaudit.RetryAfterError{After: notBefore(nd.Until, now).Sub(now), Err: fmt.Errorf("%w: %s", errNotDue, nd.Reason)}
	}
	if plaudit.IsPermanent(err) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}

// try describes the running task's attempt.
func try(ctx context.Context) feedback.Try {
	n, ok := asynq.GetRetryCount(ctx)
	limit, ok2 := asynq.GetMaxRetry(ctx)
	id, _ := asynq.GetTaskID(ctx)
	return feedback.Try{Attempt: n + 1, Last: ok && ok2 && n >= limit, TakeOver: strings.HasSuffix(id, takeoverSuffix)}
}
