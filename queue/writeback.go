package queue

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// DeliveryEvent is the event type the delivery log records for a
// writeback: what the standard kind's callbacks carry as their type, and
// what a note or CaseComment written to a helpdesk amounts to.
const DeliveryEvent = "feedback.response.created"

// deliveryLog keeps each connector's log of writeback attempts
// (store.RecordDelivery). It is asked for beside Store rather than in it,
// so that stores without a log (test doubles) still serve the worker.
type deliveryLog interface {
	RecordDelivery(ctx context.Context, d *store.DeliveryAttempt) error
}

var _ deliveryLog = (*store.Store)(nil)

// statusWriter is implemented by drivers that can say which HTTP status
// the other side answered (standard, salesforce), for the delivery log. A
// zero status with a nil error means nothing was sent (a standard
// connector without callback_url) and nothing is logged.
type statusWriter interface {
	WritebackStatus(ctx context.Context, w plaudit.Writeback) (int, error)
}

// HandleWriteback writes a response back to the helpdesk its ticket came
// from. Each version is written once: the store keeps the last version
// written, and a task for an older or equal version does nothing.
func (w *Worker) HandleWriteback(ctx context.Context, t *asynq.Task) error {
	ref, err := parseRef(t)
	if err != nil {
		return err
	}
	// The claim lets one worker write at a time, and it writes the newest
	// version: two tasks (one per version) or a task and its take-over
	// copy never post the same version twice.
	// A take-over copy runs because the original's worker died holding the
	// claim (its lease in the queue ran out): it may break that claim.
	taskID, _ := asynq.GetTaskID(ctx)
	takeOver := strings.HasSuffix(taskID, takeoverSuffix)
	resp, claimed, err := w.Store.ClaimWriteback(ctx, ref.TenantID, ref.ID, w.now(), takeOver)
	if plaudit.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !claimed {
		return writebackNotClaimed(resp, ref.Version)
	}
	req, err := w.Store.GetRequest(ctx, resp.TenantID, resp.RequestID)
	if err != nil {
		return permanentIfNotFound(err, "request erased")
	}
	in, err := w.Store.GetInteraction(ctx, resp.TenantID, req.InteractionID)
	if err != nil {
		return permanentIfNotFound(err, "interaction erased")
	}
	if in.ConnectorID == "" {
		return w.Store.MarkWriteback(ctx, resp.TenantID, resp.ID, resp.Version, plaudit.WritebackNone, "")
	}
	con, d, err := w.connector(ctx, resp.TenantID, in.ConnectorID)
	if plaudit.IsNotFound(err) {
		return w.writebackFailed(ctx, resp, "", plaudit.Permanent("connector deleted or disabled", nil))
	}
	if err != nil && con.ID == "" {
		return err
	}
	if err != nil {
		err = plaudit.Permanent("connector misconfigured", err)
		w.logDelivery(ctx, con, resp, 0, err)
		return w.writebackFailed(ctx, resp, con.Kind, err)
	}
	var agent plaudit.Agent
	if req.AgentID != "" {
		if a, err := w.Store.GetAgent(ctx, resp.TenantID, req.AgentID); err == nil {
			agent = a
		}
	}
	version := resp.Version
	wb := plaudit.Writeback{
		Interaction: in, Request: req, Response: resp, Agent: agent,
		Update: resp.WrittenVersion > 0,
	}
	status, sent := 0, true
	err = w.call("writeback:"+con.ID, func() error {
		sw, ok := d.(statusWriter)
		if !ok {
			return d.Writeback(ctx, wb)
		}
		var err error
		status, err = sw.WritebackStatus(ctx, wb)
		sent = status != 0 || err != nil
		return err
	})
	if errors.Is(err, errCircuitOpen) {
		// No call was made: nothing to log, and no retry used up.
		return w.writebackFailed(ctx, resp, con.Kind, err)
	}
	if err != nil && !plaudit.IsPermanent(err) && lastAttempt(ctx) {
		// asynq archives a task that ran out of retries, and its task id
		// keeps the reconciler from enqueuing it again: say so, rather
		// than leave the response pending for ever.
		err = plaudit.Permanent(fmt.Sprintf("gave up after %d attempts: %s", attempt(ctx), deliveryError(err)), err)
	}
	if sent {
		w.logDelivery(ctx, con, resp, status, err)
	}
	if err != nil {
		return w.writebackFailed(ctx, resp, con.Kind, err)
	}
	if w.Metrics != nil {
		w.Metrics.Writebacks.WithLabelValues(con.Kind, "done").Inc()
	}
	return w.Store.MarkWriteback(ctx, resp.TenantID, resp.ID, version, plaudit.WritebackDone, "")
}

// logDelivery records one writeback attempt in the connector's delivery
// log, for every kind: the standard kind's callbacks, and the notes and
// comments written to Zendesk and Salesforce, whose admins want to see
// the same things (is it getting through, why was it refused). A failure
// to log is itself only logged: the writeback's outcome stands.
func (w *Worker) logDelivery(ctx context.Context, con plaudit.Connector, resp plaudit.Response, status int, err error) {
	dl, ok := w.Store.(deliveryLog)
	if !ok {
		return
	}
	outcome := store.DeliveryDelivered
	switch {
	case err == nil:
	case plaudit.IsPermanent(err):
		outcome = store.DeliveryFailed
	default:
		outcome = store.DeliveryRetrying
	}
	d := store.DeliveryAttempt{
		TenantID: resp.TenantID, ConnectorID: con.ID, ResponseID: resp.ID, Version: resp.Version,
		EventType: DeliveryEvent, Attempt: attempt(ctx), StatusCode: status, Outcome: outcome, Error: deliveryError(err),
	}
	if lerr := dl.RecordDelivery(context.WithoutCancel(ctx), &d); lerr != nil {
		w.Log.Warn("writeback attempt not logged", "connector", con.ID, "response", resp.ID, "err", lerr)
	}
}

// attempt is the number of this try of the running task, from 1.
func attempt(ctx context.Context) int {
	n, _ := asynq.GetRetryCount(ctx)
	return n + 1
}

// lastAttempt reports whether the running task has no retry left.
func lastAttempt(ctx context.Context) bool {
	n, ok := asynq.GetRetryCount(ctx)
	limit, ok2 := asynq.GetMaxRetry(ctx)
	return ok && ok2 && n >= limit
}

// deliveryError is the text kept of a failed attempt, for the delivery log
// and writeback_error: a permanent error's reason, or the error's own
// text, which the drivers build from status lines and error codes, never
// from what a provider echoes. The URL of a request that got no answer is
// left out: it is the tenant's endpoint, which may carry a token.
func deliveryError(err error) string {
	if err == nil {
		return ""
	}
	var p *plaudit.PermanentError
	if errors.As(err, &p) {
		return p.Reason
	}
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = strings.Replace(msg, " "+strconv.Quote(ue.URL), "", 1)
	}
	return msg
}

func (w *Worker) writebackFailed(ctx context.Context, resp plaudit.Response, kind string, err error) error {
	var p *plaudit.PermanentError
	if errors.As(err, &p) {
		if w.Metrics != nil {
			w.Metrics.Writebacks.WithLabelValues(kind, "failed").Inc()
		}
		if serr := w.Store.MarkWriteback(ctx, resp.TenantID, resp.ID, resp.Version, plaudit.WritebackFailed, p.Reason); serr != nil {
			return serr
		}
		return fmt.Errorf("writeback: %s: %w", p.Reason, asynq.SkipRetry)
	}
	if w.Metrics != nil {
		w.Metrics.Writebacks.WithLabelValues(kind, "retry").Inc()
	}
	// End the claim, so that the retry (or a newer version's task) can
	// take it at once.
	if serr := w.Store.MarkWriteback(context.WithoutCancel(ctx), resp.TenantID, resp.ID, resp.Version, plaudit.WritebackPending, deliveryError(err)); serr != nil {
		w.Log.Warn("writeback claim not released; it ends at its timeout", "response", resp.ID, "err", serr)
	}
	return fmt.Errorf("writeback to %s: %w", kind, err)
}

// writebackClaimRetry is how soon a task whose version waits for another
// worker's writeback of an older version looks again.
const writebackClaimRetry = 2 * time.Second

// writebackNotClaimed decides what a task for version does when it could
// not claim the writeback: nothing when that version is written, no
// writeback is pending, or the worker holding the claim writes it (or a
// newer one); otherwise it looks again soon, when the older version's
// writeback is done.
func writebackNotClaimed(resp plaudit.Response, version int) error {
	if version == 0 {
		version = resp.Version
	}
	switch {
	case resp.WrittenVersion >= version, resp.WritebackStatus != plaudit.WritebackPending,
		resp.WritingVersion >= version:
		return nil
	}
	return &plaudit.RetryAfterError{After: writebackClaimRetry, Err: errNotDue}
}
