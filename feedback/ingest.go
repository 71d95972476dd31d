package feedback

import (
	"context"

	"github.com/plaudit/plaudit"
)

// Ingest stores a helpdesk's event once and makes sure its task is queued;
// it reports whether the event was new. A redelivery of an event not yet
// processed is queued again (the task id makes that a no-op while it is
// queued), so a delivery refused earlier is not lost. When the store or
// the queue is away the event is refused (EUnavailable) and nothing is
// kept, so that the helpdesk's retry is a first delivery again.
func (s *Service) Ingest(ctx context.Context, in *plaudit.Interaction) (created bool, err error) {
	created, err = s.Store.InsertInteraction(ctx, in)
	if err != nil {
		return false, plaudit.Errorf(plaudit.EUnavailable, "store unavailable, retry later")
	}
	if !created && in.Status != plaudit.InteractionReceived {
		return false, nil
	}
	if err := s.Tasks.Interaction(ctx, in.TenantID, in.ID); err != nil {
		if created {
			// Roll back so the helpdesk's retry is a first delivery again.
			// Should this fail too, the reconciler enqueues the row later.
			if derr := s.Store.DeleteInteraction(context.WithoutCancel(ctx), in.TenantID, in.ID); derr != nil {
				s.log().Error("rollback after failed enqueue", "interaction", in.ID, "err", derr)
			}
		}
		s.log().Warn("queue unavailable: webhook refused with 503", "err", err)
		return false, plaudit.Errorf(plaudit.EUnavailable, "queue unavailable, retry later")
	}
	return created, nil
}
