package feedback

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/store"
)

// Batches is what deciding on many interactions at once needs of the
// store: each call is one statement or one transaction for the batch.
type Batches interface {
	InteractionsByID(ctx context.Context, tenantID string, ids []string) ([]plaudit.Interaction, error)
	ScreenAddresses(ctx context.Context, tenantID string, hashes []string, now, since time.Time) (store.AddressScreen, error)
	CreateRequests(ctx context.Context, tenantID string, reqs []*plaudit.FeedbackRequest, processed []string) ([]bool, error)
	RequestsOfInteractions(ctx context.Context, tenantID string, ids []string) ([]plaudit.FeedbackRequest, error)
}

// SendBatcher is a Tasks that can queue the sends of several requests due
// in the same second as one task (queue.Client). Without it, each request
// is queued on its own.
type SendBatcher interface {
	SendBatch(ctx context.Context, tenantID string, ids []string, due time.Time) error
}

// DecideBatch is Decide for a tenant's interactions that arrived together:
// the same rules, with the reads and writes made once for the batch. The
// tenant and agents come through the store (a cache in production), the
// suppression list and the suppression window are asked for every address
// in one statement, and the requests are inserted, and the interactions
// marked processed, in one transaction. Sends due in the same second are
// queued as one task.
//
// Interactions are taken in the order they arrived. One that needs more
// than the rules (enrichment from the helpdesk, a reopened ticket, which
// cancels what came before it) is decided on its own, between the runs
// before and after it. A run whose transaction fails (an interaction
// erased meanwhile) is decided one by one, so that one bad row fails alone.
func (s *Service) DecideBatch(ctx context.Context, tenantID string, ids []string) error {
	ins, err := s.Store.InteractionsByID(ctx, tenantID, ids)
	if err != nil || len(ins) == 0 {
		return err
	}
	tenant, err := s.Store.GetTenant(ctx, tenantID)
	if plaudit.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	slices.SortFunc(ins, func(a, b plaudit.Interaction) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	var run, done []plaudit.Interaction
	var errs []error
	for _, in := range ins {
		switch {
		case in.Status == plaudit.InteractionProcessed:
			done = append(done, in)
		case in.NeedsEnrich || in.Event == plaudit.EventReopened:
			errs = append(errs, s.decideRun(ctx, tenant, run), s.Decide(ctx, tenantID, in.ID))
			run = nil
		default:
			run = append(run, in)
		}
	}
	errs = append(errs, s.decideRun(ctx, tenant, run), s.requeueDecided(ctx, tenantID, done))
	return errors.Join(errs...)
}

// decideRun decides a run of interactions together or, when that fails,
// one by one.
func (s *Service) decideRun(ctx context.Context, tenant plaudit.Tenant, run []plaudit.Interaction) error {
	stored, err := s.decideTogether(ctx, tenant, run)
	if err == nil || stored {
		// Stored, its sends not all queued: the task runs again, and
		// requeueDecided queues them then.
		return err
	}
	s.log().Warn("batch decision failed: deciding one by one", "tenant", tenant.ID, "interactions", len(run), "err", err)
	errs := make([]error, len(run))
	for i, in := range run {
		errs[i] = s.Decide(ctx, tenant.ID, in.ID)
	}
	return errors.Join(errs...)
}

// decideTogether plans every interaction, screens the addresses at once,
// stores the outcome in one transaction and queues the sends. stored says
// whether the transaction committed.
func (s *Service) decideTogether(ctx context.Context, tenant plaudit.Tenant, ins []plaudit.Interaction) (stored bool, err error) {
	if len(ins) == 0 {
		return false, nil
	}
	reqs := make([]*plaudit.FeedbackRequest, len(ins))
	reasons := make([]string, len(ins))
	var hashes []string
	for i, in := range ins {
		req, reason, err := s.draft(ctx, tenant, in)
		if err != nil {
			return false, err
		}
		reqs[i], reasons[i] = &req, reason
		if reason == "" {
			hashes = append(hashes, req.RecipientHash)
		}
	}
	if err := s.screenBatch(ctx, tenant.Settings, ins, reqs, reasons, hashes); err != nil {
		return false, err
	}
	processed := make([]string, len(ins))
	for i, in := range ins {
		processed[i] = in.ID
		finish(reqs[i], reasons[i])
	}
	created, err := s.Store.CreateRequests(ctx, tenant.ID, reqs, processed)
	if err != nil {
		return false, err
	}
	for i, r := range reqs {
		s.count(cmpReason(reasons[i]))
		if reasons[i] != "" && created[i] {
			s.log().Info("feedback request not sent", "tenant", r.TenantID, "interaction", r.InteractionID, "reason", reasons[i])
		}
	}
	return true, s.queueSends(ctx, tenant.ID, reqs)
}

// screenBatch applies screen to a batch: the store is asked about every
// address once. Within the batch, a second interaction for an address that
// an earlier one is about to ask counts as asked within the window, as it
// would had they come one after the other.
func (s *Service) screenBatch(ctx context.Context, set plaudit.Settings, ins []plaudit.Interaction, reqs []*plaudit.FeedbackRequest, reasons, hashes []string) error {
	if len(hashes) == 0 {
		return nil
	}
	now := s.now()
	slices.Sort(hashes)
	screen, err := s.Store.ScreenAddresses(ctx, ins[0].TenantID, slices.Compact(hashes), now, windowStart(set, now))
	if err != nil {
		return err
	}
	for i, in := range ins {
		if reasons[i] != "" {
			continue
		}
		h := reqs[i].RecipientHash
		if reasons[i] = screenReason(set, in, screen.Suppressed[h], screen.Asked[h]); reasons[i] == "" {
			*reqs[i] = s.scheduled(set, in, *reqs[i])
			if windowApplies(set, in) {
				screen.Asked[h] = true
			}
		}
	}
	return nil
}

// finish makes a planned request what Decide stores: scheduled with a
// page token, or a skip record with its reason and without the address.
func finish(req *plaudit.FeedbackRequest, reason string) {
	req.Token = keyring.Token(24)
	if reason == "" {
		req.Status = plaudit.RequestScheduled
		return
	}
	req.Status, req.Reason = plaudit.RequestSkipped, reason
	req.Recipient, req.RecipientHash = "", ""
}

// cmpReason is the decision's name in the metrics.
func cmpReason(reason string) string {
	if reason == "" {
		return "scheduled"
	}
	return reason
}

// queueSends queues the scheduled requests, those due in the same second
// as one task when the queue can.
func (s *Service) queueSends(ctx context.Context, tenantID string, reqs []*plaudit.FeedbackRequest) error {
	groups := map[int64][]*plaudit.FeedbackRequest{}
	var order []int64
	for _, r := range reqs {
		if r.Status != plaudit.RequestScheduled {
			continue
		}
		sec := r.DueAt.Add(time.Second - time.Nanosecond).Unix() // the second it is due by
		if _, ok := groups[sec]; !ok {
			order = append(order, sec)
		}
		groups[sec] = append(groups[sec], r)
	}
	b, batches := s.Tasks.(SendBatcher)
	for _, sec := range order {
		g := groups[sec]
		if !batches || len(g) == 1 {
			for _, r := range g {
				if err := s.Tasks.Send(ctx, tenantID, r.ID, r.DueAt); err != nil {
					return err
				}
			}
			continue
		}
		ids, due := make([]string, len(g)), g[0].DueAt
		for i, r := range g {
			ids[i] = r.ID
			if r.DueAt.After(due) {
				due = r.DueAt
			}
		}
		if err := b.SendBatch(ctx, tenantID, ids, due); err != nil {
			return err
		}
	}
	return nil
}

// requeueDecided queues again the sends of interactions decided already:
// a batch task run again after its transaction committed and its enqueue
// failed, or an interaction that came in two batches. Queuing a request
// that is queued, sent or being sent has no effect.
func (s *Service) requeueDecided(ctx context.Context, tenantID string, ins []plaudit.Interaction) error {
	if len(ins) == 0 {
		return nil
	}
	ids := make([]string, len(ins))
	for i, in := range ins {
		ids[i] = in.ID
	}
	stored, err := s.Store.RequestsOfInteractions(ctx, tenantID, ids)
	if err != nil {
		return err
	}
	reqs := make([]*plaudit.FeedbackRequest, len(stored))
	for i := range stored {
		reqs[i] = &stored[i]
	}
	return s.queueSends(ctx, tenantID, reqs)
}
