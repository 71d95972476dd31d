package queue

import (
	"context"
	"errors"
	"time"

	"github.com/hibiken/asynq"
)

// Reconciler settings: work older than ReconcileGrace that the store says
// is not done is re-enqueued (task ids keep that from doubling anything
// still queued).
const (
	ReconcileGrace = 30 * time.Second
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
func (w *Worker) Reconcile(ctx context.Context) error {
	now := w.now()
	var errs []error
	ins, err := w.Store.StaleInteractions(ctx, now.Add(-ReconcileGrace), reconcileBatch)
	errs = append(errs, err)
	for _, in := range ins {
		errs = append(errs, w.Queue.Interaction(ctx, in.TenantID, in.ID))
	}
	reqs, err := w.Store.DueRequests(ctx, now.Add(reconcileHorizon), reconcileBatch)
	errs = append(errs, err)
	for _, r := range reqs {
		errs = append(errs, w.Queue.Send(ctx, r.TenantID, r.ID, r.DueAt))
	}
	resps, err := w.Store.PendingWritebacks(ctx, now.Add(-ReconcileGrace), reconcileBatch)
	errs = append(errs, err)
	for _, r := range resps {
		errs = append(errs, w.Queue.Writeback(ctx, r.TenantID, r.ID, r.Version))
	}
	if w.Metrics != nil {
		w.Metrics.Reconciled.WithLabelValues("interactions").Add(float64(len(ins)))
		w.Metrics.Reconciled.WithLabelValues("requests").Add(float64(len(reqs)))
		w.Metrics.Reconciled.WithLabelValues("writebacks").Add(float64(len(resps)))
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
