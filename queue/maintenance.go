package queue

import (
	"context"
	"errors"
	"time"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit"
)

// Reconciler settings: work older than ReconcileGrace that the store says
// is not done is re-enqueued (task ids keep that from doubling anything
// still queued).
const (
	ReconcileGrace = 30 * time.Second
	// OrphanedAfter is how long after a worker died asynq has surely
	// marked the tasks it held as orphaned: its lease (30 s in asynq, not
	// configurable), renewed until the death, plus a margin. A process
	// that starts reconciles once more after this long, to take over what
	// a killed predecessor left.
	OrphanedAfter  = 32 * time.Second
	reconcileBatch = 500
	// reconcileHorizon reaches past the next run: requests due before it
	// are enqueued now (for their due time), so that a lost request is not
	// late by up to a reconcile interval.
	reconcileHorizon = 2 * time.Minute
)

// HandleReconcile re-enqueues what the store says is due but the queue may
// have lost (Redis flushed, replaced, or an enqueue that failed after a
// commit): received interactions, due requests and pending writebacks.
func (w *Worker) HandleReconcile(ctx context.Context, _ *asynq.Task) error {
	return w.Reconcile(ctx)
}

// Reconcile is HandleReconcile without a task, for start-up.
//
// Work that a killed worker was doing is re-enqueued here too. A send it
// had claimed stays "sending" until the claim timeout, and is then taken
// again under a task id of its own (Client.Retake): the claim in the store
// keeps it from going out twice. Any other task it held stays "active" in
// asynq, and its id blocks a plain re-enqueue until asynq recovers it (a
// minute or two later); once asynq's lease on it has run out, a copy takes
// the work over at once (Client.requeue).
func (w *Worker) Reconcile(ctx context.Context) error {
	now := w.now()
	var errs []error
	// Without the orphans (Redis trouble), everything is enqueued as
	// usual and orphans wait for asynq's own recovery.
	orphans, err := w.Queue.Orphans()
	errs = append(errs, err)
	tookOver := 0
	requeue := func(id string, t *asynq.Task, err error) {
		took, err := w.Queue.requeue(ctx, orphans, id, t, err)
		errs = append(errs, err)
		if took {
			tookOver++
			w.Log.Info("took over a task left by a dead worker", "task", id)
		}
	}
	ins, err := w.Store.StaleInteractions(ctx, now.Add(-ReconcileGrace), reconcileBatch)
	errs = append(errs, err)
	for _, in := range ins {
		t, err := NewInteractionTask(in.TenantID, in.ID)
		requeue(interactionTaskID(in.ID), t, err)
	}
	reqs, err := w.Store.DueRequests(ctx, now.Add(reconcileHorizon), now, reconcileBatch)
	errs = append(errs, err)
	for _, r := range reqs {
		if r.Status == plaudit.RequestSending {
			added, err := w.Queue.Retake(ctx, r.TenantID, r.ID, r.Attempts, r.DueAt)
			errs = append(errs, err)
			if added {
				w.Log.Info("send claim abandoned, sending again unless the provider took it", "request", r.ID, "attempt", r.Attempts)
			}
			continue
		}
		t, err := NewSendTask(r.TenantID, r.ID, r.DueAt)
		requeue(sendTaskID(r.ID), t, err)
	}
	resps, err := w.Store.PendingWritebacks(ctx, now.Add(-ReconcileGrace), reconcileBatch)
	errs = append(errs, err)
	for _, r := range resps {
		t, err := NewWritebackTask(r.TenantID, r.ID, r.Version)
		requeue(writebackTaskID(r.ID, r.Version), t, err)
	}
	if w.Metrics != nil {
		w.Metrics.Reconciled.WithLabelValues("interactions").Add(float64(len(ins)))
		w.Metrics.Reconciled.WithLabelValues("requests").Add(float64(len(reqs)))
		w.Metrics.Reconciled.WithLabelValues("writebacks").Add(float64(len(resps)))
		w.Metrics.Reconciled.WithLabelValues("orphaned_tasks").Add(float64(tookOver))
	}
	return errors.Join(errs...)
}

// HandleRetention erases personal data older than each tenant's
// retention_days (anonymous aggregates stay), expires suppressions and
// forgets old dedup keys.
func (w *Worker) HandleRetention(ctx context.Context, _ *asynq.Task) error {
	now := w.now()
	tenants, err := w.Store.ListTenants(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range tenants {
		before := now.Add(-time.Duration(t.Settings.RetentionDays) * 24 * time.Hour)
		n, err := w.Store.SweepRetention(ctx, t.ID, before)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if n > 0 {
			w.Log.Info("retention sweep erased personal data", "tenant", t.ID, "rows", n)
		}
	}
	_, err = w.Store.ExpireSuppressions(ctx, now)
	errs = append(errs, err)
	_, err = w.Store.PruneSeen(ctx, now.Add(-7*24*time.Hour))
	errs = append(errs, err)
	return errors.Join(errs...)
}
