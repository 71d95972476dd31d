package feedback

import (
	"context"

	"github.com/plaudit/plaudit"
)

// once runs f for the first delivery of a provider's callback (an SMS, a
// status, an email event) named by key, and does nothing for a repeat:
// providers deliver again when they did not get our answer.
//
// The key is recorded before f runs, so that copies that arrive at once
// are handled once. When f fails the key is forgotten again: the provider
// retries a failed callback, and the retry must be handled rather than
// taken for a duplicate, or its effect would be lost.
func (s *Service) once(ctx context.Context, key string, f func() error) error {
	first, err := s.Store.FirstSeen(ctx, key, s.now())
	if err != nil {
		return plaudit.Errorf(plaudit.EUnavailable, "store unavailable, retry later")
	}
	if !first {
		return nil
	}
	if err := f(); err != nil {
		if ferr := s.Store.ForgetSeen(context.WithoutCancel(ctx), key); ferr != nil {
			s.log().Error("a failed callback stays recorded as handled: its retry will be ignored", "err", ferr)
		}
		return err
	}
	return nil
}
