package queue

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/metrics"
	"github.com/plaudit/plaudit/notify"
	"github.com/plaudit/plaudit/store"
)

// Store is what the workers need of the store.
type Store interface {
	GetTenant(ctx context.Context, id string) (plaudit.Tenant, error)
	ListTenants(ctx context.Context) ([]plaudit.Tenant, error)
	GetAgent(ctx context.Context, tenantID, id string) (plaudit.Agent, error)
	FindAgent(ctx context.Context, tenantID, kind, externalID, email string) (plaudit.Agent, error)
	GetInteraction(ctx context.Context, tenantID, id string) (plaudit.Interaction, error)
	UpdateInteraction(ctx context.Context, in plaudit.Interaction) error
	StaleInteractions(ctx context.Context, before time.Time, limit int) ([]plaudit.Interaction, error)
	CreateRequest(ctx context.Context, r *plaudit.FeedbackRequest) (bool, error)
	GetRequest(ctx context.Context, tenantID, id string) (plaudit.FeedbackRequest, error)
	ClaimRequest(ctx context.Context, tenantID, id string, now time.Time) (plaudit.FeedbackRequest, bool, error)
	DueReminders(ctx context.Context, tenantID string, sentBy, sentAfter time.Time, limit int) ([]plaudit.FeedbackRequest, error)
	AbandonedReminders(ctx context.Context, now time.Time, limit int) ([]plaudit.FeedbackRequest, error)
	ClaimReminder(ctx context.Context, tenantID, id string, now, sentBy, sentAfter time.Time) (plaudit.FeedbackRequest, bool, error)
	MarkReminderSent(ctx context.Context, tenantID, id string, at time.Time) error
	ReleaseReminder(ctx context.Context, tenantID, id string) error
	SkipReminder(ctx context.Context, tenantID, id, status string, at time.Time) error
	MarkRequestSent(ctx context.Context, tenantID, id, providerID string, at time.Time) error
	TransitionRequest(ctx context.Context, tenantID, id string, t plaudit.Transition) (plaudit.FeedbackRequest, error)
	CancelScheduledForTicket(ctx context.Context, tenantID, connectorID, ticketID string) (int, error)
	RecentlyAsked(ctx context.Context, tenantID, recipientHash string, since time.Time) (bool, error)
	DueRequests(ctx context.Context, dueBy, now time.Time, limit int) ([]plaudit.FeedbackRequest, error)
	IsSuppressed(ctx context.Context, tenantID, addressHash string, now time.Time) (bool, error)
	GetResponse(ctx context.Context, tenantID, id string) (plaudit.Response, error)
	ClaimWriteback(ctx context.Context, tenantID, id string, now time.Time, takeOver bool) (plaudit.Response, bool, error)
	MarkWriteback(ctx context.Context, tenantID, id string, version int, status, errText string) error
	PendingWritebacks(ctx context.Context, before time.Time, limit int) ([]plaudit.Response, error)
	SweepRetention(ctx context.Context, tenantID string, before time.Time) (int, error)
	ExpireSuppressions(ctx context.Context, now time.Time) (int, error)
	PruneSeen(ctx context.Context, before time.Time) (int, error)
}

var _ Store = (*store.Store)(nil)

// Connectors gives a connector and its driver by id
// (connectors.Cache, whose entries leave memory within seconds of a
// change). A connector whose config its kind refuses comes with the
// kind's error.
type Connectors interface {
	Get(ctx context.Context, id string) (plaudit.Connector, plaudit.Driver, error)
}

// connector returns one of a tenant's connectors and its driver; another
// tenant's is not found.
func (w *Worker) connector(ctx context.Context, tenantID, id string) (plaudit.Connector, plaudit.Driver, error) {
	con, d, err := w.Connectors.Get(ctx, id)
	if con.ID != "" && con.TenantID != tenantID {
		return plaudit.Connector{}, nil, plaudit.Errorf(plaudit.ENotFound, "connector not found")
	}
	return con, d, err
}

// Worker handles Plaudit's tasks.
type Worker struct {
	Store       Store
	Queue       *Client
	Connectors  Connectors
	Email       notify.EmailSender
	SMS         notify.SMSSender
	Metrics     *metrics.Metrics
	Log         *slog.Logger
	PublicURL   string // base of page links and callback URLs
	ReplyDomain string // PLAUDIT_INBOUND_EMAIL_DOMAIN; "" means no reply routing
	FromEmail   string // default sender when a tenant sets none
	// SMSFrom is the shared SMS sender (TWILIO_MESSAGING_SERVICE_SID or
	// TWILIO_FROM), recorded on requests of tenants without sms_from.
	SMSFrom string
	Now     func() time.Time

	circuits breakers
}

// call runs f unless the named provider's circuit is open, and records
// the outcome.
func (w *Worker) call(name string, f func() error) error {
	b := w.circuits.get(name, w.Metrics)
	now := w.now()
	if err := b.allow(now); err != nil {
		return err
	}
	err := f()
	b.record(err, w.now())
	return err
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
	mux.HandleFunc(TypeWriteback, w.HandleWriteback)
	mux.HandleFunc(TypeReconcile, w.HandleReconcile)
	mux.HandleFunc(TypeRetention, w.HandleRetention)
	mux.HandleFunc(TypeReminders, w.HandleReminders)
	mux.HandleFunc(TypeRemind, w.HandleRemind)
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
		case errors.Is(err, errNotDue) || errors.Is(err, errCircuitOpen):
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
