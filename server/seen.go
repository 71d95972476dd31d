package server

import (
	"context"

	"github.com/plaudit/plaudit"
)

// firstDelivery records a provider's callback id (an SMS, a status, an
// email event) and reports whether this is its first delivery. Providers
// deliver again when they did not get our answer, so a repeat is answered
// and otherwise ignored.
//
// The id is recorded before the callback is handled, so that copies that
// arrive at once are handled once. When handling then fails, call undo:
// the provider retries a failed callback, and the retry must be handled
// rather than taken for a duplicate, or its effect would be lost.
func (s *Server) firstDelivery(ctx context.Context, key string) (first bool, undo func(), err error) {
	first, err = s.cfg.Store.FirstSeen(ctx, key, s.cfg.Now())
	if err != nil {
		return false, nil, plaudit.Errorf(plaudit.EUnavailable, "store unavailable, retry later")
	}
	undo = func() {
		if err := s.cfg.Store.ForgetSeen(context.WithoutCancel(ctx), key); err != nil {
			s.log.Error("a failed callback stays recorded as handled: its retry will be ignored", "err", err)
		}
	}
	return first, undo, nil
}
