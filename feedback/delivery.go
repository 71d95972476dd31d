package feedback

import (
	"context"

	"github.com/plaudit/plaudit"
)

// ApplyDelivery applies a provider's word on a message it carried: a
// delivery marks the request delivered; a bounce or a failure ends it; a
// hard bounce, a drop, a spam report or a carrier's opt-out also keeps the
// address from further requests.
//
// An event about a request erased since, or about no message of ours, is
// nothing to do. A repeat of an event already applied (same EventID) has
// no second effect, also when the copies come at once; an event whose
// application failed is applied when the provider sends it again.
func (s *Service) ApplyDelivery(ctx context.Context, e plaudit.DeliveryEvent) error {
	e.Clean()
	req, err := s.deliveryRequest(ctx, &e)
	if plaudit.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if e.EventID == "" {
		return s.applyDelivery(ctx, req, e)
	}
	return s.once(ctx, e.Provider+":"+e.EventID, func() error { return s.applyDelivery(ctx, req, e) })
}

// deliveryRequest finds the request an event is about: by the ids the
// message carried, else by the provider's message id (which also says
// whether the message was the reminder).
func (s *Service) deliveryRequest(ctx context.Context, e *plaudit.DeliveryEvent) (plaudit.FeedbackRequest, error) {
	if e.RequestID != "" && e.TenantID != "" {
		return s.Store.GetRequest(ctx, e.TenantID, e.RequestID)
	}
	if e.ProviderID == "" {
		return plaudit.FeedbackRequest{}, plaudit.Errorf(plaudit.ENotFound, "no request named")
	}
	m, err := s.Store.MessageByProviderID(ctx, e.ProviderID)
	if err != nil {
		return plaudit.FeedbackRequest{}, err
	}
	e.Reminder = m.Reminder
	return s.Store.GetRequest(ctx, m.TenantID, m.RequestID)
}

func (s *Service) applyDelivery(ctx context.Context, req plaudit.FeedbackRequest, e plaudit.DeliveryEvent) error {
	// Kept first, whatever the request's state: an event that comes while
	// the request is still "sending" is the evidence that the provider
	// took the message, should its sender have died before recording it
	// (retake.go); later events and support questions find the request by
	// the provider's id.
	if err := s.Store.RecordProviderMessage(ctx, plaudit.ProviderMessage{
		TenantID: req.TenantID, RequestID: req.ID, Reminder: e.Reminder, Channel: req.Channel,
		ProviderID: e.ProviderID, Event: e.Event, At: s.now(),
	}); err != nil && !plaudit.IsNotFound(err) {
		return err
	}
	// A reminder's fate leaves the request as its first message left it,
	// so that the link the customer already has keeps working; a bad
	// address is suppressed all the same.
	if !e.Reminder {
		var t plaudit.Transition
		switch e.Outcome {
		case plaudit.OutcomeDelivered:
			t = plaudit.Delivered
		case plaudit.OutcomeBounced:
			t = plaudit.Undeliverable(plaudit.RequestBounced, e.Reason)
		case plaudit.OutcomeFailed:
			t = plaudit.Undeliverable(plaudit.RequestFailed, e.Reason)
		}
		if t.To != "" {
			if err := s.transition(ctx, req, t); err != nil {
				return err
			}
		}
	}
	if e.Suppress == "" {
		return nil
	}
	addr := req.Recipient
	if addr == "" { // erased since it was sent: the provider's word for it
		addr = normalizeAddress(req.Channel, e.Address)
	}
	if addr == "" {
		return nil
	}
	return s.suppress(ctx, req.TenantID, addr, e.Suppress)
}

// normalizeAddress puts an address as a provider reported it in the form
// requests hold, or "" when it is none.
func normalizeAddress(channel, addr string) string {
	if channel == plaudit.ChannelSMS {
		p, err := plaudit.NormalizePhone(addr, "", "US")
		if err != nil {
			return ""
		}
		return p
	}
	return plaudit.NormalizeEmail(addr)
}
