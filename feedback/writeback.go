package feedback

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// WritebackEvent is the event type the delivery log records for a
// writeback: what the standard kind's callbacks carry as their type, and
// what a note or CaseComment written to a helpdesk amounts to.
const WritebackEvent = "feedback.response.created"

// statusWriter is implemented by drivers that can say which HTTP status
// the other side answered (standard, salesforce), for the delivery log. A
// zero status with a nil error means nothing was sent (a standard
// connector without callback_url) and nothing is logged.
type statusWriter interface {
	WritebackStatus(ctx context.Context, w plaudit.Writeback) (int, error)
}

// Writeback writes a response back to the helpdesk its ticket came from.
// Each version is written once: the store keeps the last version written,
// and a call for an older or equal version does nothing.
//
// A writeback that must wait for another worker's returns a NotDueError;
// one that no retry can mend is marked failed and returns a
// plaudit.PermanentError.
func (s *Service) Writeback(ctx context.Context, tenantID, id string, version int, try Try) error {
	// The claim lets one worker write at a time, and it writes the newest
	// version: two tasks (one per version) or a task and its take-over
	// copy never post the same version twice.
	// A take-over copy runs because the original's worker died holding the
	// claim (its lease in the queue ran out): it may break that claim.
	resp, claimed, err := s.Store.ClaimWriteback(ctx, tenantID, id, s.now(), try.TakeOver)
	if plaudit.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !claimed {
		return writebackNotClaimed(resp, version, s.now())
	}
	wb, err := s.writebackOf(ctx, resp)
	if err != nil {
		return err
	}
	in := wb.Interaction
	if in.ConnectorID == "" {
		return s.Store.MarkWriteback(ctx, resp.TenantID, resp.ID, resp.Version, plaudit.WritebackNone, "")
	}
	con, d, err := s.connector(ctx, resp.TenantID, in.ConnectorID)
	if plaudit.IsNotFound(err) {
		return s.writebackFailed(ctx, resp, "", plaudit.Permanent("connector deleted or disabled", nil))
	}
	if err != nil && con.ID == "" {
		return err
	}
	if err != nil {
		err = plaudit.Permanent("connector misconfigured", err)
		s.logDelivery(ctx, con, resp, try, 0, err)
		return s.writebackFailed(ctx, resp, con.Kind, err)
	}
	status, sent, err := s.post(ctx, con, d, wb)
	if errors.Is(err, ErrCircuitOpen) {
		// No call was made: nothing to log, and no retry used up.
		return s.writebackFailed(ctx, resp, con.Kind, err)
	}
	if err != nil && !plaudit.IsPermanent(err) && try.Last {
		// The queue drops a task that ran out of retries, and its task id
		// keeps the reconciler from queuing it again: say so, rather than
		// leave the response pending for ever.
		err = plaudit.Permanent(fmt.Sprintf("gave up after %d attempts: %s", try.Attempt, deliveryError(err)), err)
	}
	if sent {
		s.logDelivery(ctx, con, resp, try, status, err)
	}
	if err != nil {
		return s.writebackFailed(ctx, resp, con.Kind, err)
	}
	if s.Metrics != nil {
		s.Metrics.Writebacks.WithLabelValues(con.Kind, "done").Inc()
	}
	return s.Store.MarkWriteback(ctx, resp.TenantID, resp.ID, resp.Version, plaudit.WritebackDone, "")
}

// writebackOf gathers what a driver writes back for resp: its request,
// interaction and agent.
func (s *Service) writebackOf(ctx context.Context, resp plaudit.Response) (plaudit.Writeback, error) {
	req, err := s.Store.GetRequest(ctx, resp.TenantID, resp.RequestID)
	if err != nil {
		return plaudit.Writeback{}, permanentIfNotFound(err, "request erased")
	}
	in, err := s.Store.GetInteraction(ctx, resp.TenantID, req.InteractionID)
	if err != nil {
		return plaudit.Writeback{}, permanentIfNotFound(err, "interaction erased")
	}
	var agent plaudit.Agent
	if req.AgentID != "" {
		if a, err := s.Store.GetAgent(ctx, resp.TenantID, req.AgentID); err == nil {
			agent = a
		}
	}
	wb := plaudit.Writeback{
		Interaction: in, Request: req, Response: resp, Agent: agent,
		Update: resp.WrittenVersion > 0,
	}
	if s.PublicURL != "" {
		wb.ResponseURL = strings.TrimRight(s.PublicURL, "/") + "/console/responses/" + url.PathEscape(resp.ID)
	}
	return wb, nil
}

// post hands wb to the connector's driver, through the connector's
// circuit. It returns the status the other side answered, when the driver
// can say, and whether anything was sent at all (a standard connector
// without callback_url sends nothing).
func (s *Service) post(ctx context.Context, con plaudit.Connector, d plaudit.Driver, wb plaudit.Writeback) (status int, sent bool, err error) {
	sent = true
	err = s.callAs("writeback:"+con.ID, "writeback:"+con.Kind, func() error {
		sw, ok := d.(statusWriter)
		if !ok {
			return d.Writeback(ctx, wb)
		}
		var err error
		status, err = sw.WritebackStatus(ctx, wb)
		sent = status != 0 || err != nil
		return err
	})
	return status, sent, err
}

// logDelivery records one writeback attempt in the connector's delivery
// log, for every kind: the standard kind's callbacks, and the notes and
// comments written to Zendesk and Salesforce, whose admins want to see
// the same things (is it getting through, why was it refused). A failure
// to log is itself only logged: the writeback's outcome stands.
func (s *Service) logDelivery(ctx context.Context, con plaudit.Connector, resp plaudit.Response, try Try, status int, err error) {
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
		EventType: WritebackEvent, Attempt: try.Attempt, StatusCode: status, Outcome: outcome, Error: deliveryError(err),
	}
	if lerr := s.Store.RecordDelivery(context.WithoutCancel(ctx), &d); lerr != nil {
		s.log().Warn("writeback attempt not logged", "connector", con.ID, "response", resp.ID, "err", lerr)
	}
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

func (s *Service) writebackFailed(ctx context.Context, resp plaudit.Response, kind string, err error) error {
	var p *plaudit.PermanentError
	if errors.As(err, &p) {
		if s.Metrics != nil {
			s.Metrics.Writebacks.WithLabelValues(kind, "failed").Inc()
		}
		if serr := s.Store.MarkWriteback(ctx, resp.TenantID, resp.ID, resp.Version, plaudit.WritebackFailed, p.Reason); serr != nil {
			return serr
		}
		return err
	}
	if s.Metrics != nil {
		s.Metrics.Writebacks.WithLabelValues(kind, "retry").Inc()
	}
	// End the claim, so that the retry (or a newer version's task) can
	// take it at once.
	if serr := s.Store.MarkWriteback(context.WithoutCancel(ctx), resp.TenantID, resp.ID, resp.Version, plaudit.WritebackPending, deliveryError(err)); serr != nil {
		s.log().Warn("writeback claim not released; it ends at its timeout", "response", resp.ID, "err", serr)
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
func writebackNotClaimed(resp plaudit.Response, version int, now time.Time) error {
	if version == 0 {
		version = resp.Version
	}
	switch {
	case resp.WrittenVersion >= version, resp.WritebackStatus != plaudit.WritebackPending,
		resp.WritingVersion >= version:
		return nil
	}
	return &NotDueError{Until: now.Add(writebackClaimRetry), Reason: "an older version is being written back"}
}
