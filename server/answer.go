package server

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
)

// answer is what a customer said, from the page, an SMS or an email. Nil
// fields were not given and keep their value.
type answer struct {
	Score       *int
	Comment     *string
	Excellence  []string
	Improvement []string
	Reward      *bool
	Source      string
}

// MaxComment is the longest comment kept, in characters.
const MaxComment = 2000

// record stores an answer to req: the first answer creates the response
// (it needs a score), later ones update it. Each change is queued for
// writeback once; if the queue is away the reconciler picks it up, so the
// customer never sees an error for it.
func (s *Server) record(ctx context.Context, req plaudit.FeedbackRequest, a answer) (plaudit.Response, error) {
	now := s.cfg.Now()
	if !req.Answerable(now) {
		return plaudit.Response{}, plaudit.Errorf(plaudit.EGone, "this feedback request is closed")
	}
	if a.Score != nil && (*a.Score < 1 || *a.Score > 5) {
		return plaudit.Response{}, plaudit.Errorf(plaudit.EInvalid, "score must be between 1 and 5")
	}
	if a.Comment != nil {
		c := strings.TrimSpace(*a.Comment)
		if utf8.RuneCountInString(c) > MaxComment {
			return plaudit.Response{}, plaudit.Errorf(plaudit.EInvalid, "comment must be at most %d characters", MaxComment)
		}
		a.Comment = &c
	}
	a.Excellence = onlyKnown(a.Excellence, plaudit.ExcellenceAreas)
	a.Improvement = onlyKnown(a.Improvement, plaudit.ImprovementAreas)

	resp, err := s.cfg.Store.ResponseByRequest(ctx, req.TenantID, req.ID)
	switch {
	case plaudit.IsNotFound(err):
		if a.Score == nil {
			return plaudit.Response{}, plaudit.Errorf(plaudit.EInvalid, "score is required")
		}
		// Only the page can be answered by a machine (mail scanners and
		// link previews follow its links); an SMS or an email reply was
		// written by someone, however soon it came.
		automated := a.Source == plaudit.SourcePage && plaudit.LikelyAutomated(req.SentAt, now)
		resp = plaudit.Response{
			TenantID: req.TenantID, RequestID: req.ID, AgentID: req.AgentID, TicketID: req.TicketID,
			Source: a.Source, Automated: automated, Test: req.Test,
			WritebackStatus: plaudit.WritebackPending,
		}
		if req.ConnectorID == "" {
			resp.WritebackStatus = plaudit.WritebackNone
		}
		a.applyTo(&resp)
		created, err := s.cfg.Store.CreateResponse(ctx, &resp)
		if err != nil {
			return plaudit.Response{}, err
		}
		if !created { // a concurrent first answer won: apply ours on top
			a.applyTo(&resp)
			if err := s.cfg.Store.UpdateResponse(ctx, &resp); err != nil {
				return plaudit.Response{}, err
			}
		}
		// A second answer finds the request responded already: the
		// transition's conflict is that, not an error.
		if _, err := s.cfg.Store.TransitionRequest(ctx, req.TenantID, req.ID, plaudit.Answered); err != nil &&
			plaudit.ErrorCode(err) != plaudit.EConflict {
			return plaudit.Response{}, err
		}
		if s.cfg.Metrics != nil && created { // one count per response, not per copy
			s.cfg.Metrics.Responses.WithLabelValues(a.Source).Inc()
		}
	case err != nil:
		return plaudit.Response{}, err
	default:
		if !a.changes(resp) {
			return resp, nil // the same answer twice has one effect
		}
		a.applyTo(&resp)
		if err := s.cfg.Store.UpdateResponse(ctx, &resp); err != nil {
			return plaudit.Response{}, err
		}
	}
	// Reports count an answer on its day in the tenant's time zone, as the
	// retention sweep does for an answer whose aggregate is missing.
	day := now
	if t, err := s.cfg.Store.GetTenant(ctx, req.TenantID); err == nil {
		day = now.In(t.Settings.Location())
	}
	if err := s.cfg.Store.RecordAggregate(ctx, resp, req.Channel, day); err != nil {
		s.log.Error("aggregate not recorded", "response", resp.ID, "err", err)
	}
	if resp.WritebackStatus != plaudit.WritebackNone {
		if err := s.cfg.Queue.Writeback(context.WithoutCancel(ctx), resp.TenantID, resp.ID, resp.Version); err != nil {
			s.log.Warn("writeback not queued now; the reconciler will", "response", resp.ID, "err", err)
		}
	}
	return resp, nil
}

func (a answer) applyTo(r *plaudit.Response) {
	if a.Score != nil {
		r.Score = *a.Score
	}
	if a.Comment != nil && *a.Comment != "" {
		r.Comment = *a.Comment
	}
	if a.Excellence != nil {
		r.Excellence = a.Excellence
	}
	if a.Improvement != nil {
		r.Improvement = a.Improvement
	}
	if a.Reward != nil {
		r.Reward = *a.Reward
	}
}

// changes reports whether applying a would change r.
func (a answer) changes(r plaudit.Response) bool {
	next := r
	a.applyTo(&next)
	return next.Score != r.Score || next.Comment != r.Comment || next.Reward != r.Reward ||
		strings.Join(next.Excellence, ",") != strings.Join(r.Excellence, ",") ||
		strings.Join(next.Improvement, ",") != strings.Join(r.Improvement, ",")
}

// onlyKnown keeps the areas that exist, once each, in their canonical
// order; nil stays nil (not given).
func onlyKnown(given, known []string) []string {
	if given == nil {
		return nil
	}
	out := []string{}
	for _, k := range known {
		for _, g := range given {
			if g == k {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// transition applies a provider's or a customer's word to a request. A
// request no longer in a state the transition starts from (answered before
// the delivery report came, a report repeated) keeps its status: that is
// the guard doing its work, not an error.
func transition(ctx context.Context, st Store, req plaudit.FeedbackRequest, t plaudit.Transition) error {
	_, err := st.TransitionRequest(ctx, req.TenantID, req.ID, t)
	if plaudit.ErrorCode(err) == plaudit.EConflict {
		return nil
	}
	return err
}
