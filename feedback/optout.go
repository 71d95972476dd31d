package feedback

import (
	"context"

	"github.com/plaudit/plaudit"
)

// Unsubscribe records a customer's objection to further feedback requests
// from req's tenant (GDPR Art. 21, UWG § 7): the address req went to is
// suppressed, by its keyed hash, with reason (plaudit.SuppressUnsubscribe
// from the unsubscribe page or a mail provider's one-click POST,
// plaudit.SuppressEmailReply from an email reply). Requests already
// scheduled for the address are canceled when they come due (stillWanted).
//
// It reports whether the suppression is new. An address suppressed for
// good already keeps its reason and date, so that a repeated click
// changes nothing and the page can say since when. A request without an
// address (skipped, never sent) is not found: there is nobody to suppress.
func (s *Service) Unsubscribe(ctx context.Context, req plaudit.FeedbackRequest, reason string) (bool, error) {
	if req.Recipient == "" || req.RecipientHash == "" {
		return false, plaudit.Errorf(plaudit.ENotFound, "the request has no address to unsubscribe")
	}
	sp, err := s.Store.GetSuppression(ctx, req.TenantID, req.RecipientHash)
	switch {
	case err == nil && sp.ExpiresAt == nil:
		return false, nil
	case err != nil && !plaudit.IsNotFound(err):
		return false, err
	}
	if err := s.suppress(ctx, req.TenantID, req.Recipient, reason); err != nil {
		return false, err
	}
	return true, nil
}

// Resubscribe takes back an unsubscribe the customer made on the page or
// by email reply (plaudit.Suppression.CustomerMayUndo). Other suppressions
// are not the customer's to lift here: SMS STOP is lifted by START (the
// carrier blocks the number until then), a bounce or a spam report by
// nobody, an admin's entry by the admin; they give a forbidden error. An
// address that is not suppressed is no error.
func (s *Service) Resubscribe(ctx context.Context, req plaudit.FeedbackRequest) error {
	if req.Recipient == "" || req.RecipientHash == "" {
		return plaudit.Errorf(plaudit.ENotFound, "the request has no address")
	}
	sp, err := s.Store.GetSuppression(ctx, req.TenantID, req.RecipientHash)
	if plaudit.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !sp.CustomerMayUndo() {
		return plaudit.Errorf(plaudit.EForbidden, "this opt-out cannot be taken back here")
	}
	return s.unsuppress(ctx, req.TenantID, req.Recipient, "customer_undo")
}
