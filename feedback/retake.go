package feedback

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
)

// A retake is a claim that takes over one a dead worker left "sending"
// (its claim older than PLAUDIT_CLAIM_TIMEOUT). That worker may have died
// after the provider took the message and before the store recorded it;
// neither SendGrid nor Twilio takes an idempotency key, so sending again
// blindly would ask the customer twice. A retake therefore looks for
// evidence first:
//
//   - a provider message kept for the request (ApplyDelivery keeps every
//     event, also one that came while the request was still "sending");
//   - for SMS, Twilio's own list of messages (SMSLookup).
//
// With evidence the request (or its reminder) is marked sent with the
// provider's id, and nothing is sent. Without it, an email whose provider
// posts events (EmailEvents) waits until EventWait after the abandoned
// claim for them to come, with the claim handed back; then it is sent
// again. Without events configured nothing can tell, and the message is
// sent again, as before: docs/reliability.md says so.

// EventWait is how long after an abandoned claim a retake of an email
// waits for SendGrid's events before it sends again. SendGrid posts the
// "processed" event within seconds of taking a message; two minutes leave
// room for its delays and for a gateway that was down meanwhile (SendGrid
// retries a failed post).
const EventWait = 2 * time.Minute

// retake decides what a claim that took over an abandoned one does (of the
// first message, or of the reminder). done reports that nothing is to be
// sent now: the provider had taken the message, or the claim went back to
// wait for its word (err is then a NotDueError), or the evidence could not
// be read (err says why; the claim went back, to be taken again).
func (s *Service) retake(ctx context.Context, req plaudit.FeedbackRequest, reminder bool) (done bool, err error) {
	msgs, providerID, err := s.evidence(ctx, req, reminder)
	if err != nil {
		return true, s.returnClaim(ctx, req, reminder, err)
	}
	if providerID != "" {
		s.log().Info("abandoned claim: the provider had taken the message; marked sent, not sent again",
			"request", req.ID, "reminder", reminder)
		if s.Metrics != nil {
			s.Metrics.Sends.WithLabelValues(req.Channel, "retake_found").Inc()
		}
		return true, s.markTaken(ctx, req, reminder, providerID, msgs)
	}
	if until := req.AbandonedAt.Add(EventWait); s.waitsForEvents(req.Channel) && s.now().Before(until) {
		s.log().Info("abandoned claim: waiting for the provider's events before sending again",
			"request", req.ID, "reminder", reminder, "until", until)
		return true, s.returnClaim(ctx, req, reminder, &NotDueError{Until: until, Reason: "waiting for the provider's events on an abandoned send"})
	}
	s.log().Warn("abandoned claim: no evidence that the provider took the message; sending again",
		"request", req.ID, "reminder", reminder, "channel", req.Channel)
	return false, nil
}

// waitsForEvents reports whether the provider of channel posts events
// that a retake waits for.
func (s *Service) waitsForEvents(channel string) bool {
	return channel == plaudit.ChannelEmail && s.EmailEvents
}

// evidence returns what providers said about the message, and the
// provider's id of it when the provider took it ("" when nothing says so).
func (s *Service) evidence(ctx context.Context, req plaudit.FeedbackRequest, reminder bool) ([]plaudit.ProviderMessage, string, error) {
	msgs, err := s.Store.ProviderMessages(ctx, req.TenantID, req.ID, reminder)
	if err != nil {
		return nil, "", err
	}
	if len(msgs) > 0 {
		return msgs, msgs[0].ProviderID, nil
	}
	if req.Channel != plaudit.ChannelSMS || s.SMSLookup == nil {
		return nil, "", nil
	}
	id, err := s.SMSLookup.FindSMS(ctx, notify.SMSQuery{
		To: req.Recipient, From: req.Sender,
		// A minute's margin for the clocks of Twilio and ours; the link
		// in the body names the one request.
		Since: req.AbandonedAt.Add(-time.Minute), Contains: "/f/" + req.Token,
	})
	if err != nil {
		// Not knowing is no reason to give up the request.
		return nil, "", fmt.Errorf("look-up of an abandoned SMS at the provider: %s", err.Error())
	}
	return nil, id, nil
}

// markTaken records a message the provider took under a claim that was
// abandoned: sent (at the abandoned claim's time, when it went out), with
// the provider's id; a delivery that came meanwhile is applied too.
func (s *Service) markTaken(ctx context.Context, req plaudit.FeedbackRequest, reminder bool, providerID string, msgs []plaudit.ProviderMessage) error {
	if reminder {
		return s.Store.MarkReminderSent(ctx, req.TenantID, req.ID, providerID, req.AbandonedAt)
	}
	if err := s.Store.MarkRequestSent(ctx, req.TenantID, req.ID, providerID, req.AbandonedAt); err != nil {
		return err
	}
	if slices.ContainsFunc(msgs, func(m plaudit.ProviderMessage) bool { return m.Event == plaudit.OutcomeDelivered }) {
		return s.transition(ctx, req, plaudit.Delivered)
	}
	return nil
}

// returnClaim hands a retake's claim back to the abandoned claim it took
// over and returns why. A claim that is no longer held was moved on by
// someone else meanwhile (a bounce, a cancel): that is fine.
func (s *Service) returnClaim(ctx context.Context, req plaudit.FeedbackRequest, reminder bool, why error) error {
	var err error
	if reminder {
		err = s.Store.ReturnReminderClaim(ctx, req)
	} else {
		err = s.Store.ReturnSendClaim(ctx, req)
	}
	if err != nil && plaudit.ErrorCode(err) != plaudit.EConflict {
		return errors.Join(why, err)
	}
	return why
}
